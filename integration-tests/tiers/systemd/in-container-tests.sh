#!/bin/bash
# systemd tier, inside the nspawn machine (run.sh runs it through nsenter, as root, with corral
# freshly installed from its tarball and corral.service not yet started). Prints each command it
# runs ("  $ …"), INFO lines with what it saw, "PASS name" / "FAIL name: why" per test and a
# final "N passed, M failed" line; exit status 0 only when nothing failed.
#
# Fixtures prepared by run.sh: a busybox root at /var/lib/corral-tier/root (with /sleep-init and
# /bin/fdecho), the polkit rule 50-corral-tier.rules (group corraldev may manage web-*), users
# corraltest (in corraldev) and corralother, mycontainer.socket/.service, and the host's audit
# records (netlink multicast listener) in /var/lib/corral-tier/host-audit/records.
set -u
export LANG=C.UTF-8
ROOT=/var/lib/corral-tier/root
AUDIT=/var/lib/corral-tier/host-audit
passed=0
failed=0
OUT=

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
info() { echo "INFO $*"; }
# r CMD…: print the command, run it, keep stdout+stderr in $OUT (and print it indented).
r() {
  echo "  \$ $*" | cut -c1-200
  OUT=$("$@" 2>&1)
  local rc=$?
  [ -n "$OUT" ] && printf '%s\n' "$OUT" | head -n 8 | cut -c1-200 | sed 's/^/    /'
  return $rc
}
# as USER CMD…: run CMD with USER's uid, gid and groups.
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }

