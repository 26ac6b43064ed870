#!/bin/bash
# Pure cgroup v2 tier, inside the QEMU VM (corral-tier.service runs it from the 9p share
# /mnt/tier as root, systemd being PID 1; its output goes to the second serial port, which
# run.sh prints). Installs the corral tarball from the share as a package would, then drives
# corral the way users do (busctl, corralctl) and checks the containers' cgroups directly.
# Prints each command it runs ("  $ …"), INFO lines with what it saw, "PASS name" /
# "FAIL name: why" per test and a final "N passed, M failed" line; exit status 0 only when
# nothing failed.
#
# Fixtures from build-image.sh: a busybox root at /var/lib/corral-tier/root (init scripts go to
# its /tier), and /var/lib/corral-tier/out, where each container gets its own directory, bound
# at /out inside.
set -u
export LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SHARE=/mnt/tier
ROOT=/var/lib/corral-tier/root
OUTS=/var/lib/corral-tier/out
CGROOT=/sys/fs/cgroup
MIB=1048576
passed=0
failed=0
OUT=
T0=$(date +%s%N)

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
info() { echo "INFO $*"; }
el() { awk -v ms=$((($(date +%s%N) - T0) / 1000000)) 'BEGIN { printf "%.1f", ms / 1000 }'; }
section() { echo "== $* (t=$(el)s)"; }
# r CMD…: print the command, run it, keep stdout+stderr in $OUT (and print it indented).
r() {
  echo "  \$ $*" | cut -c1-200
  OUT=$("$@" 2>&1)
  local rc=$?
  if [ -n "$OUT" ]; then
    local n
    n=$(wc -l <<<"$OUT")
    if [ "$n" -le 10 ]; then printf '%s\n' "$OUT"
    else printf '%s\n' "$OUT" | head -n 6; echo "[… $((n - 8)) lines …]"; printf '%s\n' "$OUT" | tail -n 2; fi |
      cut -c1-200 | sed 's/^/    /'
  fi
  return $rc
}
wait_for() { # SECONDS CMD…: until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
absent() { [ ! -e "$1" ]; }
has() { [ -s "$1" ]; }
# Java bus activation takes about 10 s under TCG, and a loaded host makes everything slower.
BUSCTL="busctl --timeout=120"
mgr() { $BUSCTL call org.corral1 /org/corral1 org.corral1.Manager "$@"; }
prop() { # OBJECT-PATH PROPERTY -> value (busctl doubles the backslash of systemd's \x2d escapes)
  $BUSCTL get-property org.corral1 "$1" org.corral1.Container "$2" | cut -d' ' -f2- | tr -d '"' | sed 's/\\\\/\\/g'
}
# A figure from busctl's rendering of GetStats (a{sv}: "name" t 123 …).
figure() { grep -o "\"$2\" [a-z] [0-9]*" <<<"$1" | awk '{ print $3 }'; }
stats() { $BUSCTL call org.corral1 "$1" org.corral1.Container GetStats; }

# domain NAME KIB INIT [BEFORE-OS] [AFTER-OS] [DEVICES]: a container on the busybox root, with
# its output directory bound at /out.
domain() {
  mkdir -p "$OUTS/$1"
  echo "<domain type='lxc'><name>$1</name><memory unit='KiB'>$2</memory>${4:-}<os><type>exe</type><init>$3</init></os>${5:-}<devices><filesystem type='mount'><source dir='$ROOT'/><target dir='/'/></filesystem><filesystem type='mount'><source dir='$OUTS/$1'/><target dir='/out'/></filesystem>${6:-}<console type='pty'/></devices></domain>"
}
# init NAME: the init script (stdin) as /tier/NAME.sh in the root.
init_script() {
  { echo '#!/bin/sh'; cat; } >"$ROOT/tier/$1.sh"
  chmod 0755 "$ROOT/tier/$1.sh"
  echo "/tier/$1.sh"
}

# Containers this run started: name -> object path, cgroup directory, leader, supervisor.
declare -A CPATH CGDIR LEADER SUPER
CLEANUP_PROBLEMS=()
# create NAME XML: a transient container (CreateXML); fills the maps. 0 when it runs.
create() {
  local n=$1 cg
  if ! r mgr CreateXML sahu "$2" 0 0; then
    # The error the caller gets may be cut short (a refused BPF program brings the verifier's
    # dump); the service's log has the end of it, with the errno.
    OUT="$(short "$OUT") | corral's log ends: $(journalctl -u corral.service --no-pager -o cat -n 3 | tail -c 200 | tr '\n' ' ')"
    return 1
  fi
  CPATH[$n]=$(sed -n 's/^o "\(.*\)"$/\1/p' <<<"$OUT")
  cg=$(prop "${CPATH[$n]}" CgroupPath)
  CGDIR[$n]=$CGROOT$cg
  LEADER[$n]=$(prop "${CPATH[$n]}" Leader)
  SUPER[$n]=$(prop "${CPATH[$n]}" SupervisorPID)
  info "$n: CgroupPath=$cg Leader=${LEADER[$n]} SupervisorPID=${SUPER[$n]} (supervisor in $(cut -d: -f3 /proc/"${SUPER[$n]}"/cgroup 2>&1), corral.service in $(systemctl show -p ControlGroup --value corral.service))"
  [ -n "$cg" ] && [ -d "${CGDIR[$n]}" ] && [ "${LEADER[$n]:-0}" != 0 ]
}
procs_in() { grep -lsxF "0::${1#"$CGROOT"}" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | xargs; }
# destroy NAME: DestroyContainer, then everything of it must be gone (collected for "cleanup").
destroy() {
  local n=$1 left
  [ -n "${CPATH[$n]:-}" ] || return 0
  if ! r mgr DestroyContainer s "$n"; then
    CLEANUP_PROBLEMS+=("$n: DestroyContainer failed: $(short "$OUT")")
    return 1
  fi
  if ! wait_for 20 absent "${CGDIR[$n]}"; then
    CLEANUP_PROBLEMS+=("$n: ${CGDIR[$n]} still exists 20 s after Destroy (cgroup.procs: $(xargs <"${CGDIR[$n]}/cgroup.procs" 2>&1))")
  fi
  wait_for 10 gone "${LEADER[$n]}" || CLEANUP_PROBLEMS+=("$n: init ${LEADER[$n]} still runs after Destroy")
  wait_for 10 gone "${SUPER[$n]}" || CLEANUP_PROBLEMS+=("$n: supervisor ${SUPER[$n]} still runs after Destroy")
  left=$(procs_in "${CGDIR[$n]}")
  [ -z "$left" ] || CLEANUP_PROBLEMS+=("$n: processes still in ${CGDIR[$n]#"$CGROOT"}: $left")
  if mgr GetContainer s "$n" >/dev/null 2>&1; then
    CLEANUP_PROBLEMS+=("$n: the transient container is still listed after Destroy")
  fi
  unset "CPATH[$n]"
  return 0
}
# The first line of a (possibly long, multi-line) error, for FAIL lines.
short() {
  local n
  n=$(wc -l <<<"$1")
  if [ "$n" -le 1 ]; then cut -c1-400 <<<"$1"
  else echo "$(head -n1 <<<"$1" | cut -c1-300) [… $((n - 2)) lines …] $(tail -n1 <<<"$1" | cut -c1-300)"; fi
}
cg_read() { tr '\n' ' ' <"$1" 2>&1 | sed 's/ $//'; }

# A heartbeat on the console (ttyS0) every 30 s: if the tests ever go silent, run.sh prints the
# console's last lines, and these tell a live VM with a stuck step (which step, what blocks) from
# a frozen one (no heartbeat).
heartbeat() {
  local me procs hb=$BASHPID
  me=$(cat /proc/self/cgroup | cut -d: -f3)
  while sleep 30; do
    procs=$(tr '\n' ',' <"$CGROOT$me/cgroup.procs")
    echo "corral-tier heartbeat t=$(el)s load $(cut -d' ' -f1-3 /proc/loadavg); tests:" \
      "$(ps -o pid=,stat=,wchan:16=,etimes=,args= -p "${procs%,}" | grep -v -e 'sleep 30' -e 'ps -o' -e "^ *$hb " |
         cut -c1-100 | tr -s ' ' | paste -sd'|'); D: $(ps -eo stat=,pid=,wchan:16=,comm= | awk '$1 ~ /^D/' | tr -s ' ' | paste -sd'|')"
  done >/dev/ttyS0 2>&1
}
heartbeat &
HEARTBEAT_PID=$!
trap 'kill $HEARTBEAT_PID 2>/dev/null' EXIT

