#!/usr/bin/env bash
# The corral benchmark: one command, as root. See docs/benchmarks.md.
#
#   benchmark/run.sh [--n 1000] [--cycles 200] [--warmup 20] [--service-warmup 300] [--pss 50] [--rss 200]
#                    [--extra 100] [--activations 21] [--cli-runs 10] [--floor-cycles 1000] [--keep] [--hold S]
#
# Builds if needed (mvn -B -q install -DskipTests), then the Java harness unpacks
# dist/target/corral-*.tar.gz into a scratch dir, starts a private dbus-daemon and corrald from
# that install tree, builds a busybox root from /bin/busybox, measures, prints one table (also
# kept in benchmark/target/last-run/table.txt with the service and bus logs), stops everything it
# started by PID and removes the scratch dir. BENCH_NO_BUILD=1 skips the build check.
set -euo pipefail
here=$(cd -P -- "$(dirname -- "$0")" && pwd)
root=$(cd -P -- "$here/.." && pwd)
cd "$root"

if [ "$(id -u)" != 0 ]; then
  echo "benchmark/run.sh: containers need root" >&2
  exit 1
fi
for tool in dbus-daemon busctl tar /bin/busybox; do
  command -v "$tool" >/dev/null || { echo "benchmark/run.sh: $tool is missing" >&2; exit 1; }
done

# Build when an artifact is missing or a source is newer than the tarball.
needs_build() {
  local tarball
  tarball=$(ls dist/target/corral-*.tar.gz 2>/dev/null | head -n1 || true)
  [ -n "$tarball" ] || return 0
  [ -x service/target/native/floor ] || return 0
  ls benchmark/target/corral-benchmark-*.jar >/dev/null 2>&1 || return 0
  [ -d benchmark/target/lib ] || return 0
  [ -n "$(find pom.xml interfaces service dist benchmark/pom.xml benchmark/src -newer "$tarball" \
        -type f -not -path '*/target/*' -print -quit)" ]
}
if [ "${BENCH_NO_BUILD:-0}" != 1 ] && needs_build; then
  echo "benchmark/run.sh: building (mvn -B -q install -DskipTests)" >&2
  mvn -B -q install -DskipTests
fi

java=${JAVA:-java}
scratch=$(mktemp -d /tmp/corral-bench.XXXXXX)
chmod 755 "$scratch"
jar=$(ls benchmark/target/corral-benchmark-*.jar | head -n1)

# The cgroup partitions corrald makes (/machine, machine.slice) stay on a host, as libvirt's
# /machine does; a benchmark run on a host that had none leaves none (see the end).
partitions() {
  ls -d /sys/fs/cgroup/machine /sys/fs/cgroup/machine.slice /sys/fs/cgroup/*/machine \
    /sys/fs/cgroup/*/machine.slice 2>/dev/null || true
}
partitions_before=" $(partitions | tr '\n' ' ') "

# The harness cleans up in a finally block and in a shutdown hook (SIGINT/SIGTERM); the trap
# forwards an interrupt to it by PID and waits for its clean-up.
"$java" -cp "$jar:benchmark/target/lib/*" org.corral.benchmark.Bench \
  --project-root "$root" --scratch "$scratch" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; exit 130' INT TERM
set +e
wait "$pid"
rc=$?
set -e
trap - INT TERM
for p in $(partitions); do
  case $partitions_before in
    *" $p "*) ;;
    *) rmdir "$p" 2>/dev/null || [ ! -e "$p" ] || echo "bench: left $p: not empty" >&2 ;;
  esac
done
# Only the scratch dir this run created, and only when the harness did not keep it on purpose.
if [ -d "$scratch" ] && [ "$rc" = 0 ] && [[ " $* " != *" --keep "* ]]; then
  rmdir "$scratch" 2>/dev/null || true
fi
exit "$rc"