domain() { # NAME INIT
  echo "<domain type='lxc'><name>$1</name><memory unit='MiB'>64</memory><os><type>exe</type><init>$2</init></os><devices><filesystem type='mount'><source dir='$ROOT'/><target dir='/'/></filesystem><console type='pty'/></devices></domain>"
}
mgr() { busctl --timeout=90 call org.corral1 /org/corral1 org.corral1.Manager "$@"; }
path_of() { busctl --timeout=90 call org.corral1 /org/corral1 org.corral1.Manager GetContainer s "$1" | awk '{print $2}' | tr -d '"'; }
prop() { # NAME PROPERTY -> value
  local p
  p=$(path_of "$1") || return 1
  busctl --timeout=90 get-property org.corral1 "$p" org.corral1.Container "$2" | cut -d' ' -f2- | tr -d '"'
}
wait_for() { # SECONDS CMD…: until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
in_machines() { machinectl list --no-legend --no-pager | awk '{print $1}' | grep -qx "$1"; }
not_in_machines() { ! in_machines "$1"; }
audit_has() { grep -F "$1" "$AUDIT/records" | grep -qF "$2"; }
cleanup_container() {
  mgr DestroyContainer s "$1" >/dev/null 2>&1
  mgr UndefineContainer s "$1" >/dev/null 2>&1
  true
}

echo "== systemd tier: $(uname -r), $(systemctl --version | head -n1), PID 1 $(cat /proc/1/comm)"

# ---- 1. bus activation through corral.service ---------------------------------------------------
t=activation-through-corral.service
before=$(systemctl is-active corral.service)
info "corral.service before the first call: $before"
start_ns=$(date +%s%N)
if [ "$before" = active ]; then
  fail $t "corral.service was already active before any call"
elif ! r mgr ListContainers; then
  fail $t "ListContainers failed: $OUT"
else
  ms=$((($(date +%s%N) - start_ns) / 1000000))
  r systemctl is-active corral.service
  state=$OUT
  r systemctl show -p MainPID -p ActiveEnterTimestamp corral.service
  main=$(systemctl show -p MainPID --value corral.service)
  exe=$(readlink /proc/"$main"/exe 2>/dev/null || echo '?')
  info "first call took ${ms} ms; MainPID $main runs $exe"
  if [ "$state" = active ] && [ "$main" != 0 ]; then pass $t; else fail $t "corral.service is '$state' (MainPID $main) after the call"; fi
fi

# ---- 2. define, start, destroy through busctl -------------------------------------------------
t=busctl-define-start-destroy
n=bb-1
if ! r mgr DefineXML s "$(domain $n /sleep-init)"; then
  fail $t "DefineXML: $OUT"
elif ! r mgr StartContainer sahu $n 0 0; then
  fail $t "StartContainer: $OUT"
else
  st=$(prop $n State); leader=$(prop $n Leader)
  info "$n: State=$st Leader=$leader"
  if [ "$st" != running ] || ! kill -0 "$leader" 2>/dev/null; then
    fail $t "after Start: State=$st, Leader=$leader alive=$(kill -0 "$leader" 2>/dev/null && echo yes || echo no)"
  elif ! r mgr DestroyContainer s $n; then
    fail $t "DestroyContainer: $OUT"
  else
    st=$(prop $n State)
    if [ "$st" = shutoff ] && wait_for 5 gone "$leader"; then pass $t; else fail $t "after Destroy: State=$st, leader $leader still there: $(gone "$leader" && echo no || echo yes)"; fi
  fi
fi
cleanup_container $n

# ---- 3. polkit with a real rule ------------------------------------------------------------------
t=polkit-rule-allows-web
if ! r as corraltest busctl --timeout=90 call org.corral1 /org/corral1 org.corral1.Manager DefineXML s "$(domain web-1 /sleep-init)"; then
  fail $t "corraltest (group corraldev) could not define web-1: $OUT"
elif ! r as corraltest busctl --timeout=90 call org.corral1 /org/corral1 org.corral1.Manager StartContainer sahu web-1 0 0; then
  fail $t "corraltest could not start web-1: $OUT"
elif ! r as corraltest busctl --timeout=90 call org.corral1 /org/corral1 org.corral1.Manager DestroyContainer s web-1; then
  fail $t "corraltest could not destroy web-1: $OUT"
else
  pass $t
fi
cleanup_container web-1
t=polkit-denies-other-names
# dbus-send, not busctl: busctl prints only the message, not the error name. dbus-send does not set
# ALLOW_INTERACTIVE_AUTHORIZATION, so an auth_admin default answers InteractiveAuthorizationRequired
# (busctl sets the flag and gets AccessDenied, no agent being there); both are a refusal.
denied='^Error org.freedesktop.DBus.Error.(AccessDenied|InteractiveAuthorizationRequired)'
absent() { ! mgr GetContainer s "$1" >/dev/null 2>&1; }
define_as() { as "$1" dbus-send --system --print-reply --reply-timeout=90000 --dest=org.corral1 /org/corral1 org.corral1.Manager.DefineXML string:"$(domain "$2" /sleep-init)"; }
if r define_as corraltest db-1; then
  fail $t "corraltest could define db-1 (the rule allows web-* only)"
elif ! grep -Eq "$denied" <<<"$OUT"; then
  fail $t "defining db-1 failed, but not as a refusal: $OUT"
elif ! absent db-1; then
  fail $t "db-1 was refused but exists"
else
  pass $t
fi
cleanup_container db-1
t=polkit-denies-other-users
if r define_as corralother web-2; then
  fail $t "corralother (not in corraldev) could define web-2"
elif ! grep -Eq "$denied" <<<"$OUT"; then
  fail $t "defining web-2 as corralother failed, but not as a refusal: $OUT"
elif ! absent web-2; then
  fail $t "web-2 was refused but exists"
else
  pass $t
fi
cleanup_container web-2

# ---- 4. machined registration ---------------------------------------------------------------------
n=mach-1
t=machined-registration
r mgr DefineXML s "$(domain $n /sleep-init)"
leader=
if ! r mgr StartContainer sahu $n 0 0; then
  fail $t "StartContainer: $OUT"
else
  leader=$(prop $n Leader)
  if ! wait_for 15 in_machines $n; then
    r machinectl list --no-pager
    fail $t "$n (Leader $leader) is not in machinectl list after 15 s; corral's log: $(journalctl -u corral.service --no-pager -o cat | grep -i machine | tail -n 3 | tr '\n' ' ')"
  else
    r machinectl list --no-pager
    r machinectl show $n -p Leader -p Class -p Service -p Unit -p RootDirectory
    mleader=$(machinectl show $n -p Leader --value)
    if [ "$mleader" = "$leader" ]; then pass $t; else fail $t "machined's Leader $mleader is not corral's Leader $leader"; fi
  fi
  # corral asked machined for the machine while init waited: init runs in the payload child of
  # the delegated machine scope, in every controller, under corral's limits.
  cgpath=$(prop $n CgroupPath)
  cgpath=${cgpath//\\\\/\\}  # busctl doubles the backslash of systemd's \x2d escapes
  info "corral CgroupPath of $n: $cgpath"
  info "how corral registered it: $(journalctl -u corral.service --no-pager -o cat | grep -iE 'machined|machine scope|CreateMachine|RegisterMachine' | tail -n 2 | tr '\n' ' ')"
  while IFS= read -r line; do info "/proc/$leader/cgroup: $line"; done </proc/"$leader"/cgroup
  t=machined-init-runs-in-payload-of-delegated-scope
  unit=$(machinectl show $n -p Unit --value)
  # (through ENVIRON: awk -v would turn the \x2d of the path into '-')
  moved=$(P="$cgpath" awk -F: '$2 ~ /^(memory|pids|devices|cpu|cpuacct|freezer|blkio|cpuset)$/ && $3 != ENVIRON["P"] { printf "%s:%s ", $2, $3 }' /proc/"$leader"/cgroup)
  memcg=$(awk -F: '$2 == "memory" { print $3 }' /proc/"$leader"/cgroup)
  limit=$(cat /sys/fs/cgroup/memory"$memcg"/memory.limit_in_bytes 2>/dev/null || echo '?')
  delegate=$(systemctl show "$unit" -p Delegate --value)
  info "unit $unit Delegate=$delegate; memory.limit_in_bytes of $memcg: $limit (the domain says 64 MiB = 67108864)"
  case $cgpath in
    "/machine.slice/$unit/payload") ;;
    *) moved="CgroupPath $cgpath is not /machine.slice/$unit/payload $moved" ;;
  esac
  if [ -n "$moved" ]; then
    fail $t "init of $n is not in its payload cgroup: $moved(memory limit $limit)"
  elif [ "$limit" != 67108864 ]; then
    fail $t "init's memory cgroup $memcg has limit $limit, not 67108864"
  elif [ "$delegate" != yes ]; then
    fail $t "$unit has Delegate=$delegate: systemd may rewrite the payload's limits"
  else
    pass $t
  fi
  # systemd re-applies the settings of its units on daemon-reload: a limit written into the
  # scope itself would be reset to unlimited; the delegated payload keeps it.
  t=payload-limit-survives-daemon-reload
  r systemctl daemon-reload
  limit=$(cat /sys/fs/cgroup/memory"$memcg"/memory.limit_in_bytes 2>/dev/null || echo '?')
  if [ "$limit" = 67108864 ]; then pass $t; else fail $t "after daemon-reload $memcg has limit $limit"; fi