echo "== cgroup v2 tier: kernel $(uname -r), $(systemctl --version | head -n1), PID 1 $(cat /proc/1/comm), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"

# ---- 1. the VM is pure cgroup v2, with every controller -----------------------------------------
section "pure cgroup v2"
t=pure-cgroup-v2
fstype=$(stat -fc %T $CGROOT)
v1=$(awk '$3 == "cgroup" { print $2 }' /proc/self/mounts | xargs)
controllers=$(cat $CGROOT/cgroup.controllers)
info "/sys/fs/cgroup is $fstype; controllers: $controllers; root subtree_control: $(cat $CGROOT/cgroup.subtree_control)"
info "v1 cgroup mounts: ${v1:-none}; /proc/cgroups memory line: $(awk '$1 == "memory"' /proc/cgroups)"
missing=
for c in cpuset cpu io memory pids; do
  grep -qw "$c" <<<"$controllers" || missing="$missing $c"
done
if [ "$fstype" != cgroup2fs ]; then
  fail $t "/sys/fs/cgroup is $fstype, not cgroup2fs"
elif [ -n "$v1" ]; then
  fail $t "v1 hierarchies are mounted: $v1"
elif [ -n "$missing" ]; then
  fail $t "controllers missing from the unified hierarchy:$missing"
