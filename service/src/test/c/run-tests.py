#!/usr/bin/env python3
"""Root integration tests for corral-supervisor.

Feeds hand-written plans to the built binary exactly as the Java launcher
does (fd 3 plan pipe, fd 4 control socket, fds 5.. passed fds), and checks
what a busybox container sees from the inside and what the supervisor
reports on its control connections.

usage: run-tests.py DIR   (DIR holds corral-supervisor and floor)
Exit status: 0 all passed, 1 a failure; not root: a loud skip, exit 0.
"""
import errno
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE, MS_STRICTATIME = 4096, 16384, 1 << 18, 1 << 24
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID = 0x20000, 0x4000000, 0x8000000, 0x20000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
CAP_SYS_MODULE, CAP_MKNOD, CAP_SYS_TIME = 16, 27, 25

BIN_DIR = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "."
SUPERVISOR = os.path.join(BIN_DIR, "corral-supervisor")
TMP = None
RESULTS = []


def rec(op, *args):
    return b"".join(str(s).encode() + b"\0" for s in (op,) + args) + b"\0"


def plan(records):
    return b"".join(rec(*r) for r in records)


class Conn:
    """A control connection: line reads with a timeout."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(10)
        self.buf = b""

    @classmethod
    def connect(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return cls(s)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("control connection closed; buffered %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def line_fd(self):
        """A line and the descriptors that came with its bytes (SCM_RIGHTS)."""
        fds = []
        while b"\n" not in self.buf:
            data, got, _, _ = socket.recv_fds(self.sock, 4096, 4)
            fds += got
            if not data:
                raise EOFError("control connection closed; buffered %r" % self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(), fds

    def eof(self):
        return self.buf == b"" and self.sock.recv(1) == b""

    def close(self):
        self.sock.close()


def high(fd):
    """Copies fd above anything the file actions target (close-on-exec)."""
    import fcntl
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100)


def spawn(plan_bytes, passed=()):
    """Starts the supervisor as the service does; returns the fd-4 Conn."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()
    log = os.open(os.path.join(TMP, "supervisor.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open("/dev/null", os.O_RDONLY)
    srcs = [high(null), high(log), high(r), high(theirs.fileno())] + [high(p) for p in passed]
    actions = [(os.POSIX_SPAWN_DUP2, srcs[0], 0), (os.POSIX_SPAWN_DUP2, srcs[1], 1),
               (os.POSIX_SPAWN_DUP2, srcs[1], 2), (os.POSIX_SPAWN_DUP2, srcs[2], 3),
               (os.POSIX_SPAWN_DUP2, srcs[3], 4)]
    actions += [(os.POSIX_SPAWN_DUP2, s, 5 + i) for i, s in enumerate(srcs[4:])]
    pid = os.posix_spawn(SUPERVISOR, [SUPERVISOR], {}, file_actions=actions)
    for fd in srcs + [r, log, null]:
        os.close(fd)
    theirs.close()
    try:
        os.write(w, plan_bytes) if len(plan_bytes) < 65536 else write_all(w, plan_bytes)
    except BrokenPipeError:
        pass  # the supervisor refused the plan and said so on fd 4
    os.close(w)
    _, status = os.waitpid(pid, 0)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "launcher parent exits 0 (status %#x)" % status)
    return Conn(ours)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def make_busybox_root(root):
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy2("/bin/busybox", os.path.join(root, "bin/busybox"))
    applets = os.popen("/bin/busybox --list").read().split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", os.path.join(root, "bin", a))


def headers(name, clone=NAMESPACES, fds=0, extra=()):
    return [("version", 1), ("name", name), ("socket", path("ctl.sock")),
            ("exitfile", path("exit")), ("consolelog", path("console.log")),
            ("clone", clone), *extra, ("fds", fds)]


def rootfs_steps(root, shared):
    """What the Java plan builder would emit for a libvirt-like /dev."""
    r = lambda p: root + p
    steps = [("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),  # nothing leaks to the host
             ("mount", root, root, "", MS_BIND | MS_REC, ""),  # pivot_root wants a mount point
             ("hostname", "corral-test")]
    for d, mode in (("/proc", "0555"), ("/sys", "0555"), ("/dev", "0755"), ("/shared", "0755")):
        steps.append(("mkdir", r(d), mode))
    steps += [("mount", "proc", r("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
              ("mount", "sysfs", r("/sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
              ("mount", "devfs", r("/dev"), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1m"),
              ("mkdir", r("/dev/pts"), "0755"),
              ("mount", "devpts", r("/dev/pts"), "devpts", MS_NOSUID | MS_NOEXEC,
               "newinstance,ptmxmode=0666,mode=0620")]
    for node, minor in (("null", 3), ("zero", 5), ("full", 7), ("random", 8), ("urandom", 9)):
        steps.append(("mknod", r("/dev/" + node), "020666", 1, minor))
    for target, link in (("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"),
                         ("/proc/self/fd/1", "stdout"), ("/proc/self/fd/2", "stderr"),
                         ("pts/ptmx", "ptmx")):
        steps.append(("symlink", target, r("/dev/" + link)))
    steps += [("file", r("/dev/console"), "0600"), ("file", r("/dev/tty1"), "0600"),
              ("pty", r("/dev/pts/ptmx"), 1, r("/dev/console"), r("/dev/tty1")),
              ("mount", shared, r("/shared"), "", MS_BIND, ""),
              ("file", r("/shared/owned"), "0640"), ("chown", r("/shared/owned"), 1234, 5678),
              ("pivot", root)]
    return steps


def tail(argv, env=("PATH=/bin",)):
    return [("env", e) for e in env] + [("argv", a) for a in argv] + [("exec",)]


def path(name):
    return os.path.join(TMP, name)


def read(name):
    with open(path(name)) as f:
        return f.read()


def wait_gone(pid, what):
    for _ in range(200):
        if not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split(") ")[1][0] == "Z":
            return
        time.sleep(0.01)
    raise AssertionError("%s %d still running" % (what, pid))


def expect_exited(conn, code, sig):
    line = conn.line()
    check(line == "exited %d %d" % (code, sig), "exited line, got %r" % line)
    rec_ = read("exit").split()
    check(rec_[:3] == ["exited", str(code), str(sig)] and abs(int(rec_[3]) - time.time()) < 60,
          "exit file %r" % rec_)
    check(not os.path.exists(path("ctl.sock")), "control socket removed")
    check(conn.eof(), "connection closed after exited")


def parse_started(line):
    f = line.split()
    check(len(f) == 5 and f[0] == "started", "started line, got %r" % line)
    return [int(x) for x in f[1:]]


def starttime(pid):
    return int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[19])


SCRIPT = r"""
ls -l /proc/$$/fd > /shared/fds.txt
{
  echo "hostname=$(hostname)"
  echo "pid=$$"
  echo "cwd=$(pwd)"
  grep CapBnd /proc/self/status
  grep CapEff /proc/self/status
  for n in null zero full random urandom; do echo "node $n $(stat -c '%F %a %t %T' /dev/$n)"; done
  for l in fd stdin stdout stderr ptmx; do echo "link $l $(readlink /dev/$l)"; done
  echo "owned $(stat -c '%u %g %a' /shared/owned)"
  echo "tty $(tty)"
  echo "env $(env | sort | tr '\n' ' ')"
  cat /proc/self/mountinfo
} > /shared/report.txt 2>&1
echo via-fd3 >&3
echo via-fd4 >&4
echo hello-console
exit 7
"""


def test_container():
    """namespaces, mounts, nodes, links, chown, pivot, caps, fds, console, exit."""
    root, shared = path("root"), path("shared")
    make_busybox_root(root)
    os.mkdir(shared)
    pr, pw = os.pipe()
    fd4 = os.open(path("fd4.txt"), os.O_WRONLY | os.O_CREAT, 0o644)
    p = plan(headers("t-container", fds=2) + rootfs_steps(root, shared) +
             [("chdir", "/shared"), ("capdrop", CAP_MKNOD, CAP_SYS_MODULE)] +
             tail(["/bin/sh", "-c", SCRIPT], env=("PATH=/bin", "HOME=/", "CORRAL=yes")))
    host_name = socket.gethostname()
    conn = spawn(p, passed=(pw, fd4))
    os.close(pw)
    os.close(fd4)
    init_pid, _, sup_pid, _ = parse_started(conn.line())
    expect_exited(conn, 7, 0)
    wait_gone(sup_pid, "supervisor")
    check(os.read(pr, 100) == b"via-fd3\n" and os.read(pr, 100) == b"", "fd 3 is the passed pipe, EOF after exit")
    os.close(pr)
    check(read("fd4.txt") == "via-fd4\n", "fd 4 is the passed file")
    rep = read("shared/report.txt")
    lines = dict(l.split("=", 1) for l in rep.splitlines() if "=" in l and " " not in l.split("=")[0])
    check(lines.get("hostname") == "corral-test", "hostname: %r" % lines.get("hostname"))
    check(socket.gethostname() == host_name, "host hostname untouched")
    check(lines.get("pid") == "1", "init is pid 1")
    check(lines.get("cwd") == "/shared", "cwd")
    # busybox ash runs ls in-process and parks the console's stdout at fd 10
    # while the redirection is active; anything else is a leak.
    fds = dict(l.split()[-3::2] for l in read("shared/fds.txt").splitlines() if "->" in l)
    extra = {fd for fd, target in fds.items() if int(fd) > 4 and not (int(fd) >= 10 and target == "/dev/pts/0")}
    check(sorted(fds, key=int)[:5] == ["0", "1", "2", "3", "4"] and not extra, "init's fds are exactly 0-4: %r" % fds)
    bnd = int([l for l in rep.splitlines() if l.startswith("CapBnd")][0].split()[1], 16)
    eff = int([l for l in rep.splitlines() if l.startswith("CapEff")][0].split()[1], 16)
    for cap in (CAP_MKNOD, CAP_SYS_MODULE):
        check(not bnd & (1 << cap) and not eff & (1 << cap), "cap %d dropped" % cap)
    check(bnd & (1 << CAP_SYS_TIME), "other caps kept")
    for n, minor in (("null", 3), ("zero", 5), ("full", 7), ("random", 8), ("urandom", 9)):
        check("node %s character special file 666 1 %x" % (n, minor) in rep, "device node %s" % n)
    for l, t in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("ptmx", "pts/ptmx")):
        check("link %s %s\n" % (l, t) in rep, "symlink %s" % l)
    check("owned 1234 5678 640" in rep, "chown and exact file mode")
    check("tty /dev/pts/0" in rep, "console is stdio and a tty")
    check("env CORRAL=yes HOME=/ PATH=/bin " in rep, "environment is exactly the plan's")
    mounts = {}
    for l in rep.splitlines():
        f = l.split()
        if len(f) > 9 and "-" in f:
            i = f.index("-")
            mounts[f[4]] = (f[i + 1], f[5])
    check(mounts.get("/", ("",))[0] != "", "root mounted")
    check(mounts.get("/proc", ("",))[0] == "proc", "proc mounted")
    check(mounts.get("/sys", ("", ""))[0] == "sysfs" and mounts["/sys"][1].startswith("ro"), "sysfs read-only")
    check(mounts.get("/dev", ("",))[0] == "tmpfs", "tmpfs /dev")
    check(mounts.get("/dev/pts", ("",))[0] == "devpts", "devpts")
    check(mounts.get("/dev/console", ("",))[0] == "devpts" and "/dev/tty1" in mounts, "console bind mounts")
    check(not any(m.startswith(TMP) for m in mounts), "old root detached after pivot")
    check("hello-console" in read("console.log"), "console output in the console log")


def test_control():
    """started fields, re-connect, status, unknown command, signal 15, two clients."""
    root, shared = path("root"), path("shared")
    script = 'trap "echo got-term > /shared/term; exit 3" TERM; echo ready; while :; do sleep 0.05; done'
    p = plan(headers("t-control") + rootfs_steps(root, shared) + tail(["/bin/sh", "-c", script]))
    conn = spawn(p)
    init_pid, init_st, sup_pid, sup_st = parse_started(conn.line())
    check(starttime(init_pid) == init_st and starttime(sup_pid) == sup_st, "start times match /proc")
    check(open("/proc/%d/comm" % sup_pid).read().strip() == "corral-sup", "supervisor renamed")
    stat = open("/proc/%d/stat" % sup_pid).read().rsplit(")", 1)[1].split()
    check(int(stat[1]) != os.getpid() and int(stat[3]) == sup_pid, "supervisor daemonised, own session")
    check(int(open("/proc/%d/stat" % init_pid).read().rsplit(")", 1)[1].split()[1]) == sup_pid,
          "init is the supervisor's child")
    conn.close()  # the first connection goes away: nothing may happen to the container
    time.sleep(0.1)
    check(os.path.exists("/proc/%d" % init_pid), "container survives the service closing fd 4")
    c1, c2 = Conn.connect(path("ctl.sock")), Conn.connect(path("ctl.sock"))
    c1.send("status")
    check(c1.line() == "status running %d" % init_pid, "status")
    c1.send("frobnicate now")
    check(c1.line().startswith("error "), "unknown command")
    c1.send("signal 0x")
    check(c1.line().startswith("error "), "bad signal number")
    c1.close()
    c1 = Conn.connect(path("ctl.sock"))  # and once more after a close
    c1.send("status")
    check(c1.line() == "status running %d" % init_pid, "status after re-connect")
    c1.send("signal 15")
    check(c1.line() == "ok", "signal answered ok")
    expect_exited(c1, 3, 0)
    check(c2.line() == "exited 3 0", "every client hears exited")
    check(read("shared/term") == "got-term\n", "SIGTERM reached init's trap")
    check("ready" in read("console.log"), "console log")
    wait_gone(sup_pid, "supervisor")


def test_exec_failure():
    """init not found comes back as failed <step> exec 2 <path>; no exit file."""
    p = plan(headers("t-noinit") + [("mount", "", "/", "", MS_REC | MS_PRIVATE, "")] +
             tail(["/nonexistent/init", "x"]))
    conn = spawn(p)
    line = conn.line()
    check(line == "failed 4 exec 2 /nonexistent/init", "exec failure line, got %r" % line)
    check(conn.eof(), "connection closed after failed")
    check(not os.path.exists(path("exit")), "no exit file after a failed start")
    check(not os.path.exists(path("ctl.sock")), "socket removed after a failed start")


def test_step_failure():
    """a failing step is reported with its index, op, errno and argument."""
    p = plan(headers("t-step") + [("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),
                                  ("mkdir", path("m"), "0700"),
                                  ("mount", "x", path("m"), "nosuchfs", 0, "")] + tail(["/bin/true"]))
    line = spawn(p).line()
    check(line == "failed 2 mount %d %s" % (errno.ENODEV, path("m")), "mount failure line, got %r" % line)
    p = plan(headers("t-cg", extra=[("cgroupprocs", path("nope/cgroup.procs"))]) + tail(["/bin/true"]))
    line = spawn(p).line()
    check(line == "failed -1 cgroupprocs 2 %s" % path("nope/cgroup.procs"), "cgroup failure, got %r" % line)


def test_plan_errors():
    """plan errors are reported before anything is created."""
    line = spawn(plan([("name", "x")] + tail(["/bin/true"]))).line()
    check(line == "failed -1 version %d missing" % errno.EPROTONOSUPPORT, "missing version, got %r" % line)
    line = spawn(plan(headers("t-bogus") + [("frob", "a")] + tail(["/bin/true"]))).line()
    check(line == "failed 0 plan 22 frob", "unknown op, got %r" % line)
    big = plan(headers("t-big") + [("env", "X=" + "y" * 1024 * 1024)] + tail(["/bin/true"]))
    line = spawn(big).line()
    check(line == "failed -1 plan %d larger than 1 MiB" % errno.EFBIG, "plan over 1 MiB, got %r" % line)
    # an empty argument is an argument: mount source and data NULL, empty argv[1]
    p = plan(headers("t-empty") + [("mount", "", "/", "", MS_REC | MS_PRIVATE, "")] +
             tail(["/bin/sh", "", "-c", "true"]))
    conn = spawn(p)
    parse_started(conn.line())
    line = conn.line()
    check(line.startswith("exited "), "empty arguments parse, got %r" % line)


def read_until(sock, marker):
    """Reads an attached console until marker appears; returns all read."""
    got = b""
    while marker not in got:
        data = sock.recv(65536)
        if not data:
            raise EOFError("console closed before %r; got %r" % (marker, got[-200:]))
        got += data
    return got


def read_to_eof(sock):
    got = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return got
        got += data


def wait_for(cond, what):
    for _ in range(500):
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def attached(conn, command):
    """Sends a console command; returns the attached socket."""
    conn.send(command)
    line, fds = conn.line_fd()
    index = command.split()[1]
    check(line == "console " + index and len(fds) == 1, "console reply with one fd, got %r %r" % (line, fds))
    s = socket.socket(fileno=fds[0])
    s.settimeout(10)
    return s


def test_console():
    """console attach: relay both ways, busy, force, EOF, no-console, log, a client that does not read."""
    p = plan(headers("t-console") + rootfs_steps(path("root"), path("shared")) +
             tail(["/bin/sh"], env=("PATH=/bin", "HOME=/", "PS1=$ ")))
    conn = spawn(p)
    init_pid, _, sup_pid, _ = parse_started(conn.line())
    svc = Conn.connect(path("ctl.sock"))  # as after a service restart
    a = attached(svc, "console 0")
    a.sendall(b"echo hello-$((6*7))\n")
    read_until(a, b"hello-42")
    conn.send("console 0")
    check(conn.line() == "error busy 0", "second attach is busy")
    b = attached(conn, "console 0 force")
    read_to_eof(a)  # the first client is closed by the takeover
    a.close()
    b.sendall(b"echo second-$((1+1))\n")
    read_until(b, b"second-2")
    for cmd, reply in (("console 5", "error no-console 5"), ("console 0 please", "error invalid console 0 please"),
                       ("console x", "error invalid console x")):
        conn.send(cmd)
        line = conn.line()
        check(line == reply, "%s: got %r" % (cmd, line))
    log = read("console.log")
    check("hello-42" in log and "second-2" in log, "console log still written while attached")
    # b stops reading: the container must not block, the log still gets everything
    b.sendall(b"head -c 2000000 /dev/zero | tr '\\0' x; echo; echo FLOOD-$((2*5))\n")
    wait_for(lambda: "FLOOD-10" in read("console.log"), "the flood to reach the console log")
    b.close()
    time.sleep(0.1)
    conn.send("status")
    check(conn.line() == "status running %d" % init_pid, "init runs on after the client closed")
    c = attached(conn, "console 0")  # free again
    c.sendall(b"echo third-$((3*3))\n")
    read_until(c, b"third-9")
    conn.send("signal 9")
    check(conn.line() == "ok", "signal 9 ok")
    expect_exited(conn, -1, 9)
    check(read_to_eof(c) is not None, "attached client sees EOF when the container ends")
    wait_gone(sup_pid, "supervisor")


ENTER_SCRIPT = r"""
read line; echo "in=$line"
echo "hostname=$(hostname)"
cat /proc/self/status | grep CapBnd
echo "ls=$(ls / | tr '\n' ' ')"
echo "pid=$$"
echo "cwd=$(pwd)"
echo "cgroup=$(cat /proc/self/cgroup | tr '\n' ' ')"
echo "tty=$(tty)"
ps
echo out; echo err >&2; exit 7
"""


def enter_plan(target, argv, steps=(), stdio=True, extra=()):
    return plan([("version", 1), ("name", "t-enter"), ("enter", target)] +
                ([("stdio", 1), ("fds", 3)] if stdio else [("fds", 0)]) + list(extra) + list(steps) + tail(argv))


def test_enter():
    """enter mode: namespaces, cgroup, caps, stdio pipes, exit code, signal, exec failure, dead target."""
    base, cg = cgroup_dir()
    cgextra = [("cgroupprocs", os.path.join(cg, "cgroup.procs"))] if cg else []
    if not cg:
        print("  NOTE: no writable cgroup v2 hierarchy; cgroupprocs not exercised")
    try:
        p = plan(headers("t-target", extra=cgextra) + rootfs_steps(path("root"), path("shared")) +
                 tail(["/bin/sh", "-c", "exec sleep 1000"]))
        conn = spawn(p)
        init_pid = parse_started(conn.line())[0]
        i0, o0 = os.pipe()
        i1, o1 = os.pipe()
        i2, o2 = os.pipe()
        e = spawn(enter_plan(init_pid, ["/bin/sh", "-c", ENTER_SCRIPT], extra=cgextra,
                             steps=[("chdir", "/shared"), ("capdrop", CAP_MKNOD, CAP_SYS_MODULE)]),
                  passed=(i0, o1, o2))
        for fd in (i0, o1, o2):
            os.close(fd)
        pid, st, sup_pid, sup_st = parse_started(e.line())
        check(starttime(pid) == st and starttime(sup_pid) == sup_st, "start times match /proc")
        os.write(o0, b"from-stdin\n")
        os.close(o0)
        out = os.fdopen(i1).read()
        err = os.fdopen(i2).read()
        check(e.line() == "exited 7 0", "exited 7 0")
        check(e.eof(), "enter connection closed after exited")
        wait_gone(sup_pid, "enter supervisor")
        f = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        check(f.get("in") == "from-stdin", "stdin is the passed pipe: %r" % f.get("in"))
        check(f.get("hostname") == "corral-test", "container's hostname: %r" % f.get("hostname"))
        ls = f.get("ls", "").split()
        check("shared" in ls and "usr" not in ls, "container's root: %r" % ls)
        check(f.get("pid") not in (None, "1", str(pid)), "own pid in the container's pid namespace: %r" % f.get("pid"))
        check(f.get("cwd") == "/shared", "chdir in the container")
        check(f.get("tty") == "not a tty", "no terminal: %r" % f.get("tty"))
        want = open("/proc/%d/cgroup" % init_pid).read().split()
        check(f.get("cgroup", "").split() == want, "container's cgroup %r, got %r" % (want, f.get("cgroup")))
        if cg:
            check("0::/" + os.path.basename(cg) in want, "the container is in the test cgroup")
        bnd = int([l for l in out.splitlines() if l.startswith("CapBnd")][0].split()[1], 16)
        check(not bnd & (1 << CAP_MKNOD) and not bnd & (1 << CAP_SYS_MODULE) and bnd & (1 << CAP_SYS_TIME),
              "bounding set as the plan's capdrop: %x" % bnd)
        ps = [l.split() for l in out.splitlines() if l.split() and l.split()[0].isdigit()]
        check(any(r[0] == "1" and "sleep" in r for r in ps), "ps sees the container's init as pid 1: %r" % ps)
        check(out.rstrip().endswith("out") and err == "err\n", "stdout and stderr on their pipes: %r" % err)
        check(not os.path.exists(path("exit")), "no exit file from enter mode")

        master, slave = os.openpty()  # a terminal as stdin becomes the controlling terminal
        e = spawn(enter_plan(init_pid, ["/bin/sh", "-c", "echo stat=$(cat /proc/self/stat)"]),
                  passed=(slave, slave, slave))
        os.close(slave)
        parse_started(e.line())
        check(e.line() == "exited 0 0", "terminal command exits 0")
        tty = b""
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: no slave left
                break
            if not data:
                break
            tty += data
        os.close(master)
        stat = tty.decode().split("stat=", 1)[1].rsplit(")", 1)[1].split()
        check(stat[3] == stat[2] and stat[4] != "0", "own session with the terminal as controlling tty: %r" % stat)

        null = os.open("/dev/null", os.O_RDWR)
        e = spawn(enter_plan(init_pid, ["/bin/sleep", "100"]), passed=(null, null, null))
        os.close(null)
        parse_started(e.line())
        e.send("signal 9")
        check(e.line() == "ok", "signal ok")
        check(e.line() == "exited -1 9", "killed command: exited -1 9")
        # a host binary that the container does not have: exec resolves in the container
        line = spawn(enter_plan(init_pid, [sys.executable], stdio=False)).line()
        check(line == "failed 2 exec 2 %s" % sys.executable, "missing binary, got %r" % line)
        line = spawn(enter_plan(init_pid, ["/bin/true"], steps=[("mount", "", "/", "", MS_REC | MS_PRIVATE, "")],
                                stdio=False)).line()
        check(line == "failed -1 plan 22 mount", "steps other than exec's refused, got %r" % line)
        line = spawn(enter_plan(init_pid, ["/bin/true"], stdio=False, extra=[("socket", path("x"))])).line()
        check(line == "failed -1 plan 22 socket", "container headers refused, got %r" % line)
        line = spawn(plan([("version", 1), ("enter", init_pid), ("stdio", 1), ("fds", 2)] + tail(["/bin/true"]))).line()
        check(line == "failed -1 stdio 22 fds 2", "stdio needs 3 fds, got %r" % line)
        line = spawn(plan(headers("t-stdio", extra=[("stdio", 1)]) + tail(["/bin/true"]))).line()
        check(line == "failed -1 plan 22 stdio", "stdio only with enter, got %r" % line)
        conn.send("signal 9")
        check(conn.line() == "ok", "signal 9 ok")
        expect_exited(conn, -1, 9)
        line = spawn(enter_plan(init_pid, ["/bin/true"], stdio=False)).line()
        f = line.split()
        check(f[:3] == ["failed", "-1", "enter"] and f[3] in ("2", "3"), "dead target, got %r" % line)
        print("  dead target: " + line)
    finally:
        if cg:
            remove_cgroup_dir(cg)


def remove_cgroup_dir(cg):
    """rmdir a test cgroup; the kernel lets it go only once its last process is reaped."""
    for _ in range(100):
        try:
            os.rmdir(cg)
            return
        except OSError:
            time.sleep(0.01)


def cgroup_dir():
    for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(base, "cgroup.procs")):
            d = os.path.join(base, "corral-test-%d" % os.getpid())
            try:
                os.mkdir(d)
                return base, d
            except OSError:
                pass
    return None, None


def test_pause_cgroup():
    """pause: spawned, init waits in its cgroup until go; signal 9."""
    base, cg = cgroup_dir()
    extra = [("pause", 1)] + ([("cgroupprocs", os.path.join(cg, "cgroup.procs"))] if cg else [])
    if not cg:
        print("  NOTE: no writable cgroup v2 hierarchy; cgroupprocs not exercised")
    try:
        p = plan(headers("t-pause", extra=extra) + [("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),
                                                     ("hostname", "paused")] + tail(["/bin/sleep", "100"]))
        conn = spawn(p)
        f = conn.line().split()
        check(f[0] == "spawned", "spawned line, got %r" % f)
        pid = int(f[1])
        if cg:
            check(open("/proc/%d/cgroup" % pid).read().find("0::/" + os.path.basename(cg)) >= 0,
                  "init is in the cgroup before release")
        check(open("/proc/%d/comm" % pid).read().strip() == "corral-sup", "init waits before exec")
        conn.send("go")
        init_pid = parse_started(conn.line())[0]
        check(init_pid == pid, "started names the spawned pid")
        conn.send("signal 9")
        check(conn.line() == "ok", "signal 9 ok")
        expect_exited(conn, -1, 9)
    finally:
        if cg:
            remove_cgroup_dir(cg)


def v1_hierarchy():
    """A mounted cgroup v1 hierarchy (e.g. /sys/fs/cgroup/pids), or None."""
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if fields[2] == "cgroup" and "pids" in fields[3].split(","):
                return fields[1]
    return None


def test_cgroupjoin():
    """cgroupjoin: init joins a cgroup v1 hierarchy itself (tasks); a bad file fails the step."""
    base = v1_hierarchy()
    if not base:
        print("  NOTE: no cgroup v1 pids hierarchy (a pure v2 host); cgroupjoin is for v1 only")
        return
    cg = os.path.join(base, "corral-test-%d" % os.getpid())
    os.mkdir(cg)
    try:
        out = path("cgroup.txt")
        p = plan(headers("t-join") + [("cgroupjoin", os.path.join(cg, "tasks")),
                                      ("mount", "", "/", "", MS_REC | MS_PRIVATE, "")] +
                 tail(["/bin/busybox", "sh", "-c", "cat /proc/self/cgroup > %s" % out]))
        conn = spawn(p)
        parse_started(conn.line())
        expect_exited(conn, 0, 0)
        lines = [l for l in read("cgroup.txt").splitlines() if ":pids:" in l]
        check(lines == ["%s:pids:/%s" % (lines[0].split(":")[0] if lines else "?", os.path.basename(cg))],
              "init ran in the cgroup it joined, got %r" % lines)
        p = plan(headers("t-join-bad") + [("cgroupjoin", os.path.join(cg, "nope", "tasks"))] + tail(["/bin/true"]))
        line = spawn(p).line()
        check(line == "failed 0 cgroupjoin 2 %s" % os.path.join(cg, "nope", "tasks"),
              "cgroupjoin failure line, got %r" % line)
    finally:
        remove_cgroup_dir(cg)


def test_gate():
    """gate: steps before it run at once, the rest after go: a join and a bind of the cgroup made meanwhile, the root."""
    root, shared = path("root"), path("shared")
    base = v1_hierarchy()
    cg = os.path.join(base, "corral-gate-%d" % os.getpid()) if base else None
    if not cg:
        print("  NOTE: no cgroup v1 pids hierarchy (a pure v2 host); the join after the gate not exercised")
    pre = [s for s in rootfs_steps(root, shared) if s[0] != "pivot"]
    after = [("file", root + "/shared/postgate", "0644")]
    if cg:
        after += [("cgroupjoin", os.path.join(cg, "tasks")), ("mount", cg, root + "/cg", "", MS_BIND, "")]
    script = "cat /proc/self/cgroup > /shared/cgroup.txt; ls /cg > /shared/cg.txt; cat /proc/self/mountinfo > /shared/mi"
    p = plan(headers("t-gate") + [("mkdir", root + "/cg", "0755")] + pre +
             [("file", root + "/shared/pregate", "0644"), ("gate",)] + after +
             [("pivot", root)] + tail(["/bin/sh", "-c", script]))
    conn = spawn(p)
    try:
        f = conn.line().split()
        check(f[0] == "spawned", "spawned line, got %r" % f)
        wait_for(lambda: os.path.exists(os.path.join(shared, "pregate")), "the steps before the gate")
        time.sleep(0.05)
        check(not os.path.exists(os.path.join(shared, "postgate")), "nothing after the gate before go")
        if cg:
            os.mkdir(cg)  # made while init waits, as the service makes the container's cgroups
        conn.send("go")
        parse_started(conn.line())
        expect_exited(conn, 0, 0)
        check(os.path.exists(os.path.join(shared, "postgate")), "the steps after the gate ran")
        mounts = [l.split()[4] for l in read_file(os.path.join(shared, "mi")).splitlines()]
        check(not any(m.startswith(TMP) for m in mounts), "old root detached: %r" % mounts)
        if cg:
            lines = [l for l in read_file(os.path.join(shared, "cgroup.txt")).splitlines() if ":pids:" in l]
            check(len(lines) == 1 and lines[0].endswith(":pids:/" + os.path.basename(cg)),
                  "init joined after the gate, got %r" % lines)
            check("tasks" in read_file(os.path.join(shared, "cg.txt")).split(), "the cgroup bound at /cg")
    finally:
        conn.close()
        if cg and os.path.isdir(cg):
            remove_cgroup_dir(cg)
    # A failure before the gate is reported once go arrives; a service gone before go ends init.
    p = plan(headers("t-gate-bad") + [("mkdir", "/nonexistent-dir/x", "0755"), ("gate",)] + tail(["/bin/true"]))
    conn = spawn(p)
    check(conn.line().split()[0] == "spawned", "spawned before go")
    conn.send("go")
    line = conn.line()
    check(line == "failed 0 mkdir 2 /nonexistent-dir/x", "the failure before the gate, got %r" % line)
    p = plan(headers("t-gate-gone") + [("gate",)] + tail(["/bin/sleep", "100"]))
    conn = spawn(p)
    pid = int(conn.line().split()[1])
    conn.sock.shutdown(socket.SHUT_WR)
    line = conn.line()
    check(line.startswith("failed -1 pause"), "the service gone before go, got %r" % line)
    wait_gone(pid, "init after the service went away before go")
    p = plan(headers("t-gate-pause", extra=[("pause", 1)]) + [("gate",)] + tail(["/bin/true"]))
    line = spawn(p).line()
    check(line == "failed 0 gate 22 with pause", "gate with pause refused, got %r" % line)


def read_file(name):
    with open(name) as f:
        return f.read()


def test_enterroot():
    """enterroot: init chroots into its tree in a namespace made ahead (copied from the template or its own); enter follows; no standby: pivot."""
    root, shared = path("root"), path("shared")
    steps = [s for s in rootfs_steps(root, shared) if s[0] != "pivot"] + [("enterroot", root)]
    script = ("cat /proc/self/mountinfo > /shared/mi; ls -a / > /shared/ls; touch /shared/ready; "
              "while ! test -e /shared/stop; do sleep 0.05; done")
    template = root_template()
    for standby in ("template", True, False):
        for f in ("mi", "ls", "ready", "stop", "entered"):
            if os.path.exists(os.path.join(shared, f)):
                os.unlink(os.path.join(shared, f))
        name = "t-enterroot-%s" % ({"template": "template", True: "standby", False: "fresh"}[standby])
        if standby:
            conn, w = spawn_standby(template, ("--standby", "--rootns")) if standby == "template" else spawn_standby()
            os.write(w, plan(headers(name, extra=[("log", path(name + ".log"))]) + steps +
                             tail(["/bin/sh", "-c", script])))
            os.close(w)
        else:
            conn = spawn(plan(headers(name) + steps + tail(["/bin/sh", "-c", script])))
        try:
            init_pid = parse_started(conn.line())[0]
            wait_for(lambda: os.path.exists(os.path.join(shared, "ready")), "init of " + name)
            mounts = [l.split()[4] for l in read_file(os.path.join(shared, "mi")).splitlines()]
            check(mounts and mounts[0] == "/" and mounts.count("/") == 1,
                  "%s: one root, the container's, in the mount table: %r" % (name, mounts))
            check(not any(m.startswith(TMP) for m in mounts), "%s: nothing of the host's tree: %r" % (name, mounts))
            ls = read_file(os.path.join(shared, "ls")).split()
            check("shared" in ls and "bin" in ls and ".host" not in ls, "%s: the container's root: %r" % (name, ls))
            ours = os.stat("/proc/self/ns/mnt").st_ino
            check(os.stat("/proc/%d/ns/mnt" % init_pid).st_ino != ours, "%s: a mount namespace of its own" % name)
            # Entering joins init's root, not the root of its mount namespace.
            e = spawn(enter_plan(init_pid, ["/bin/sh", "-c", "ls / > /shared/entered"], stdio=False))
            parse_started(e.line())
            check(e.line() == "exited 0 0", "%s: the entered command ran" % name)
            check("shared" in read_file(os.path.join(shared, "entered")).split(),
                  "%s: enter sees the container's root" % name)
            open(os.path.join(shared, "stop"), "w").close()
            expect_exited(conn, 0, 0)
        finally:
            conn.close()
    os.close(template)
    for name in ("t-enterroot-standby", "t-enterroot-template"):
        if os.path.exists(path(name + ".log")):
            check("no mount namespace made ahead" not in read_file(path(name + ".log")),
                  "%s: the standby made its namespace ahead" % name)


def test_clonecgroup():
    """clonecgroup: init is created in a cgroup2 directory; a missing one fails before clone."""
    base, cg = cgroup_dir()
    if not cg:
        print("  NOTE: no writable cgroup2 hierarchy; clonecgroup not exercised")
        return
    try:
        out = path("cgroup2.txt")
        p = plan(headers("t-into", extra=[("clonecgroup", cg)]) + [("mount", "", "/", "", MS_REC | MS_PRIVATE, "")] +
                 tail(["/bin/busybox", "sh", "-c", "cat /proc/self/cgroup > %s" % out]))
        conn = spawn(p)
        parse_started(conn.line())
        expect_exited(conn, 0, 0)
        lines = [l for l in read("cgroup2.txt").splitlines() if l.startswith("0::")]
        check(lines == ["0::/" + os.path.basename(cg)], "init was created in the cgroup, got %r" % lines)
        missing = os.path.join(cg, "nope")
        line = spawn(plan(headers("t-into-bad", extra=[("clonecgroup", missing)]) + tail(["/bin/true"]))).line()
        check(line == "failed -1 clonecgroup 2 %s" % missing, "clonecgroup failure line, got %r" % line)
    finally:
        remove_cgroup_dir(cg)


def spawn_standby(extra_fd=None, args=("--standby",)):
    """Starts a supervisor ahead of its plan, as the service keeps one: stdio /dev/null, no
    passed fds (extra_fd is put at 5: a standby drops it, but with --rootns it is the template
    namespace). Returns the fd-4 Conn and the plan pipe's write end."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()
    null = os.open("/dev/null", os.O_RDWR)
    srcs = [high(null), high(r), high(theirs.fileno())] + ([high(extra_fd)] if extra_fd is not None else [])
    actions = [(os.POSIX_SPAWN_DUP2, srcs[0], 0), (os.POSIX_SPAWN_DUP2, srcs[0], 1),
               (os.POSIX_SPAWN_DUP2, srcs[0], 2), (os.POSIX_SPAWN_DUP2, srcs[1], 3),
               (os.POSIX_SPAWN_DUP2, srcs[2], 4)] + ([(os.POSIX_SPAWN_DUP2, srcs[3], 5)] if extra_fd is not None else [])
    pid = os.posix_spawn(SUPERVISOR, [SUPERVISOR] + list(args), {}, file_actions=actions)
    for fd in srcs + [r, null]:
        os.close(fd)
    theirs.close()
    _, status = os.waitpid(pid, 0)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "standby's parent exits 0 (status %#x)" % status)
    return Conn(ours), w


def root_template():
    """What the service does once: `--root-template` says `ready PID`, the service opens that
    process's mount namespace and closes the plan pipe, which ends it. Returns the namespace fd."""
    conn, w = spawn_standby(args=("--root-template",))
    line = conn.line()
    check(line.startswith("ready "), "root template ready, got %r" % line)
    pid = int(line.split()[1])
    ns = os.open("/proc/%d/ns/mnt" % pid, os.O_RDONLY)
    check(os.listdir("/proc/%d/root/" % pid) == [], "the template's root is empty")
    os.close(w)
    wait_gone(pid, "the root template process")
    conn.close()
    return ns


def test_standby():
    """--standby: waits for its plan, holds no stray fds meanwhile, opens the plan's log; no plan, no start."""
    import select
    pr, pw = os.pipe()
    conn, w = spawn_standby(extra_fd=pw)
    os.close(pw)
    ready, _, _ = select.select([pr], [], [], 5)
    check(ready and os.read(pr, 1) == b"", "the standby closed its copy of a stray pipe (EOF here)")
    os.close(pr)
    time.sleep(0.05)  # waiting, not started
    os.write(w, plan(headers("t-standby", extra=[("log", path("standby.log"))]) +
                     [("mount", "", "/", "", MS_REC | MS_PRIVATE, "")] + tail(["/bin/true"])))
    os.close(w)
    parse_started(conn.line())
    expect_exited(conn, 0, 0)
    check(os.path.exists(path("standby.log")), "the plan's log file was opened")
    conn, w = spawn_standby()
    os.close(w)
    line = conn.line()
    check(line.startswith("failed -1 plan") or line.startswith("failed -1 version"),
          "a standby whose plan pipe closes empty fails, got %r" % line)
    conn, w = spawn_standby()
    os.write(w, plan(headers("t-standby-fds", fds=1) + tail(["/bin/true"])))
    os.close(w)
    line = conn.line()
    check(line.startswith("failed -1 fds 22"), "a standby gets no fds, got %r" % line)


CLONE_NEWUSER = 0x10000000
USERNS_SCRIPT = r"""
{
  echo "uid=$(id -u) gid=$(id -g)"
  echo "root-owner=$(stat -c '%u:%g' /)"
  echo "bin-owner=$(stat -c '%u:%g' /bin/busybox)"
  if touch /newfile 2>/dev/null; then echo "touch-root=ok"; else echo "touch-root=refused"; fi
  if touch /shared/from-container 2>/dev/null; then echo "touch-shared=ok"; else echo "touch-shared=refused"; fi
  echo "nofallback=$(stat -c '%u' /nofallback)"
  if mknod /dev/x c 1 3 2>/dev/null; then echo "mknod=ok"; else echo "mknod=refused"; fi
  if echo hi > /dev/null && head -c 4 /dev/zero | wc -c | grep -q 4; then echo "nodes=work"; else echo "nodes=broken"; fi
  for n in null zero full random urandom tty; do echo "node $n $(stat -c '%F %t %T' /dev/$n)"; done
  echo "dev-owner=$(stat -c '%u:%g' /dev)"
  echo "pts-gid=$(stat -c '%g' /dev/pts/0)"
  echo "tty=$(tty)"
} > /report.txt 2>&1
while ! test -e /stop; do sleep 0.05; done
"""


def write_maps(pid, uid_map, gid_map):
    for name, text in (("uid_map", uid_map), ("gid_map", gid_map)):
        fd = os.open("/proc/%d/%s" % (pid, name), os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def userns_steps(root, shared, other):
    """What the Java plan builder emits for <idmap>: setid after the root is in place,
    bound host nodes instead of mknod, ns-root-owned tmpfs /dev."""
    r = lambda p: root + p
    steps = [("hostname", "corral-userns"),
             ("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),
             ("idmap", root, root, 0),
             ("setid", 0, 0),
             ("mkdir", r("/proc"), "0555"), ("mkdir", r("/dev"), "0755"),  # made through the idmapped root
             ("mount", "proc", r("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
             ("mount", "devfs", r("/dev"), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k,uid=0,gid=0")]
    for node in ("null", "zero", "full", "random", "urandom", "tty"):
        steps += [("file", r("/dev/" + node), "0666"), ("mount", "/dev/" + node, r("/dev/" + node), "", MS_BIND, "")]
    steps += [("mkdir", r("/dev/pts"), "0755"),
              ("mount", "devpts", r("/dev/pts"), "devpts", MS_NOSUID | MS_NOEXEC,
               "newinstance,ptmxmode=0666,mode=0620,gid=5"),
              ("symlink", "pts/ptmx", r("/dev/ptmx")),
              ("pty", r("/dev/pts/ptmx"), 1),
              ("mkdir", r("/shared"), "0755"), ("idmap", shared, r("/shared"), 1),
              ("file", r("/nofallback"), "0644"), ("idmap", other, r("/nofallback"), 1),
              ("pivot", root)]
    return steps


def start_userns(name, steps, argv, maps=("0 100000 65536\n", "0 100000 65536\n")):
    conn = spawn(plan(headers(name, clone=NAMESPACES | CLONE_NEWUSER, extra=[("pause", 1)]) + steps + tail(argv)))
    f = conn.line().split()
    check(f[0] == "spawned", "spawned line, got %r" % f)
    write_maps(int(f[1]), *maps)
    conn.send("go")
    return conn, int(f[1])


def test_userns():
    """userns: maps at pause, setid, idmapped root and bind (fallback), bound nodes, enter."""
    root, shared, other = path("root"), path("shared"), path("other")
    os.chmod(TMP, 0o755)  # after setid, init resolves the root's path as uid 100000
    with open(other, "w"):
        pass
    os.chmod(other, 0o644)
    conn, pid = start_userns("t-userns", userns_steps(root, shared, other), ["/bin/sh", "-c", USERNS_SCRIPT])
    init_pid = parse_started(conn.line())[0]
    check(init_pid == pid, "started names the spawned pid")
    wait_for(lambda: os.path.exists(path("root/report.txt")) and "tty=" in read("root/report.txt"), "report")
    rep = dict(l.split("=", 1) for l in read("root/report.txt").splitlines() if "=" in l)
    status = open("/proc/%d/status" % pid).read()
    check("Uid:\t100000\t100000\t100000\t100000" in status, "init is uid 100000 on the host: %r" % status)
    check(open("/proc/%d/uid_map" % pid).read().split() == ["0", "100000", "65536"], "uid_map")
    check(open("/proc/%d/setgroups" % pid).read().strip() == "allow", "setgroups left allowed")
    check(rep.get("uid") == "0 gid=0", "root inside: %r" % rep.get("uid"))
    check(rep.get("root-owner") == "0:0" and rep.get("bin-owner") == "0:0", "idmapped root shows its owner as 0: %r" % rep)
    check(rep.get("touch-root") == "ok", "the container's root writes to its root")
    check(os.stat(path("root/newfile")).st_uid == 0, "a file made through the idmapped root is uid 0 on disk")
    check(rep.get("touch-shared") == "ok" and os.stat(path("shared/from-container")).st_uid == 0,
          "the idmapped bind is writable and keeps on-disk ownership")
    check(rep.get("mknod") == "refused", "mknod refused in a user namespace")
    check(rep.get("nodes") == "work", "bound host nodes work")
    for n, maj, minor in (("null", 1, 3), ("zero", 1, 5), ("tty", 5, 0)):
        check("node %s character special file %x %x" % (n, maj, minor) in read("root/report.txt"), "node %s" % n)
    check(rep.get("dev-owner") == "0:0" and os.stat("/proc/%d/root/dev" % pid).st_uid == 100000,
          "/dev belongs to the mapped root")
    check(rep.get("pts-gid") == "5" and os.stat("/proc/%d/root/dev/pts/0" % pid).st_gid == 100005,
          "devpts gid=5 is read in the user namespace: %r" % rep.get("pts-gid"))
    check(os.stat("/proc/%d/root/dev/pts/0" % pid).st_uid == 100000, "the console belongs to the mapped root")
    check(rep.get("tty") == "/dev/pts/0", "console is stdio")
    # enter mode joins the user namespace and needs setid too
    r, w = os.pipe()
    null = os.open("/dev/null", os.O_RDWR)
    econn = spawn(enter_plan(pid, ["/bin/sh", "-c", "id -u; touch /entered"], steps=[("setid", 0, 0)]),
                  passed=(null, w, w))
    os.close(w)
    os.close(null)
    parse_started(econn.line())
    check(econn.line() == "exited 0 0", "enter exits 0")
    check(os.read(r, 100) == b"0\n", "enter: uid 0 inside")
    os.close(r)
    check(os.stat(path("root/entered")).st_uid == 0, "enter: writes through the idmapped root")
    open(path("root/stop"), "w").close()
    expect_exited(conn, 0, 0)


def test_userns_refused():
    """userns: a filesystem without idmapped mounts: FALLBACK 0 fails the start, 1 binds."""
    os.chmod(TMP, 0o755)
    ram = path("ram")
    os.mkdir(ram)
    check(os.system("mount -t ramfs ramfs %s" % ram) == 0, "ramfs mounted")
    try:
        conn, _ = start_userns("t-userns-refused",
                               [("mount", "", "/", "", MS_REC | MS_PRIVATE, ""), ("idmap", ram, path("root"), 0)] +
                               [("setid", 0, 0)], ["/bin/true"])
        line = conn.line()
        check(line == "failed 1 idmap %d %s" % (errno.EINVAL, ram), "idmap refused on ramfs: %r" % line)
        conn, _ = start_userns("t-userns-fallback",
                               [("mount", "", "/", "", MS_REC | MS_PRIVATE, ""), ("idmap", ram, path("root"), 1),
                                ("setid", 0, 0)], ["/bin/true"])
        parse_started(conn.line())
        check(conn.line() == "exited 0 0", "fallback bind: init runs")
        check("idmap %s: Invalid argument; bound without idmapping" % ram in read("supervisor.log"), "fallback logged")
        # several ranges, and a map without the root is the kernel's business (setid fails)
        conn, pid = start_userns("t-userns-ranges", [("setid", 0, 0)], ["/bin/sleep", "100"],
                                 maps=("0 100000 1000\n1000 200000 64536\n", "0 100000 65536\n"))
        parse_started(conn.line())
        check(open("/proc/%d/uid_map" % pid).read().split() == ["0", "100000", "1000", "1000", "200000", "64536"],
              "two uid ranges")
        conn.send("signal 9")
        check(conn.line() == "ok", "signal ok")
        expect_exited(conn, -1, 9)
        conn, _ = start_userns("t-userns-unmapped", [("setid", 0, 0)], ["/bin/true"],
                               maps=("1 100000 10\n", "1 100000 10\n"))
        line = conn.line()
        check(line.startswith("failed 0 setid %d " % errno.EINVAL), "setid to an unmapped id: %r" % line)
    finally:
        os.system("umount %s" % ram)


def test_console_cap():
    """the console log restarts from empty past 1 MiB; output is never blocked."""
    p = plan(headers("t-flood") + rootfs_steps(path("root"), path("shared")) +
             tail(["/bin/sh", "-c", "head -c 1600000 /dev/zero | tr '\\0' x; echo; echo END-MARKER"]))
    conn = spawn(p)
    parse_started(conn.line())
    check(conn.line() == "exited 0 0", "flood exits")
    size = os.path.getsize(path("console.log"))
    check(0 < size <= 1024 * 1024, "console log capped: %d" % size)
    check(read("console.log").rstrip().endswith("END-MARKER"), "newest output kept")


def test_timing():
    """a full start -> exited cycle of /bin/true through the supervisor."""
    p = plan([("version", 1), ("name", "t-bench"), ("clone", NAMESPACES), ("fds", 0),
              ("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),
              ("mount", "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
              ("mount", "tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755")] + tail(["/bin/true"]))
    started, total = [], []
    for _ in range(50):
        t0 = time.monotonic()
        conn = spawn(p)
        parse_started(conn.line())
        t1 = time.monotonic()
        check(conn.line() == "exited 0 0", "true exits 0")
        t2 = time.monotonic()
        conn.close()
        started.append((t1 - t0) * 1e6)
        total.append((t2 - t0) * 1e6)
    q = lambda v: (statistics.median(v), sorted(v)[int(len(v) * 0.9)])
    print("  spawn->started median %.0f us p90 %.0f us; spawn->exited median %.0f us p90 %.0f us"
          % (q(started) + q(total)))
    floor = os.path.join(BIN_DIR, "floor")
    if os.path.exists(floor):
        print("  floor: " + os.popen(floor + " 200").read().strip())


def our_processes():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % d) == SUPERVISOR:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


def host_mounts():
    with open("/proc/self/mountinfo") as f:
        return [l.split()[4] for l in f]


def run(test):
    global TMP
    TMP = tempfile.mkdtemp(prefix="corral-sup-test-")
    t0 = time.monotonic()
    try:
        if test not in (test_container, test_timing, test_plan_errors, test_step_failure, test_exec_failure,
                        test_pause_cgroup, test_standby):
            make_busybox_root(path("root"))
            os.mkdir(path("shared"))
        test()
        RESULTS.append((test.__name__, None))
        print("PASS %-20s %5.0f ms  %s" % (test.__name__, (time.monotonic() - t0) * 1000, test.__doc__))
    except Exception as e:  # noqa: BLE001 - a test report, not error handling
        RESULTS.append((test.__name__, e))
        print("FAIL %-20s %s: %s" % (test.__name__, type(e).__name__, e))
        log = path("supervisor.log")
        if os.path.exists(log):
            print("  supervisor.log:\n    " + read("supervisor.log").replace("\n", "\n    "))
    finally:
        for _ in range(100):  # a supervisor that has reported exits right after
            if not our_processes():
                break
            time.sleep(0.01)
        for pid in our_processes():
            os.kill(pid, signal.SIGKILL)
            RESULTS.append((test.__name__ + " cleanup", AssertionError("left supervisor %d running" % pid)))
        leaked = [m for m in host_mounts() if m.startswith(TMP)]
        if leaked:
            RESULTS.append((test.__name__ + " cleanup", AssertionError("mounts leaked to host: %s" % leaked)))
        shutil.rmtree(TMP)


def main():
    if os.geteuid() != 0:
        bar = "!" * 72
        print("%s\n!!! SKIPPED: corral-supervisor tests need root (namespaces, mounts)\n%s" % (bar, bar))
        return 0
    if not os.path.exists("/bin/busybox"):
        print("FAIL: /bin/busybox missing (apt-get install -y busybox-static)")
        return 1
    signal.alarm(120)  # one hung call must not hang the build
    for t in (test_container, test_control, test_exec_failure, test_step_failure, test_plan_errors,
              test_pause_cgroup, test_cgroupjoin, test_gate, test_enterroot, test_clonecgroup, test_standby, test_console_cap, test_console, test_enter, test_userns, test_userns_refused,
              test_timing):
        run(t)
    failed = [(n, e) for n, e in RESULTS if e]
    for n, e in failed:
        print("FAIL %s: %s" % (n, e))
    print("%d passed, %d failed" % (len(RESULTS) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
