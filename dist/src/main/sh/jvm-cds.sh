# jvm-cds.sh: class-data sharing for corral's JVM commands (corrald, corralctl), sourced by their
# wrappers (POSIX sh). Installed as <prefix>/usr/lib/corral/jvm-cds.sh.
#
# Start-up counts for both: bus activation waits for corrald, unit files and people for
# corralctl. An AppCDS archive of the classes a command loads takes a third or more off a JVM's
# start here. Java 17 cannot create one by itself, and an archive is valid only for the exact jars
# and JVM, so the files' names carry a checksum of the java binary's and the jars' names, sizes
# and mtimes, and:
#   1. a run that may record (the caller says) writes the list of classes it loads
#      (-XX:DumpLoadedClassList) to a name with its PID, renamed into place by a later run once
#      that process is gone;
#   2. a later run starts the dump of a static archive from that list in the background
#      (java -Xshare:dump, once; named with its PID until done);
#   3. runs after that use it (-XX:SharedArchiveFile).
# Files of other jar sets go when a new list is recorded. Any failure only means running without
# the archive; CDS messages are switched off.
# The cache: CORRAL_CACHE_DIR, else /var/cache/corral for root, else $XDG_CACHE_HOME/corral or
# ~/.cache/corral; used only when owned by the caller and not writable by group or others (an
# archive is code).
#
#   cds_prepare NAME JAVA CLASSPATH RECORD
# sets cds_flags (options without paths, possibly empty: split them), cds_file (the one option
# naming a file, possibly empty: pass it as ${cds_file:+"$cds_file"}) and cds_base (the cache
# files' common path without suffix, for other per-jar-set files of the caller; empty without a
# cache).

# cds_cache_dir: sets cds_cache to the archive directory to use, or fails. (Functions here set
# variables rather than print: every $(...) is a fork, and this runs at every start.)
cds_cache_dir() {
  if [ -n "${CORRAL_CACHE_DIR:-}" ]; then
    cds_cache=$CORRAL_CACHE_DIR
  elif [ "$(id -u 2>/dev/null)" = 0 ]; then
    cds_cache=/var/cache/corral
  else
    cds_cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/corral
  fi
  if [ ! -d "$cds_cache" ]; then
    (umask 022 && mkdir -p -- "$cds_cache") 2>/dev/null || return 1
  fi
  [ -O "$cds_cache" ] && [ -w "$cds_cache" ] || return 1
  case $(ls -ld -- "$cds_cache" 2>/dev/null) in
    d????-??-*) return 0 ;;
    *) return 1 ;;
  esac
}

# cds_key JAVA CLASSPATH: sets cds_k to a checksum of the java binary's and the jars' names, sizes
# and mtimes.
cds_key() {
  cds_realjava=$(command -v "$1" 2>/dev/null) || cds_realjava=$1
  cds_realjava=$(readlink -f -- "$cds_realjava" 2>/dev/null) || cds_realjava=$1
  cds_jvmlib=${cds_realjava%/*}/../lib/server/libjvm.so
  set -f
  # shellcheck disable=SC2086
  cds_old_ifs=$IFS; IFS=:; set -- $2; IFS=$cds_old_ifs
  set +f
  cds_k=$({ stat -L -c '%n %s %Y' -- "$cds_realjava" "$cds_jvmlib" "$@" 2>/dev/null || ls -lnL -- "$cds_realjava" "$@"; } \
    | cksum | { read -r sum size && printf '%s-%s\n' "$sum" "$size"; })
}

cds_prepare() {
  cds_flags=
  cds_file=
  cds_base=
  cds_cache_dir && cds_key "$2" "$3" || return 0
  [ -n "$cds_k" ] || return 0
  cds_base=$cds_cache/$1-$cds_k
  cds_archive=$cds_base.jsa
  cds_list=$cds_base.classlist
  cds_dumping=
  for cds_tmp in "$cds_list".* "$cds_archive".*; do
    [ -f "$cds_tmp" ] && [ -O "$cds_tmp" ] || continue
    if kill -0 "${cds_tmp##*.}" 2>/dev/null; then
      cds_dumping=1
    elif [ "${cds_tmp%.*}" = "$cds_list" ] && [ ! -f "$cds_list" ]; then
      mv -f -- "$cds_tmp" "$cds_list" 2>/dev/null || rm -f -- "$cds_tmp"
    else
      rm -f -- "$cds_tmp"
    fi
  done
  if [ -f "$cds_archive" ] && [ -O "$cds_archive" ]; then
    cds_flags="-Xshare:auto -Xlog:cds=off -Xlog:class+path=off"
    cds_file=-XX:SharedArchiveFile=$cds_archive
  elif [ -n "$cds_dumping" ]; then
    :
  elif [ -f "$cds_list" ] && [ -O "$cds_list" ]; then
    # Step 2, in the background (a second or two of CPU, once): a static archive; Java 17 puts
    # class files older than Java 6 (picocli's) only into a static one, not a dynamic one.
    sh -c 'tmp=$1.$$; archive=$1; shift
      nice -n 10 "$@" -XX:SharedArchiveFile="$tmp" && [ -s "$tmp" ] && mv -f -- "$tmp" "$archive"
      rm -f -- "$tmp"' jvm-cds "$cds_archive" "$2" -Xshare:dump -XX:SharedClassListFile="$cds_list" \
      -cp "$3" </dev/null >/dev/null 2>&1 &
    # The JVM creates the archive file only when the dump ends: mark the dump as under way now,
    # under the background shell's PID, so that the runs meanwhile don't start dumps of their own.
    : > "$cds_archive.$!" 2>/dev/null || :
  elif [ "$4" = 1 ]; then
    # Step 1: this run lists the classes it loads. What was kept for other jar sets goes.
    for cds_old in "$cds_cache/$1"-*; do
      case $cds_old in "$cds_base".*) continue ;; esac
      [ -f "$cds_old" ] && rm -f -- "$cds_old"
    done
    cds_flags="-Xshare:auto -Xlog:cds=off"
    cds_file=-XX:DumpLoadedClassList=$cds_list.$$
  fi
  return 0
}
