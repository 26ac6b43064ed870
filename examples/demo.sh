#!/bin/bash
# The main job of corral, end to end on this machine: build, install into a scratch root,
# start the service (on a private system bus when the host has none), define the seed's first
# example, print it back and list the containers. Everything it starts is stopped by PID.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work="$repo/target/demo"
pids=()

cleanup() {
    # Newest first: the service goes before the bus it is connected to.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

if [ "${CORRAL_DEMO_NO_BUILD:-0}" != 1 ]; then
    echo "== building (mvn package, tests skipped)"
    (cd "$repo" && mvn -B -q package -DskipTests)
fi

echo "== installing into $work/root"
rm -rf "$work" && mkdir -p "$work/root"
tar -xzf "$repo"/dist/target/corral-*.tar.gz -C "$work/root"

if [ -S /run/dbus/system_bus_socket ] && busctl status org.freedesktop.DBus >/dev/null 2>&1 \
        && [ -e /usr/share/dbus-1/system.d/org.corral1.conf -o -e /etc/dbus-1/system.d/org.corral1.conf ]; then
    echo "== using the host's system bus"
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
else
    echo "== starting a private system bus (the host has none with corral's policy)"
    mkdir -p "$work/bus"
    # The system bus configuration, listening on a private socket and including corral's policy.
    sed -e "s|<listen>.*</listen>|<listen>unix:path=$work/bus/socket</listen>|" \
        -e '/<user>\|<fork\/>\|<pidfile>\|<syslog\/>\|<servicehelper>\|<standard_system_servicedirs\/>/d' \
        -e "s|<includedir>system.d</includedir>|<includedir>$work/root/usr/share/dbus-1/system.d</includedir>|" \
        /usr/share/dbus-1/system.conf > "$work/bus/system.conf"
    dbus-daemon --config-file="$work/bus/system.conf" --nofork --nopidfile --nosyslog &
    pids+=($!)
    for _ in $(seq 100); do [ -S "$work/bus/socket" ] && break; sleep 0.05; done
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/bus/socket
fi

echo "== starting corrald"
# One start: no class archive (it pays off from the third start, and its background dump
# would outlive the demo).
CORRAL_DAEMON_CDS=0 "$work/root/usr/libexec/corral/corrald" --config-dir "$work/root/etc/corral/containers" \
    --runtime-dir "$work/run" &
pids+=($!)
for _ in $(seq 200); do
    busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status org.corral1 >/dev/null 2>&1 && break
    sleep 0.05
done

call() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.corral1 "$@"; }

echo "== DefineXML examples/vm1.xml"
call /org/corral1 org.corral1.Manager DefineXML s "$(cat "$repo/examples/vm1.xml")"
echo "== GetXML (what corral stored, with libvirt's defaults filled in)"
call /org/corral1/container/vm1 org.corral1.Container GetXML u 0 --json=pretty \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0], end="")'
echo "== ListContainers"
call /org/corral1 org.corral1.Manager ListContainers
echo "== stored in $work/root/etc/corral/containers:"
ls -l "$work/root/etc/corral/containers"
