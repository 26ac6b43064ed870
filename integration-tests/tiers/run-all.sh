#!/usr/bin/env bash
# Runs every real-system test tier after the host tests (issue #6): the systemd tier
# (systemd-nspawn, systemd as PID 1) and the cgroup v2 tier (a QEMU VM with a pure cgroup v2
# hierarchy). Both always run, one after the other (each needs most of the machine); each
# prints its PASS/FAIL lines and a "N passed, M failed" line. At the end, one line per tier and
# a total; the exit status is 0 only if every tier ran and passed.
#
#   integration-tests/tiers/run-all.sh TARBALL
#
# Called by `mvn -B verify -Ptiers` (integration-tests/pom.xml), which is what .ci/run runs.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tarball=${1:?usage: run-all.sh TARBALL}
tiers=(systemd cgroupv2)
declare -A result seconds
total_passed=0
total_failed=0
status=0

for tier in "${tiers[@]}"; do
  echo "=== tier $tier: $here/$tier/run.sh $tarball"
  log=$(mktemp /var/tmp/corral-tier-$tier.XXXXXX.log)
  t0=$SECONDS
  "$here/$tier/run.sh" "$tarball" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  seconds[$tier]=$((SECONDS - t0))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
  rm -f "$log"
  if [ -z "$line" ]; then
    line="0 passed, 1 failed"
    echo "FAIL tier-$tier: run.sh printed no result line (exit $rc)"
  fi
  p=${line%% passed*}
  f=${line#*, }
  f=${f%% failed*}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1 # an exit status that says failure counts, whatever the line says
  fi
  result[$tier]="$p passed, $f failed"
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  [ "$f" = 0 ] || status=1
done

echo "=== tiers"
for tier in "${tiers[@]}"; do
  printf '%-10s %s (%d s)\n' "$tier" "${result[$tier]}" "${seconds[$tier]}"
done
echo "tiers: $total_passed passed, $total_failed failed"
exit $status