else
  pass $t
fi

# ---- 2. install the tarball, bus activation -----------------------------------------------------
section "install and bus activation"
t=fuse-device
modprobe fuse 2>/dev/null
if [ -c /dev/fuse ]; then pass $t; else fail $t "no /dev/fuse in the VM (modprobe fuse: $(modprobe fuse 2>&1)): /proc/meminfo cannot be served"; fi
t=install-and-activation
if ! r tar -xzf $SHARE/corral.tar.gz -C /; then
  fail $t "tar -xzf corral.tar.gz -C / failed"
elif ! r systemctl daemon-reload || ! r systemctl reload dbus; then
  fail $t "daemon-reload / reload dbus failed"
else
  start_ns=$(date +%s%N)
  if ! r mgr ListContainers; then
    fail $t "the first call did not activate corral: $OUT; $(journalctl -u corral.service --no-pager -o cat -n 10 | tr '\n' ' ')"
  else
    info "first call (bus activation of corral.service, a JVM under TCG) took $((($(date +%s%N) - start_ns) / 1000000)) ms"
    info "corral's cgroup view: $(journalctl -u corral.service --no-pager -o cat | grep -i -m2 'cgroup' | tr '\n' ' ')"
    if [ "$(systemctl is-active corral.service)" = active ]; then pass $t; else fail $t "corral.service is $(systemctl is-active corral.service)"; fi
  fi
fi

# ---- 3. memory.max and the OOM killer ----------------------------------------------------------
section "memory.max and OOM"
n=mem-1
# busybox tail keeps the last "line": 64 MiB of NULs without a newline, in anonymous memory, twice
# the limit. oom_score_adj 1000 makes the pipeline, not init, the OOM victim.
init=$(init_script $n <<'EOF'
echo started > /out/started
(echo 1000 > /proc/self/oom_score_adj && head -c 67108864 /dev/zero | tail > /dev/null)
echo "status=$?" > /out/oom
while :; do sleep 1; done
EOF
)
if ! create $n "$(domain $n 32768 "$init")"; then
  fail memory-max "CreateXML $n: $OUT"
  fail memory-oom-kill "$n did not start"
