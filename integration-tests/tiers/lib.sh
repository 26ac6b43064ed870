# lib.sh: what both tiers' run.sh do alike, sourced by them (bash). The caller defines log and
# setup_failed, and sets SUITE, PACKAGES, CACHE and WORKDIR before calling what needs them.

# below DIR: the mount points at or below DIR (mountinfo escapes blanks; our paths have none).
below() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo; }

# tier_install_tools TIER PACKAGE...: apt-get installs the host tools a tier misses (none: nothing),
# then checks that /bin/busybox is the static one the containers' roots are made from.
tier_install_tools() {
  local tier=$1
  shift
  if [ $# -gt 0 ]; then
    echo "[$tier-tier] installing host tools: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || setup_failed "apt-get update failed (no network to the Debian mirror?)"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || setup_failed "apt-get install $* failed"
  fi
  if ldd /bin/busybox >/dev/null 2>&1; then
    setup_failed "/bin/busybox is not static (install busybox-static)"
  fi
}

# tier_tarball REPO [TARBALL]: sets tarball: the given one, else dist/target/corral-*.tar.gz,
# built with Maven when there is none.
tier_tarball() {
  tarball=${2:-}
  [ -n "$tarball" ] || tarball=$(ls "$1"/dist/target/corral-*.tar.gz 2>/dev/null | head -n1 || true)
  if [ -z "$tarball" ]; then
    log "no dist/target/corral-*.tar.gz: building it (mvn -B -q package -DskipTests)"
    (cd "$1" && mvn -B -q package -DskipTests) || setup_failed "mvn package failed"
    tarball=$(ls "$1"/dist/target/corral-*.tar.gz | head -n1)
  fi
  [ -f "$tarball" ] || setup_failed "install tarball $tarball not found"
}

# tier_mirror: sets mirror: CORRAL_TIER_MIRROR, else the host's apt source, else deb.debian.org.
tier_mirror() {
  mirror=${CORRAL_TIER_MIRROR:-}
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
}

# tier_cached_tree: sets key and cached: a minbase debootstrap of SUITE with PACKAGES from
# mirror, kept in CACHE as debian-SUITE-KEY.tar.zst (KEY: a hash of the suite and the package
# list) and made only when missing. The build directory is in BUILD_DIRS while it exists, for
# a clean-up after an interruption; a failed debootstrap is reported with its log's end.
tier_cached_tree() {
  mkdir -p "$CACHE"
  key=$(printf 'suite=%s\npackages=%s\nvariant=minbase\n' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-16)
  cached=$CACHE/debian-$SUITE-$key.tar.zst
  if [ -f "$cached" ]; then
    log "using cached tree $cached"
    return
  fi
  log "no cached tree $cached: debootstrap $SUITE from $mirror"
  local t=$SECONDS build=$CACHE/build.$$ m
  BUILD_DIRS+=("$build")
  rm -rf "$build"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$build" "$mirror" \
      >"$WORKDIR/debootstrap.log" 2>&1; then
    tail -n 15 "$WORKDIR/debootstrap.log" | sed 's/^/  debootstrap: /'
    # debootstrap mounts proc and sys in its target, and a failure may leave them.
    for m in $(below "$build" | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf --one-file-system "$build"
    setup_failed "debootstrap $SUITE from $mirror failed (no network to the Debian mirror?); log above"
  fi
  rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*_Packages
  tar -C "$build" --numeric-owner --xattrs -cf - . | zstd -q -T0 -3 -o "$cached.tmp.$$"
  mv "$cached.tmp.$$" "$cached"
  rm -rf --one-file-system "$build"
  log "cached $cached ($(du -h "$cached" | cut -f1)) in $((SECONDS - t)) s"
}