fi

# ---- 5. audit records reach the host's audit stream ------------------------------------------------
t=audit-records-on-host
if [ -f "$AUDIT/unavailable" ]; then
  fail $t "$(cat "$AUDIT/unavailable")"
elif [ ! -f "$AUDIT/records" ]; then
  fail $t "no host audit listener output in $AUDIT"
elif ! wait_for 5 audit_has "vm=\"$n\"" "op=start"; then
  fail $t "no op=start record for vm=\"$n\" on the host ($(grep -c . "$AUDIT/records") lines seen); corral's log: $(journalctl -u corral.service --no-pager -o cat | grep -i audit | tail -n 2 | tr '\n' ' ')"
else
  grep -F "vm=\"$n\"" "$AUDIT/records" | grep -F op=start | head -n1 | cut -c1-240 | sed 's/^/INFO host audit: /'
  pass $t
fi

# ---- 6. TerminateMachine on stop --------------------------------------------------------------------
t=machined-gone-after-destroy
if [ -z "$leader" ]; then
  fail $t "$n never started"
elif ! r mgr DestroyContainer s $n; then
  fail $t "DestroyContainer: $OUT"
elif ! wait_for 10 not_in_machines $n; then
  fail $t "$n still in machinectl list 10 s after Destroy"
elif left=$(ls -d /sys/fs/cgroup/*/machine.slice/machine-mach*.scope 2>/dev/null) && [ -n "$left" ]; then
  fail $t "cgroups of the machine scope left: $left"
  for d in $left; do
    info "$d: children [$(find "$d" -mindepth 1 -type d | tr '\n' ' ')] procs [$(cat "$d"/cgroup.procs | tr '\n' ' ')]"
  done
  journalctl -u corral.service --no-pager -o cat | grep -iE "cgroup|machine|mach-1" | tail -n 12 | sed 's/^/INFO corral: /'
elif [ ! -f "$AUDIT/unavailable" ] && ! wait_for 5 audit_has "vm=\"$n\"" "op=stop"; then
  fail $t "machine gone, but no op=stop audit record for $n on the host"
else
  pass $t
fi
cleanup_container $n

# ---- 7. the seed's socket activation -----------------------------------------------------------------
t=socket-activation
n=mycontainer
r mgr DefineXML s "$(domain $n /bin/fdecho)"
if ! r systemctl start mycontainer.socket; then
  fail $t "systemctl start mycontainer.socket: $OUT"
else
  r systemctl is-active mycontainer.service
  before=$OUT
  start_ns=$(date +%s%N)
  r sh -c 'echo hi | nc -N -w 60 127.0.0.1 2323'
  reply=$OUT
  ms=$((($(date +%s%N) - start_ns) / 1000000))
  info "first connection answered after ${ms} ms (mycontainer.service was '$before')"
  r sh -c 'echo again | nc -N -w 20 127.0.0.1 2323'
  reply2=$OUT
  st=$(prop $n State)
  svc=$(systemctl is-active mycontainer.service)
  if [ "$before" = active ]; then
    fail $t "mycontainer.service was active before the first connection"
  elif ! grep -q '^mycontainer LISTEN_FDS=1 .*echo=hi' <<<"$reply"; then
    fail $t "reply to 'hi' was '$reply' (service $svc, container $st); $(systemctl status mycontainer.service --no-pager 2>&1 | tail -n 3 | tr '\n' ' ')"
  elif ! grep -q 'echo=again' <<<"$reply2"; then
    fail $t "second connection got '$reply2'"
  elif [ "$svc" != active ] || [ "$st" != running ]; then
    fail $t "after the connection: mycontainer.service $svc, container $st"
  elif ! r systemctl stop mycontainer.service; then
    fail $t "systemctl stop mycontainer.service (ExecStop=corralctl destroy): $OUT"
  elif [ "$(prop $n State)" != shutoff ]; then
    fail $t "container is '$(prop $n State)' after stopping mycontainer.service"
  else
    pass $t
  fi
fi
systemctl stop mycontainer.service mycontainer.socket >/dev/null 2>&1
cleanup_container $n

# ---- 8. systemctl restart corral.service with a container running -----------------------------------
t=restart-keeps-containers
n=rs-1
r mgr DefineXML s "$(domain $n /sleep-init)"
if ! r mgr StartContainer sahu $n 0 0; then
  fail $t "StartContainer: $OUT"
else
  leader=$(prop $n Leader)
  sup=$(prop $n SupervisorPID)
  main1=$(systemctl show -p MainPID --value corral.service)
  info "before restart: corral MainPID $main1, $n Leader $leader, SupervisorPID $sup"
  info "name=systemd cgroups: init $(grep name=systemd /proc/"$leader"/cgroup | cut -d: -f3), supervisor $(grep name=systemd /proc/"$sup"/cgroup | cut -d: -f3)"
  if ! r systemctl restart corral.service; then
    fail $t "systemctl restart corral.service: $OUT"
  else
    main2=$(systemctl show -p MainPID --value corral.service)
    r busctl --timeout=90 get-property org.corral1 "$(path_of $n)" org.corral1.Container State Leader
    st=$(prop $n State); leader2=$(prop $n Leader)
    info "after restart: corral MainPID $main2, $n State $st Leader $leader2, supervisor $sup $(gone "$sup" && echo gone || echo alive)"
    if [ "$main2" = "$main1" ] || [ "$main2" = 0 ]; then
      fail $t "corral.service MainPID $main1 -> $main2: not restarted"
    elif gone "$leader"; then
      fail $t "Leader $leader died with the restart"
    elif [ "$st" != running ] || [ "$leader2" != "$leader" ]; then
      fail $t "after the restart the service reports State=$st Leader=$leader2 (was running, $leader)"
    elif ! wait_for 10 sh -c "[ \"\$(machinectl show $n -p Leader --value)\" = $leader ]"; then
      fail $t "after the restart machined has no machine $n with Leader $leader"
    elif [ "$(prop $n MachineName)" != $n ]; then
      fail $t "after the restart MachineName is '$(prop $n MachineName)', not $n"
    elif ! r mgr DestroyContainer s $n || ! wait_for 5 gone "$leader"; then
      fail $t "re-attached container could not be destroyed: $OUT"
    else
      pass $t
    fi
  fi
fi
cleanup_container $n

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
