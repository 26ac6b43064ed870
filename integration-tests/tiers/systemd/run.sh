#!/usr/bin/env bash
# systemd tier (issue #6): corral installed from its tarball into a Debian tree booted with
# systemd-nspawn as a real systemd PID 1, tests run inside (in-container-tests.sh).
#
#   integration-tests/tiers/systemd/run.sh [TARBALL]
#
# As root. TARBALL defaults to dist/target/corral-*.tar.gz (built with
# `mvn -B package -DskipTests` when missing). Environment:
#   CORRAL_TIER_CACHE   where the debootstrapped tree is cached (default /var/cache/corral-tiers),
#                       as debian-SUITE-HASH.tar.zst, HASH of the suite and the package list
#   CORRAL_TIER_SUITE   debootstrap suite (default bookworm)
#   CORRAL_TIER_MIRROR  Debian mirror (default: URIs: of /etc/apt/sources.list.d/debian.sources)
#   CORRAL_TIER_KEEP=1  keep the work directory (logs, tree) after the run
#
# What it does, following shared/notes/test-environments.md section 8: installs its host tools
# when missing; builds or unpacks the cached tree; moves a launcher subshell into fresh
# ctest-NAME cgroups (name=systemd, unified and every v1 controller) so the machine's cgroup
# namespace is rooted there; boots with SYSTEMD_SECCOMP=0 (audit from units), --bind=/dev/fuse,
# the JDK bound read-only, a private /run and network; remounts the v1 controllers writable
# inside and re-executes systemd; installs the tarball into the running tree, daemon-reload and
# reload dbus; runs in-container-tests.sh through nsenter; then powers the machine off (killed
# after a timeout), stops every process it started by PID and removes its cgroups depth-first.
# Prints PASS/FAIL lines and a final "N passed, M failed" line; exit status 0 only if all pass.
# A tier that cannot start (no mirror, no /dev/fuse, no JDK, boot failure) fails loudly.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
repo=$(cd "$here/../../.." && pwd)
t0=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)"; }
log() { echo "[systemd-tier $(elapsed)s] $*"; }

# The closing line, printed last of all by the clean-up.
RESULT="0 passed, 1 failed"
setup_failed() {
  echo "FAIL tier-setup: $*"
  RESULT="0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" = 0 ] || setup_failed "must run as root"

JDK=/usr/lib/jvm/java-17-openjdk-amd64
JDK_CONF=/etc/java-17-openjdk
SUITE=${CORRAL_TIER_SUITE:-bookworm}
CACHE=${CORRAL_TIER_CACHE:-/var/cache/corral-tiers}
PACKAGES=systemd,systemd-sysv,dbus,systemd-container,polkitd,iproute2,procps,libpam-systemd,libfuse2,fuse3,libaudit1,netcat-openbsd,passwd,util-linux
CONTROLLERS=(memory pids cpu cpuacct devices freezer blkio cpuset)
NAME=ctest-sd$$
MACHINE=corral-tier-$$

# ---- host tools ------------------------------------------------------------------------------
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v zstd >/dev/null || need+=(zstd)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || need+=(busybox-static)
command -v nsenter >/dev/null || need+=(util-linux)
command -v auditctl >/dev/null || need+=(auditd)
command -v python3 >/dev/null || need+=(python3-minimal)
command -v bc >/dev/null || need+=(bc)
tier_install_tools systemd "${need[@]}"
[ -c /dev/fuse ] || setup_failed "/dev/fuse is missing on the host: the tier binds it into the machine (modprobe fuse)"
[ -x $JDK/bin/java ] || setup_failed "$JDK/bin/java is missing (openjdk-17-jdk-headless)"
[ -d $JDK_CONF ] || setup_failed "$JDK_CONF is missing (the JDK's conf/ links into it)"

tier_tarball "$repo" "${1:-}"
tier_mirror

