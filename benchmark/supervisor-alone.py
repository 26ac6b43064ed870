#!/usr/bin/python3
"""Analysis aid for docs/benchmarks.md (not part of benchmark/run.sh): the full /bin/true cycle
through corral-supervisor alone, without the JVM and D-Bus, with a plan shaped like the one
corrald builds (libvirt-like /dev, devpts, console pty, pivot_root): without cgroups, with the
supervisor writing init's PID to a fresh cgroup in every v1 hierarchy (or the v2 one), and as
corrald places init (init joins the v1 hierarchies itself, `cgroupjoin`; on v2 it is created
in its cgroup, `clonecgroup`).

usage (root): benchmark/supervisor-alone.py [CYCLES]
Uses the built service/target/native/corral-supervisor and the plan helpers of
service/src/test/c/run-tests.py. Cleans up its cgroups and temp dir.
"""
import importlib.util
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "service/target/native")
sys.argv = [sys.argv[0], BIN] + sys.argv[1:]
spec = importlib.util.spec_from_file_location("rt", os.path.join(ROOT, "service/src/test/c/run-tests.py"))
rt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rt)

CYCLES = int(sys.argv[2]) if len(sys.argv) > 2 else 100


def hierarchies():
    base = "/sys/fs/cgroup"
    if os.path.exists(os.path.join(base, "cgroup.controllers")):
        return [base]
    out = []
    for h in sorted(os.listdir(base)):
        p = os.path.join(base, h)
        if os.path.isdir(p) and os.path.exists(os.path.join(p, "cgroup.procs")) and h not in ("unified", "systemd"):
            out.append(p)
    return out


def make_cgroup(name):
    dirs = []
    for h in hierarchies():
        d = os.path.join(h, "machine", name)
        os.makedirs(d)
        if os.path.basename(h) == "cpuset":
            for f in ("cpuset.cpus", "cpuset.mems"):
                with open(os.path.join(h, "machine", f)) as src, open(os.path.join(d, f), "w") as dst:
                    dst.write(src.read().strip())
        dirs.append(d)
    return dirs


def remove_cgroup(dirs):
    for d in dirs:
        for _ in range(200):
            try:
                os.rmdir(d)
                break
            except OSError:
                time.sleep(0.001)


def cycle(mode, i, gap):
    """mode: None (no cgroups), "procs" (the supervisor moves init) or "self" (as corrald)."""
    time.sleep(gap)
    root, shared = rt.path("root"), rt.path("shared")
    extra = []
    first = []
    dirs = []
    if mode:
        dirs = make_cgroup("bench-alone-%d" % i)
        v2 = len(dirs) == 1 and os.path.exists(os.path.join(os.path.dirname(os.path.dirname(dirs[0])), "cgroup.controllers"))
        if mode == "procs":
            extra = [("cgroupprocs", os.path.join(d, "cgroup.procs")) for d in dirs]
        elif v2:
            extra = [("clonecgroup", dirs[0])]
        else:
            first = [("cgroupjoin", os.path.join(d, "tasks")) for d in dirs]
    p = rt.plan(rt.headers("bench-alone", extra=extra) + first + rt.rootfs_steps(root, shared) + rt.tail(["/bin/true"]))
    t0 = time.monotonic()
    conn = rt.spawn(p)
    rt.parse_started(conn.line())
    t1 = time.monotonic()
    line = conn.line()
    t2 = time.monotonic()
    conn.close()
    remove_cgroup(dirs)
    t3 = time.monotonic()
    assert line == "exited 0 0", line
    return (t1 - t0) * 1e3, (t2 - t0) * 1e3, (t3 - t0) * 1e3


def q(v):
    v = sorted(v)
    return "median %6.2f ms  p90 %6.2f ms" % (v[len(v) // 2], v[int(len(v) * 0.9)])


def main():
    rt.TMP = tempfile.mkdtemp(prefix="corral-alone.")
    try:
        rt.make_busybox_root(rt.path("root"))
        os.makedirs(rt.path("shared"))
        # Back to back, and with 20 ms between cycles (untimed), which is about the pace of the
        # D-Bus full cycle: cgroup v1 attach cost depends on the time since the previous attach.
        labels = {None: "without cgroups",
                  "procs": "the supervisor moves init into %d hierarchies" % len(hierarchies()),
                  "self": "init placed as corrald does (%d hierarchies)" % len(hierarchies())}
        for gap in (0, 0.02):
            for mode in (None, "procs", "self"):
                rows = [cycle(mode, i, gap) for i in range(CYCLES + 10)][10:]
                label = labels[mode]
                print("supervisor alone, %s, %d cycles, %d ms apart:" % (label, CYCLES, gap * 1000))
                print("  spawn -> started            " + q([r[0] for r in rows]))
                print("  spawn -> exited             " + q([r[1] for r in rows]))
                print("  spawn -> exited + rmdir cg  " + q([r[2] for r in rows]))
    finally:
        shutil.rmtree(rt.TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