else
  d=${CGDIR[$n]}
  # With machined (systemd-container is installed): the container runs in the payload child of
  # its delegated machine scope, which machinectl lists.
  t=machine-scope-payload
  scope="machine-$(systemd-escape "$n").scope"
  cgp=$(prop "${CPATH[$n]}" CgroupPath)
  info "$n: machinectl: $(machinectl list --no-legend --no-pager | tr -s ' ' | tr '\n' ';'); $scope Delegate=$(systemctl show -p Delegate --value "$scope")"
  if [ "$cgp" != "/machine.slice/$scope/payload" ]; then
    fail $t "CgroupPath is '$cgp', not /machine.slice/$scope/payload"
  elif ! machinectl list --no-legend --no-pager | awk '{ print $1 }' | grep -qx "$n"; then
    fail $t "$n is not in machinectl list"
  elif [ "$(machinectl show "$n" -p Leader --value)" != "${LEADER[$n]}" ]; then
    fail $t "machined's Leader $(machinectl show "$n" -p Leader --value) is not corral's ${LEADER[$n]}"
  elif [ "$(systemctl show -p Delegate --value "$scope")" != yes ]; then
    fail $t "$scope is not delegated"
  else
    pass $t
  fi
  max=$(cat "$d/memory.max" 2>&1)
  info "$n memory.max=$max memory.high=$(cat "$d/memory.high" 2>&1) memory.swap.max=$(cat "$d/memory.swap.max" 2>&1)"
  if [ "$max" = 33554432 ]; then pass memory-max; else fail memory-max "memory.max of $d is '$max', not 33554432 (<memory unit='KiB'>32768</memory>)"; fi
  t=memory-oom-kill
  if ! wait_for 120 has "$OUTS/$n/oom"; then
    fail $t "the allocation did not end within 120 s (memory.events: $(cg_read "$d/memory.events"))"
  else
    result=$(cat "$OUTS/$n/oom")
    kills=$(awk '$1 == "oom_kill" { print $2 }' "$d/memory.events")
    st=$(prop "${CPATH[$n]}" State)
    info "$n: $result; memory.events: $(cg_read "$d/memory.events"); memory.peak=$(cat "$d/memory.peak" 2>&1); State=$st"
    if [ "$result" != status=137 ]; then
      fail $t "the allocating pipeline ended with $result, not status=137 (SIGKILL)"
    elif [ "${kills:-0}" -lt 1 ]; then
      fail $t "memory.events counts no oom_kill: $(cg_read "$d/memory.events")"
    elif [ "$st" != running ] || gone "${LEADER[$n]}"; then
      fail $t "init did not survive: State=$st, init ${LEADER[$n]} $(gone "${LEADER[$n]}" && echo gone || echo alive)"
    else
      pass $t
    fi
  fi
fi
destroy $n