# ---- state for the clean-up ------------------------------------------------------------------
WORKDIR=$(mktemp -d /var/tmp/corral-systemd-tier.XXXXXX)
ROOTFS=$WORKDIR/rootfs
NSPAWN_PID=
AUDIT_PID=
AUDIT_WAS=
LEADER=
declare -a CG_DIRS=()
for h in systemd unified "${CONTROLLERS[@]}"; do CG_DIRS+=("/sys/fs/cgroup/$h/$NAME"); done

cg_pids() {
  local d
  for d in "${CG_DIRS[@]}"; do
    [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

cleanup() {
  local rc=$? cleanup_bad=0
  set +e
  trap - EXIT INT TERM
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
      # Containers first: their inits are PID 1 of their namespaces and ignore SIGTERM, so
      # systemd's shutdown would wait out its stop timeout for them.
      nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c '
        for n in $(busctl --timeout=20 --json=short call org.corral1 /org/corral1 org.corral1.Manager ListContainers 2>/dev/null |
                   grep -o "\"[^\"]*\",\"[0-9a-f-]*\",\"running\"" | cut -d\" -f2); do
          busctl --timeout=20 call org.corral1 /org/corral1 org.corral1.Manager DestroyContainer s "$n" >/dev/null 2>&1
        done
        systemctl poweroff --no-block' >/dev/null 2>&1
      log "powering the machine off"
    else
      kill -TERM "$NSPAWN_PID" 2>/dev/null
    fi
    for _ in $(seq 1 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
      log "machine still up after 30 s: killing systemd-nspawn ($NSPAWN_PID)"
      kill -KILL "$NSPAWN_PID" 2>/dev/null
    fi
    wait "$NSPAWN_PID" 2>/dev/null
  fi
  # Whatever is left in our cgroups was started by this run (the machine's processes).
  local left
  left=$(cg_pids)
  if [ -n "$left" ]; then
    log "killing leftover processes of the machine: $(echo $left)"
    kill -KILL $left 2>/dev/null
    for _ in $(seq 1 50); do [ -z "$(cg_pids)" ] && break; sleep 0.1; done
  fi
  if [ -n "$AUDIT_PID" ]; then
    kill -TERM "$AUDIT_PID" 2>/dev/null
    wait "$AUDIT_PID" 2>/dev/null
  fi
  if [ "$AUDIT_WAS" = 0 ]; then
    auditctl -e 0 >/dev/null 2>&1
  fi
  local d
  for d in "${CG_DIRS[@]}"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    [ -d "$d" ] && { log "WARNING: cgroup $d could not be removed"; rc=1; cleanup_bad=1; }
  done
  if grep -q "$WORKDIR" /proc/self/mountinfo; then
    log "WARNING: mounts left below $WORKDIR:"; grep "$WORKDIR" /proc/self/mountinfo; rc=1; cleanup_bad=1
  elif [ "${CORRAL_TIER_KEEP:-0}" = 1 ]; then
    log "kept $WORKDIR"
  else
    rm -rf --one-file-system "$WORKDIR"
  fi
  if [ "$cleanup_bad" = 1 ]; then
    echo "FAIL tier-cleanup: processes, cgroups or mounts were left (see WARNING lines)"
    local p=${RESULT%% passed*} f=${RESULT#*, }
    f=${f%% failed*}
    RESULT="$p passed, $((f + 1)) failed"
  fi
  log "done (exit $rc)"
  echo "$RESULT"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the cached tree -------------------------------------------------------------------------
tier_cached_tree
mkdir "$ROOTFS"
zstd -q -dc "$cached" | tar -C "$ROOTFS" --numeric-owner --xattrs -xf - ||
  setup_failed "cannot unpack $cached (delete it to rebuild)"
log "tree unpacked into $ROOTFS"

# ---- test files in the tree (the corral tarball itself goes in after boot) -------------------
gcc -static -O2 -Wall -o "$WORKDIR/fdecho" "$here/files/fdecho.c" || setup_failed "gcc -static fdecho.c failed"
bb=$ROOTFS/var/lib/corral-tier/root
mkdir -p "$bb"/{bin,sbin,proc,sys,dev,tmp,etc,run}
chmod 1777 "$bb/tmp"
cp /bin/busybox "$bb/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ -e "$bb/$applet" ] || [ -L "$bb/$applet" ] || ln -s /bin/busybox "$bb/$applet" 2>/dev/null || true
done
install -m 0755 "$WORKDIR/fdecho" "$bb/bin/fdecho"
printf 'root:x:0:0:root:/:/bin/sh\n' >"$bb/etc/passwd"
printf 'root:x:0:\n' >"$bb/etc/group"
printf '#!/bin/sh\nexec sleep 100000\n' >"$bb/sleep-init"
chmod 0755 "$bb/sleep-init"
# What the CLI and the service run: java on PATH in the tree (the JDK is bound read-only).
ln -sf $JDK/bin/java "$ROOTFS/usr/bin/java"
mkdir -p "$ROOTFS$JDK" "$ROOTFS$JDK_CONF"
install -m 0644 "$here/files/mycontainer.socket" "$here/files/mycontainer.service" "$ROOTFS/etc/systemd/system/"
install -m 0644 "$here/files/50-corral-tier.rules" "$ROOTFS/etc/polkit-1/rules.d/50-corral-tier.rules"
install -D -m 0755 "$here/in-container-tests.sh" "$ROOTFS/usr/local/lib/corral-tier/in-container-tests.sh"
chroot "$ROOTFS" groupadd -f corraldev
chroot "$ROOTFS" useradd -m -G corraldev corraltest
chroot "$ROOTFS" useradd -m corralother
# Nothing on the console but what we ask for; no getty waiting on it.
chroot "$ROOTFS" systemctl mask -q console-getty.service getty@tty1.service systemd-networkd-wait-online.service 2>/dev/null || true
echo "$MACHINE" >"$ROOTFS/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$MACHINE" >"$ROOTFS/etc/hosts"
mkdir -p "$WORKDIR/audit"

# ---- audit: enable it and listen on the host --------------------------------------------------
AUDIT_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')
if [ -n "$AUDIT_WAS" ]; then
  [ "$AUDIT_WAS" = 0 ] && auditctl -e 1 >/dev/null
  python3 "$here/files/audit-listen.py" "$WORKDIR/audit/records" 2>"$WORKDIR/audit/listener.err" &
  AUDIT_PID=$!
  for _ in $(seq 1 50); do grep -q listening "$WORKDIR/audit/records" 2>/dev/null && break; sleep 0.1; done
  grep -q listening "$WORKDIR/audit/records" 2>/dev/null ||
    echo "audit listener did not start: $(cat "$WORKDIR/audit/listener.err")" >"$WORKDIR/audit/unavailable"
else
  echo "auditctl -s failed on the host: no kernel audit" >"$WORKDIR/audit/unavailable"
fi

# ---- boot --------------------------------------------------------------------------------------
for d in "${CG_DIRS[@]}"; do mkdir "$d"; done
cs=/sys/fs/cgroup/cpuset
cat $cs/cpuset.cpus >$cs/$NAME/cpuset.cpus
cat $cs/cpuset.mems >$cs/$NAME/cpuset.mems
log "booting $MACHINE (cgroups $NAME)"
boot_t=$(date +%s.%N)
(
  for d in "${CG_DIRS[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done
  export SYSTEMD_SECCOMP=0
  exec unshare -m --propagation private sh -c '
    mount -t tmpfs tmpfs /run && mkdir -p /run/systemd
    exec systemd-nspawn --quiet --register=no --keep-unit --private-network --console=passive \
      -M "$1" -D "$2" --bind=/dev/fuse --bind-ro="$3" --bind-ro="$4" \
      --bind-ro="$5":/var/lib/corral-tier/host-audit \
      -b systemd.log_target=console systemd.show_status=0' \
    _ "$MACHINE" "$ROOTFS" "$JDK" "$JDK_CONF" "$WORKDIR/audit"
) >"$WORKDIR/nspawn.log" 2>&1 </dev/null &
NSPAWN_PID=$!

# The machine's PID 1: the child of systemd-nspawn that runs systemd (before the exec chain
# reaches nspawn, the launcher's own children, mount and mkdir, would match a bare pgrep -P).
nspawn_exe=$(readlink -f "$(command -v systemd-nspawn)")
for _ in $(seq 1 150); do
  kill -0 "$NSPAWN_PID" 2>/dev/null || break
  if [ "$(readlink /proc/"$NSPAWN_PID"/exe 2>/dev/null)" = "$nspawn_exe" ]; then
    for c in $(pgrep -P "$NSPAWN_PID" 2>/dev/null || true); do
      [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && LEADER=$c && break
    done
  fi
  [ -n "$LEADER" ] && break
  sleep 0.1
done
if [ -z "$LEADER" ]; then
  tail -n 20 "$WORKDIR/nspawn.log" | sed 's/^/  nspawn: /'
  setup_failed "systemd-nspawn did not start a PID 1 (log above)"
fi
inside() { nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# systemctl needs systemd's private bus socket, which appears a moment after PID 1 starts.
for _ in $(seq 1 300); do
  inside test -S /run/systemd/private 2>/dev/null && break
  sleep 0.1
done
state=$(inside timeout 60 systemctl is-system-running --wait 2>&1 || true)
case $state in
  running) ;;
  degraded) log "system is degraded: $(inside systemctl --failed --no-legend --plain | awk '{print $1}' | xargs)" ;;
  *)
    tail -n 30 "$WORKDIR/nspawn.log" | sed 's/^/  nspawn: /'
    setup_failed "machine did not boot: systemctl is-system-running says '$state'"
    ;;
esac
log "booted in $(printf '%.2f' "$(echo "$(date +%s.%N) - $boot_t" | bc)") s (leader $LEADER, $state)"

# Catch 1 of the notes: nspawn mounts the v1 controllers read-only; mount them again writable
# (their roots are our ctest groups) and let systemd see the change.
inside sh -c '
  for c in "$@"; do
    while mountpoint -q /sys/fs/cgroup/$c; do umount /sys/fs/cgroup/$c || exit 1; done
    mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c || exit 1
  done
  systemctl daemon-reexec' _ "${CONTROLLERS[@]}" || setup_failed "could not make the v1 cgroup controllers writable inside"

# Install the corral tarball as a package would, then tell systemd and dbus.
tar -xzf "$tarball" -C "$ROOTFS" || setup_failed "tar -xzf $tarball failed"
inside systemctl daemon-reload || setup_failed "systemctl daemon-reload failed inside"
inside systemctl reload dbus || setup_failed "systemctl reload dbus failed inside"
log "installed $(basename "$tarball") into the machine"

# ---- the tests ---------------------------------------------------------------------------------
log "running in-container-tests.sh (nsenter -t $LEADER -a)"
set +e
inside /usr/local/lib/corral-tier/in-container-tests.sh 2>&1 | tee "$WORKDIR/tests.log"
tests_rc=${PIPESTATUS[0]}
set -e
if [ "$tests_rc" != 0 ]; then
  inside journalctl -u corral.service --no-pager -n 40 >"$WORKDIR/corral-journal.log" 2>&1 || true
  echo "--- last lines of the corral.service journal"; cat "$WORKDIR/corral-journal.log"
fi
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORKDIR/tests.log" | tail -n1 || true)
[ -n "$line" ] || { echo "FAIL tier: in-container-tests.sh printed no result line"; exit 1; }
RESULT=$line
log "tests finished (exit $tests_rc)"
exit "$tests_rc"