# ---- 4. devices: the BPF_CGROUP_DEVICE program ---------------------------------------------------
section "device filter"
n=dev-1
o=$OUTS/$n
mkdir -p "$o"
# The VM's own disk and /dev/mem, as nodes on a filesystem bound into the container (open), and
# by mknod inside, which the domain allows (capability mknod on): only the device program can
# refuse them. c 1:3 (null's numbers) is the control: allowed both ways.
bmaj=$((16#$(stat -c %t /dev/vda))); bmin=$((16#$(stat -c %T /dev/vda)))
rm -f "$o"/*
mknod "$o/vda" b $bmaj $bmin; mknod "$o/mem" c 1 1; mknod "$o/null2" c 1 3
info "/dev/vda is b $bmaj:$bmin; outside the container the VM's root reads it: $(head -c 512 "$o/vda" 2>&1 | wc -c) bytes"
init=$(init_script $n <<EOF
t() { n=\$1; shift; if "\$@" > /out/\$n.out 2> /out/\$n.err; then echo ok > /out/\$n.rc; else echo "fail \$?" > /out/\$n.rc; fi; }
t read-null head -c 1 /dev/null
t read-zero head -c 16 /dev/zero
t read-urandom head -c 16 /dev/urandom
t write-null sh -c 'echo x > /dev/null'
t open-vda head -c 512 /out/vda
t open-mem head -c 16 /out/mem
t open-null2 head -c 1 /out/null2
t mknod-vda mknod /dev/t-vda b $bmaj $bmin
t mknod-mem mknod /dev/t-mem c 1 1
t mknod-null mknod /dev/t-null c 1 3
t write-t-null sh -c 'echo y > /dev/t-null'
echo done > /out/done
while :; do sleep 1; done
EOF
)
xml=$(domain $n 65536 "$init" "" "<features><capabilities policy='default'><mknod state='on'/></capabilities></features>")
if ! create $n "$xml"; then
  for t in devices-allowed devices-block-refused devices-mem-refused devices-allowed-numbers; do fail $t "CreateXML $n: $OUT"; done
else
  if ! wait_for 60 has "$o/done"; then
    for t in devices-allowed devices-block-refused devices-mem-refused devices-allowed-numbers; do fail $t "init of $n did not finish its checks in 60 s"; done
  else
    res() { echo "$(cat "$o/$1.rc" 2>&1) $(tr '\n' ' ' <"$o/$1.err" 2>&1)"; }
    for c in read-null read-zero read-urandom write-null open-vda open-mem open-null2 mknod-vda mknod-mem mknod-null write-t-null; do
      info "inside $n: $c -> $(res $c)"
    done
    ok() { [ "$(cat "$o/$1.rc")" = ok ]; }
    eperm() { [ "$(cat "$o/$1.rc")" != ok ] && grep -q 'Operation not permitted' "$o/$1.err"; }
    if ok read-null && ok read-zero && ok read-urandom && ok write-null &&
        [ "$(wc -c <"$o/read-zero.out")" = 16 ] && [ "$(wc -c <"$o/read-urandom.out")" = 16 ]; then
      pass devices-allowed
    else
      fail devices-allowed "/dev/null, /dev/zero, /dev/urandom: $(res read-null); $(res read-zero); $(res read-urandom); $(res write-null)"
    fi
    if eperm open-vda && eperm mknod-vda; then pass devices-block-refused
    else fail devices-block-refused "b $bmaj:$bmin (the VM's disk) must be refused with EPERM: open: $(res open-vda); mknod: $(res mknod-vda)"; fi
    if eperm open-mem && eperm mknod-mem; then pass devices-mem-refused
    else fail devices-mem-refused "c 1:1 (/dev/mem) must be refused with EPERM: open: $(res open-mem); mknod: $(res mknod-mem)"; fi
    if ok open-null2 && ok mknod-null && ok write-t-null; then pass devices-allowed-numbers
    else fail devices-allowed-numbers "c 1:3 under other names must be allowed: $(res open-null2); mknod: $(res mknod-null); write: $(res write-t-null)"; fi
  fi
fi
destroy $n

# ---- 5. cputune and blkiotune ---------------------------------------------------------------------
section "cpu.weight, cpu.max, io.weight, io.bfq.weight"
n=cpu-1
# One busy loop: with a quota of half a CPU it is throttled.
init=$(init_script $n <<'EOF'
while :; do :; done
EOF
)
xml=$(domain $n 65536 "$init" "<blkiotune><weight>500</weight></blkiotune><cputune><shares>512</shares><period>100000</period><quota>50000</quota></cputune>")
if ! create $n "$xml"; then
  for t in cpu-weight cpu-max cpu-max-throttles io-weight; do fail $t "CreateXML $n: $OUT"; done
else
  d=${CGDIR[$n]}
  info "$n: cgroup.controllers=$(cat "$d/cgroup.controllers"); parent subtree_control=$(cat "$(dirname "$d")/cgroup.subtree_control")"
  # libvirt on cgroup v2 writes the shares value itself to cpu.weight (and refuses values outside
  # cpu.weight's range 1..10000, see cpu-weight-range).
  w=$(cat "$d/cpu.weight" 2>&1)
  if [ "$w" = 512 ]; then pass cpu-weight; else fail cpu-weight "cpu.weight is '$w', not 512 (<shares>512</shares>; libvirt writes the shares value)"; fi
  m=$(cat "$d/cpu.max" 2>&1)
  if [ "$m" = "50000 100000" ]; then pass cpu-max; else fail cpu-max "cpu.max is '$m', not '50000 100000' (<quota>50000</quota>, <period>100000</period>)"; fi
  u0=$(awk '$1 == "usage_usec" { print $2 }' "$d/cpu.stat"); w0=$(date +%s%N)
  sleep 3
  u1=$(awk '$1 == "usage_usec" { print $2 }' "$d/cpu.stat"); w1=$(date +%s%N)
  thr=$(awk '$1 == "nr_throttled" { print $2 }' "$d/cpu.stat")
  pct=$(((u1 - u0) * 100000 / ((w1 - w0) / 1000) / 1000))
  info "$n cpu.stat: $(cg_read "$d/cpu.stat"); the busy loop got ${pct}% of a CPU over $(((w1 - w0) / 1000000)) ms"
  if [ "${thr:-0}" -gt 0 ] && [ "$pct" -le 60 ]; then pass cpu-max-throttles
  else fail cpu-max-throttles "a busy loop under cpu.max '50000 100000' ran ${pct}% of a CPU, nr_throttled ${thr:-?}"; fi
  # io.weight exists on this kernel without BFQ (CONFIG_BLK_CGROUP_IOCOST=y; the disk's scheduler
  # is mq-deadline): corral writes it, as libvirt does; it takes effect where iocost is enabled.
  info "scheduler of vda: $(cat /sys/block/vda/queue/scheduler); io files of $n: $(cd "$d" && ls -d io.* | xargs)"
  if [ ! -e "$d/io.weight" ]; then
    fail io-weight "$d has no io.weight (io controller not enabled for it, or a kernel without iocost): <blkiotune><weight> is not applied"
  else
    iw=$(cat "$d/io.weight" 2>&1)
    if [ "$(head -n1 <<<"$iw")" = "default 500" ]; then pass io-weight; else fail io-weight "io.weight is '$iw', not 'default 500' (<blkiotune><weight>500</weight>)"; fi
  fi
fi
destroy $n

# Shares beyond cpu.weight's range: libvirt refuses the start ("shares '20000' must be in range
# [1, 10000]"); nothing may be left behind.
t=cpu-weight-range
n=cpu-2
xml=$(domain $n 65536 /bin/sh "<cputune><shares>20000</shares></cputune>")
if r mgr CreateXML sahu "$xml" 0 0; then
  CPATH[$n]=$(sed -n 's/^o "\(.*\)"$/\1/p' <<<"$OUT"); CGDIR[$n]=$CGROOT/machine/$n.corral
  LEADER[$n]=$(prop "${CPATH[$n]}" Leader); SUPER[$n]=$(prop "${CPATH[$n]}" SupervisorPID)
  fail $t "<shares>20000</shares> was accepted: cpu.weight $(cat "${CGDIR[$n]}/cpu.weight" 2>&1)"
  destroy $n
elif ! grep -q shares <<<"$OUT"; then
  fail $t "refused, but the error does not name the shares: $(short "$OUT")"
elif [ -e $CGROOT/machine/$n.corral ]; then
  fail $t "refused, but $CGROOT/machine/$n.corral was left"
else
  pass $t
fi

# With BFQ scheduling the disk, its weight is io.bfq.weight (BFQ ignores iocost's io.weight):
# libvirt writes io.bfq.weight when the file exists, io.weight otherwise.
t=io-weight-bfq
n=io-1
sched=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/block/vda/queue/scheduler)
if ! modprobe bfq || ! echo bfq >/sys/block/vda/queue/scheduler; then
  fail $t "cannot make bfq the scheduler of vda: $(cat /sys/block/vda/queue/scheduler)"
elif ! create $n "$(domain $n 65536 /bin/sh "<blkiotune><weight>300</weight></blkiotune>")"; then
  fail $t "CreateXML $n: $OUT"
else
  d=${CGDIR[$n]}
  info "scheduler of vda: $(cat /sys/block/vda/queue/scheduler); $n io.bfq.weight: $(cg_read "$d/io.bfq.weight"); io.weight: $(cg_read "$d/io.weight")"
  bw=$(head -n1 "$d/io.bfq.weight" 2>&1)
  if [ "$bw" = "default 300" ]; then pass $t
  else fail $t "io.bfq.weight is '$bw', not 'default 300' (<blkiotune><weight>300</weight>, bfq on vda)"; fi
fi
destroy $n
[ -n "$sched" ] && echo "$sched" >/sys/block/vda/queue/scheduler

# ---- 6. freezer (cgroup.freeze) -------------------------------------------------------------------
section "freezer"
n=fz-1
init=$(init_script $n <<'EOF'
i=0
while :; do i=$((i + 1)); echo $i > /out/tick; sleep 0.2; done
EOF
)
# corral has no suspend/resume verb (libvirt's virsh suspend freezes the cgroup): the test freezes
# the container's cgroup itself, as such a verb would, and checks that Destroy still works.
info "suspend/resume methods of org.corral1.Manager: $(busctl --timeout=120 introspect org.corral1 /org/corral1 org.corral1.Manager 2>/dev/null | awk '$2 == "method" { print $1 }' | grep -i -E 'suspend|resume|freeze' | xargs)"
if ! create $n "$(domain $n 65536 "$init")"; then
  fail freezer "CreateXML $n: $OUT"; fail destroy-frozen "$n did not start"
else
  d=${CGDIR[$n]}
  frozen() { grep -qx 'frozen 1' "$d/cgroup.events"; }
  thawed() { grep -qx 'frozen 0' "$d/cgroup.events"; }
  ticks() { [ "$(cat "$OUTS/$n/tick" 2>/dev/null)" != "$1" ]; }
  wait_for 30 has "$OUTS/$n/tick"
  t=freezer
  if [ ! -w "$d/cgroup.freeze" ]; then
    fail $t "$d/cgroup.freeze is missing"
  elif ! echo 1 >"$d/cgroup.freeze" || ! wait_for 10 frozen; then
    fail $t "writing 1 to cgroup.freeze did not freeze $n: $(cg_read "$d/cgroup.events")"
  else
    a=$(cat "$OUTS/$n/tick"); sleep 1.5; b=$(cat "$OUTS/$n/tick")
    info "frozen: tick $a -> $b over 1.5 s; cgroup.events: $(cg_read "$d/cgroup.events")"
    if [ "$a" != "$b" ]; then
      fail $t "the frozen container kept running (tick $a -> $b)"
    elif ! echo 0 >"$d/cgroup.freeze" || ! wait_for 10 thawed || ! wait_for 10 ticks "$b"; then
      fail $t "writing 0 to cgroup.freeze did not thaw $n: $(cg_read "$d/cgroup.events"), tick $(cat "$OUTS/$n/tick")"
    else
      pass $t
    fi
  fi
  t=destroy-frozen
  echo 1 >"$d/cgroup.freeze"
  if ! wait_for 10 frozen; then
    fail $t "could not freeze $n again"
  else
    s=$(date +%s%N)
    destroy $n
    if [ -z "${CPATH[$n]:-}" ] && absent "$d" && gone "${LEADER[$n]}"; then
      info "Destroy of the frozen $n took $((($(date +%s%N) - s) / 1000000)) ms"
      pass $t
    else
      fail $t "Destroy of the frozen $n: cgroup $(absent "$d" && echo gone || echo left), init $(gone "${LEADER[$n]}" && echo gone || echo alive): $(short "$OUT")"
    fi
  fi
fi
destroy $n

# ---- 7. statistics and corralctl on v2 -------------------------------------------------------------
section "stats"
n=st-1
o=$OUTS/$n
mkdir -p "$o"; rm -f "$o"/*
mkfifo "$o/go"
# Init alone until the test writes to the fifo; then a busy loop and 16 MiB in a tmpfs.
init=$(init_script $n <<'EOF'
read x < /out/go
sh -c 'while :; do :; done' &
head -c 16777216 /dev/zero > /ram/x
echo started > /out/started
wait
EOF
)
xml=$(domain $n 65536 "$init" "" "" "<filesystem type='ram'><source usage='32768' units='KiB'/><target dir='/ram'/></filesystem>")
if ! create $n "$xml"; then
  for t in stats-figures exec-joins-cgroup exec-bare-name stats-follow; do fail $t "CreateXML $n: $OUT"; done
else
  t=stats-figures
  r corralctl stats $n
  cli=$OUT
  val() { awk -v k="$1" '$1 == k { print $2 }' <<<"$cli"; }
  if [ -z "$(val cpu.time)" ]; then
    fail $t "corralctl stats $n printed no cpu.time: $cli"
  elif [ "$(val cpu.time)" -le 0 ] || [ "$(val memory.current)" -le 0 ] || [ "$(val processes)" != 1 ] ||
       [ "$(val memory.limit)" != $((64 * MIB)) ]; then
    fail $t "want cpu.time > 0, memory.current > 0, processes 1, memory.limit $((64 * MIB)): $(tr '\n' ' ' <<<"$cli")"
  else
    pass $t
  fi
  # Exec (corralctl enter) while init waits alone, so that the load below does not slow the JVM.
  t=exec-joins-cgroup
  if ! r timeout 120 corralctl enter $n -- /bin/cat /proc/self/cgroup; then
    fail $t "corralctl enter $n -- /bin/cat failed: $(short "$OUT")"
  elif [ "$OUT" != "0::${CGDIR[$n]#"$CGROOT"}" ]; then
    fail $t "the command ran in cgroup '$OUT', not 0::${CGDIR[$n]#"$CGROOT"}"
  else
    pass $t
  fi
  # A bare command name is looked up in the container's /bin, /usr/bin, ...: busybox's applets
  # are absolute symlinks to /bin/busybox, which exists in the container but not in the VM.
  t=exec-bare-name
  if ! r timeout 120 corralctl enter $n -- cat /proc/self/cgroup; then
    fail $t "corralctl enter $n -- cat (the container's /bin/cat -> /bin/busybox) failed: $(short "$OUT")"
  else
    pass $t
  fi
  t=stats-follow
  r stats "${CPATH[$n]}"
  s0=$OUT
  c0=$(figure "$s0" cpu.time); m0=$(figure "$s0" memory.current)
  timeout 30 sh -c 'echo go >"$1"' _ "$o/go"
  if ! wait_for 60 has "$o/started"; then
    fail $t "init of $n did not start its load in 60 s"
  else
    moved() {
      local s
      s=$(stats "${CPATH[$n]}") || return 1
      [ "$(figure "$s" processes)" = 2 ] && [ "$(figure "$s" cpu.time)" -ge $((c0 + 200000000)) ] &&
        [ "$(figure "$s" memory.current)" -ge $((m0 + 14 * MIB)) ]
    }
    if wait_for 30 moved; then
      r stats "${CPATH[$n]}"
      pass $t
    else
      r stats "${CPATH[$n]}"
      fail $t "after a busy loop and 16 MiB in a tmpfs, want processes 2, cpu.time >= $c0 + 0.2 s, memory.current >= $m0 + 14 MiB: $(cut -c1-300 <<<"$OUT")"
    fi
  fi
fi
destroy $n

# ---- 8. /proc/meminfo over FUSE ----------------------------------------------------------------------
section "meminfo"
n=me-1
init=$(init_script $n <<'EOF'
cat /proc/meminfo > /out/meminfo.tmp && mv /out/meminfo.tmp /out/meminfo
grep ' /proc/meminfo ' /proc/mounts > /out/mounts
while :; do sleep 1; done
EOF
)
t=meminfo-memtotal
if ! create $n "$(domain $n 49152 "$init")"; then
  fail $t "CreateXML $n: $OUT"
elif ! wait_for 60 has "$OUTS/$n/meminfo"; then
  fail $t "init of $n wrote no /out/meminfo in 60 s"
else
  info "inside $n: $(head -n 3 "$OUTS/$n/meminfo" | tr -s ' ' | tr '\n' ' '); mount: $(cat "$OUTS/$n/mounts")"
  info "meminfo server: $(grep -h -i -m1 'memory controller' /run/corral/meminfo*.log /run/corral/meminfo/*.log 2>/dev/null)"
  total=$(awk '$1 == "MemTotal:" { print $2 }' "$OUTS/$n/meminfo")
  free=$(awk '$1 == "MemFree:" { print $2 }' "$OUTS/$n/meminfo")
  if ! grep -q fuse "$OUTS/$n/mounts"; then
    fail $t "/proc/meminfo inside is not corral's FUSE file: $(cat "$OUTS/$n/mounts") (MemTotal $total kB)"
  elif [ "$total" != 49152 ]; then
    fail $t "MemTotal inside is '$total kB', not 49152 kB (the 48 MiB limit)"
  elif [ -z "$free" ] || [ "$free" -gt 49152 ]; then
    fail $t "MemFree '$free kB' is not within the 49152 kB limit"
  else
    pass $t
  fi
fi
destroy $n

# ---- 9. clean-up ------------------------------------------------------------------------------------
section "cleanup"
t=cleanup
left=$(find $CGROOT -name '*.corral' -type d 2>/dev/null | xargs)
[ -z "$left" ] || CLEANUP_PROBLEMS+=("cgroups left: $left")
info "containers after the tests: $(mgr ListContainers 2>&1)"
info "$CGROOT/machine: $(ls $CGROOT/machine 2>&1 | grep -v '^cgroup\.\|^cpu\|^io\.\|^memory\.\|^pids\.\|^cpuset\.\|^hugetlb\.\|^rdma\.\|^misc\.' | xargs)"
if [ ${#CLEANUP_PROBLEMS[@]} = 0 ]; then
  pass $t
else
  fail $t "$(printf '%s; ' "${CLEANUP_PROBLEMS[@]}")"
fi

if [ "$failed" != 0 ]; then
  echo "--- last lines of the corral.service journal"
  # (without the BPF verifier's instruction dump, when a device program was refused)
  journalctl -u corral.service --no-pager -o short-monotonic | grep -Ev ': [0-9]+: \([0-9a-f]{2}\) ' | tail -n 30 | cut -c1-300
fi
echo "== in-VM tests took $(el) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
