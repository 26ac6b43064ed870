package org.corral.launcher;

import static org.corral.launcher.Linux.MS_BIND;
import static org.corral.launcher.Linux.MS_NODEV;
import static org.corral.launcher.Linux.MS_NOEXEC;
import static org.corral.launcher.Linux.MS_NOSUID;
import static org.corral.launcher.Linux.MS_PRIVATE;
import static org.corral.launcher.Linux.MS_RDONLY;
import static org.corral.launcher.Linux.MS_REC;
import static org.corral.launcher.Linux.MS_REMOUNT;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.corral.config.model.Capabilities;
import org.corral.config.model.Chardev;
import org.corral.config.model.Domain;
import org.corral.config.model.Filesystem;
import org.corral.config.model.Idmap;
import org.corral.config.model.Initenv;
import org.corral.core.CorralException;
import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.ContainerCgroup;

/**
 * Turns a domain definition into the plan corral-supervisor executes: every mount, node, link,
 * environment variable and capability of the container is decided here, in Java, as the seed
 * (libvirt's LXC driver documentation) describes the container. Pure: it touches no files, so
 * unit tests can check a plan line by line.
 */
public final class ContainerPlanner {

    /**
     * What the planner needs to know besides the definition.
     *
     * @param fdNames names of the passed fds for LISTEN_FDNAMES (empty: none, or one per fd)
     * @param meminfo the FUSE file to show as the container's /proc/meminfo, or null when the
     *                meminfo server is unavailable (the container then sees the host's)
     * @param owners  with {@code <idmap>}: the host owner uid of the root's and each
     *                {@code type='mount'} filesystem's source directory (keyed by the source as the
     *                XML writes it); a source owned by the container's mapped root is bound as it
     *                is, any other is idmapped (see {@link UserNamespace#needsIdmap})
     * @param blocks  the device and filesystem type of each {@code type='block'|'file'}
     *                filesystem, keyed by target directory (see {@link BlockFilesystems})
     * @param launcherMovesInit the cgroup does not exist yet: the launcher makes it and moves init
     *                into it during the pause (machine scopes on systemd hosts)
     */
    public record Context(LaunchPaths paths, ContainerCgroup cgroup, CgroupLayout layout, int passedFds,
            boolean pauseBeforeInit, Path meminfo, Map<String, Long> owners, List<String> fdNames,
            Map<String, BlockFilesystems.BlockMount> blocks, boolean launcherMovesInit) {

        public Context(LaunchPaths paths, ContainerCgroup cgroup, CgroupLayout layout, int passedFds,
                boolean pauseBeforeInit, Path meminfo, Map<String, Long> owners, List<String> fdNames,
                Map<String, BlockFilesystems.BlockMount> blocks) {
            this(paths, cgroup, layout, passedFds, pauseBeforeInit, meminfo, owners, fdNames, blocks, false);
        }

        public Context(LaunchPaths paths, ContainerCgroup cgroup, CgroupLayout layout, int passedFds,
                boolean pauseBeforeInit, Path meminfo, Map<String, Long> owners, List<String> fdNames) {
            this(paths, cgroup, layout, passedFds, pauseBeforeInit, meminfo, owners, fdNames, Map.of());
        }

        public Context(LaunchPaths paths, ContainerCgroup cgroup, CgroupLayout layout, int passedFds,
                boolean pauseBeforeInit, Path meminfo, Map<String, Long> owners) {
            this(paths, cgroup, layout, passedFds, pauseBeforeInit, meminfo, owners, List.of());
        }

        public Context(LaunchPaths paths, ContainerCgroup cgroup, CgroupLayout layout, int passedFds,
                boolean pauseBeforeInit, Path meminfo) {
            this(paths, cgroup, layout, passedFds, pauseBeforeInit, meminfo, Map.of());
        }
    }

    /** libvirt's fixed device nodes: name, major, minor (all mode 0666). */
    private static final List<Object[]> NODES = List.of(
            new Object[] {"null", 1, 3}, new Object[] {"zero", 1, 5}, new Object[] {"full", 1, 7},
            new Object[] {"random", 1, 8}, new Object[] {"urandom", 1, 9}, new Object[] {"tty", 5, 0});

    private ContainerPlanner() {
    }

    public static Plan plan(Domain d, Context ctx) throws CorralException {
        checkSupported(d);
        Plan plan = new Plan();
        header(plan, d, ctx);

        Filesystem rootFs = rootFilesystem(d);
        boolean blockRoot = rootFs != null && BlockFilesystems.isBlock(rootFs);
        String root = rootFs == null ? "" : blockRoot ? ctx.paths().blockRoot().toString()
                : stripSlash(rootFs.getSource().getDir());
        Idmap idmap = d.getIdmap();

        // Without a pause, init sets up its namespaces while the service makes its cgroups; what
        // needs the container's cgroup directories (joining them, binding them in /sys/fs/cgroup)
        // waits behind a gate until the service says go. With a pause, the cgroups exist before
        // clone and init joins first of all, so that everything it sets up is charged to them.
        boolean gated = gated(d, ctx);
        Plan afterGate = new Plan();
        if (joinsItself(d, ctx)) {
            for (Path tasks : ctx.cgroup().v1TasksFiles()) {
                (gated ? afterGate : plan).step("cgroupjoin", tasks);
            }
        }
        plan.step("hostname", d.getName());
        if (hasPrivateNetwork(d)) {
            // A new network namespace starts with lo down; libvirt brings it up.
            plan.step("ifup", "lo");
        }
        // Nothing the container mounts may propagate back to the host.
        plan.step("mount", "", "/", "", MS_REC | MS_PRIVATE, "");
        if (blockRoot) {
            // A device (or an image's loop device) mounted at a directory of the runtime
            // directory, in this namespace only: that mount is the new root.
            plan.step("mkdir", root, "0755");
            blockMount(plan, rootFs, root, ctx);
        } else if (rootFs != null) {
            // pivot_root needs the new root to be a mount point.
            if (idmap != null && idmapped(rootFs, idmap, ctx)) {
                // A root owned by host ids (an unmodified image) is shown to the container
                // through an idmapped mount; refused by the kernel, the start fails (the Launcher
                // names the owner found and the one needed).
                plan.step("idmap", root, root, 0);
            } else {
                plan.step("mount", root, root, "", MS_BIND | MS_REC, "");
            }
        }
        if (idmap != null) {
            // Init becomes the namespace's root once its root is in place: until then it is the
            // host's root seen as the overflow id, which may search the host's directories but
            // cannot create a file anywhere. The root's own host path was resolved above.
            plan.step("setid", 0, 0);
        }
        // Block and image filesystems are mounted now, at staging directories, while the host's
        // /dev (where their device nodes are) is still visible: without a root of its own the
        // container's /dev covers it below. They are moved to their targets in order with the
        // other filesystems.
        List<Filesystem> all = d.getDevices().getFilesystems();
        for (int i = 0; i < all.size(); i++) {
            Filesystem fs = all.get(i);
            if (fs != rootFs && BlockFilesystems.isBlock(fs)) {
                String staging = ctx.paths().blockStaging().resolve(Integer.toString(i)).toString();
                plan.step("mkdir", ctx.paths().blockStaging(), "0755");
                plan.step("mkdir", staging, "0755");
                blockMount(plan, fs, staging, ctx);
            }
        }
        procAndSys(plan, gated ? afterGate : null, root, hasPrivateNetwork(d), idmap != null, ctx);
        if (ctx.meminfo() != null) {
            // libvirt's FUSE meminfo: the container's memory limit, not the host's memory.
            plan.step("mount", ctx.meminfo(), root + "/proc/meminfo", "", MS_BIND, "");
        }
        dev(plan, root, consoles(d).size(), idmap);
        userFilesystems(plan, root, d, ctx);
        if (rootFs != null && rootFs.isReadonly()) {
            plan.step("mount", "", root, "", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
        }
        if (gated) {
            plan.step("gate");
            plan.steps(afterGate);
            if (rootFs != null) {
                // Not pivot_root(2), which visits every thread on the host (0.7 ms beside 1000
                // running containers): the tree is moved into the mount namespace a standby
                // supervisor made ahead, and init chroots into it (supervisor README).
                plan.step("enterroot", root);
            }
        } else if (rootFs != null) {
            plan.step("pivot", root);
        }
        String initdir = d.getOs().getInitdir();
        plan.step("chdir", initdir == null ? "/" : initdir);
        plan.step("capdrop", capabilitiesToDrop(d).toArray());
        for (String e : environment(d, ctx.passedFds(), ctx.fdNames())) {
            plan.step("env", e);
        }
        plan.step("argv", d.getOs().getInit());
        for (String a : d.getOs().getInitargs()) {
            plan.step("argv", a);
        }
        plan.step("exec");
        return plan;
    }

    /** Where Exec looks up a command given without a path, inside the container. */
    public static final List<String> EXEC_PATH = List.of("/bin", "/usr/bin", "/sbin", "/usr/sbin");

    /** The environment of an Exec'ed command when the caller gives none. */
    public static List<String> defaultExecEnvironment() {
        return List.of("PATH=" + String.join(":", EXEC_PATH), "HOME=/", "TERM=linux", "container=lxc-libvirt");
    }

    /**
     * The plan of corral-supervisor's enter mode: join init's namespaces and cgroup, keep the
     * container's capability bounding set, run argv with the three passed fds as stdio.
     */
    public static Plan execPlan(Domain live, int initPid, ContainerCgroup cgroup, List<String> argv, List<String> env) {
        Plan plan = new Plan();
        plan.header("version", 1);
        plan.header("name", live.getName());
        plan.header("enter", initPid);
        plan.header("stdio", 1);
        for (Path procs : cgroup.procsFiles()) {
            plan.header("cgroupprocs", procs);
        }
        plan.header("fds", 3);
        if (live.getIdmap() != null) {
            // setns into the user namespace leaves us the host's root, seen inside as the overflow id.
            plan.step("setid", 0, 0);
        }
        plan.step("chdir", "/");
        plan.step("capdrop", capabilitiesToDrop(live).toArray());
        for (String e : env) {
            plan.step("env", e);
        }
        for (String a : argv) {
            plan.step("argv", a);
        }
        plan.step("exec");
        return plan;
    }

    /**
     * Whether init joins its cgroup v1 hierarchies itself ({@code cgroupjoin}) rather than the
     * supervisor writing its PID to them. Any migration by PID takes the kernel's global
     * cgroup_threadgroup_rwsem for writing, whose writer waits for an RCU grace period (about
     * 9 ms median per start here, docs/benchmarks.md); a single-threaded process moving itself
     * through {@code tasks} does not (and in cgroup2 nothing moves: {@code clonecgroup}). Not in
     * a new user namespace, whose root may not write the host's cgroup files, and not when the
     * launcher places init (machined's scope).
     */
    private static boolean joinsItself(Domain d, Context ctx) {
        return d.getIdmap() == null && !ctx.launcherMovesInit() && !ctx.cgroup().v1TasksFiles().isEmpty();
    }

    /**
     * Whether init starts at once and waits at a {@code gate} step for the container's cgroups
     * (the Launcher makes them meanwhile and then says go), rather than pausing before its first
     * step: the pause is for what must precede every step (uid/gid maps, a machine scope that
     * places init, network interfaces moved into its namespace).
     */
    public static boolean gated(Domain d, Context ctx) {
        return !(ctx.pauseBeforeInit() || ctx.launcherMovesInit() || d.getIdmap() != null);
    }

    private static void header(Plan plan, Domain d, Context ctx) {
        long clone = Linux.CLONE_NEWNS | Linux.CLONE_NEWPID | Linux.CLONE_NEWUTS | Linux.CLONE_NEWIPC;
        if (hasPrivateNetwork(d)) {
            clone |= Linux.CLONE_NEWNET;
        }
        if (d.getIdmap() != null) {
            // Created first by the kernel: every other new namespace is owned by it.
            clone |= Linux.CLONE_NEWUSER;
        }
        plan.header("version", 1);
        plan.header("name", d.getName());
        plan.header("socket", ctx.paths().socket());
        plan.header("exitfile", ctx.paths().exitFile());
        plan.header("consolelog", ctx.paths().consoleLog());
        // A standby supervisor was spawned before the container was known (SupervisorSpawner).
        plan.header("log", ctx.paths().supervisorLog());
        plan.header("clone", clone);
        if (!ctx.launcherMovesInit()) {
            // Where init starts out: created in its cgroup2 directory; in the v1 hierarchies
            // it joins itself or, in a user namespace, the supervisor moves it (see joinsItself).
            ctx.cgroup().v2Directory().ifPresent(dir -> plan.header("clonecgroup", dir));
            if (!joinsItself(d, ctx)) {
                for (Path procs : ctx.cgroup().v1ProcsFiles()) {
                    plan.header("cgroupprocs", procs);
                }
            }
        }
        if (!gated(d, ctx)) {
            // With <idmap> the Launcher writes init's uid/gid maps during the pause.
            plan.header("pause", 1);
        }
        plan.header("fds", ctx.passedFds());
    }

    /**
     * New proc, read-only /proc/sys, read-only /sys. With its own network namespace the
     * container gets a new sysfs (which shows its own network devices); otherwise the host's
     * sysfs is bound and made read-only, as the seed says; a second sysfs of the same namespace
     * over the host's own /sys would fail with EBUSY.
     *
     * <p>Without a root of its own the container's /sys covers the host's, and with it the
     * host's cgroup mounts that the cgroup binds come from: so /sys is built at a staging
     * directory first and moved into place when complete.
     *
     * <p>In a user namespace a new sysfs needs a network namespace the user namespace owns
     * (privnet: it is created by the same clone); without one the host's /sys is bound, and
     * recursively: the kernel refuses a non-recursive bind of a tree whose submounts it locked
     * (the host's mounts are locked in a less privileged mount namespace). Only the top is made
     * read-only; the host's submounts come along (the cgroup ones are covered below) and are
     * the host's files, which the container's unprivileged root cannot write.
     */
    private static void procAndSys(Plan plan, Plan afterGate, String root, boolean privateNetwork, boolean userns,
            Context ctx) {
        plan.step("mkdir", root + "/proc", "0755");
        plan.step("mount", "proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
        plan.step("mount", root + "/proc/sys", root + "/proc/sys", "", MS_BIND, "");
        plan.step("mount", "", root + "/proc/sys", "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
        boolean staged = root.isEmpty();
        String sys = staged ? ctx.paths().sysStaging().toString() : root + "/sys";
        plan.step("mkdir", sys, "0755");
        long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (privateNetwork) {
            plan.step("mount", "sysfs", sys, "sysfs", ro, "");
        } else {
            // Not recursive: the host's submounts of /sys (cgroups, debugfs, ...) stay out.
            plan.step("mount", "/sys", sys, "", userns ? MS_BIND | MS_REC : MS_BIND, "");
            plan.step("mount", "", sys, "", MS_BIND | MS_REMOUNT | ro, "");
        }
        cgroups(plan, afterGate, sys + "/fs/cgroup", ctx);
        if (staged) {
            (afterGate != null ? afterGate : plan).step("mount", sys, "/sys", "", Linux.MS_MOVE, "");
        }
    }

    /**
     * The container sees only its own cgroup: each hierarchy's container directory is bound
     * where the host mounts the hierarchy, on a small tmpfs that is then made read-only. In a
     * gated plan ({@code afterGate} not null) the directories are bound after the gate, when the
     * Launcher has made them.
     */
    private static void cgroups(Plan plan, Plan afterGate, String base, Context ctx) {
        long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (ctx.layout().isUnified()) {
            bindCgroup(plan, afterGate, ctx.cgroup().directories().get(0), base);
            return;
        }
        plan.step("mount", "tmpfs", base, "tmpfs", flags, "mode=755,size=64k");
        List<Path> hierarchies = ctx.layout().v1Hierarchies();
        for (int i = 0; i < hierarchies.size(); i++) {
            String dirName = hierarchies.get(i).getFileName().toString();
            plan.step("mkdir", base + "/" + dirName, "0755");
            bindCgroup(plan, afterGate, ctx.cgroup().directories().get(i), base + "/" + dirName);
        }
        // Co-mounted controllers (cpu,cpuacct) get a link per name, as systemd makes them.
        TreeSet<String> made = new TreeSet<>();
        for (Map.Entry<String, Path> e : ctx.layout().v1().entrySet()) {
            String dirName = e.getValue().getFileName().toString();
            if (!dirName.equals(e.getKey()) && made.add(e.getKey())) {
                plan.step("symlink", dirName, base + "/" + e.getKey());
            }
        }
        plan.step("mount", "", base, "tmpfs", MS_REMOUNT | MS_RDONLY | flags, "mode=755,size=64k");
    }

    private static void bindCgroup(Plan plan, Plan afterGate, Path dir, String target) {
        (afterGate != null ? afterGate : plan).step("mount", dir, target, "", MS_BIND, "");
    }

    /**
     * /dev exactly as the seed lists it, with one pty per console from a private devpts.
     *
     * <p>With {@code <idmap>} init mounts in its user namespace, so mount options are read there:
     * the tmpfs's {@code uid=0,gid=0} and devpts's {@code gid=5} are the container's ids, which the
     * kernel maps to the host's (libvirt translates gid 5 itself because its controller mounts
     * from the host). devpts's gid is left out when the gid map does not cover 5 (the kernel would
     * refuse it). The kernel refuses mknod of devices in a user namespace (and a tmpfs mounted
     * there is nodev), so the host's own nodes are bound onto empty files instead.
     */
    private static void dev(Plan plan, String root, int consoles, Idmap idmap) {
        String dev = root + "/dev";
        plan.step("mkdir", dev, "0755");
        plan.step("mount", "tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
                idmap == null ? "mode=755,size=64k" : "mode=755,size=64k,uid=0,gid=0");
        for (Object[] n : NODES) {
            if (idmap == null) {
                plan.step("mknod", dev + "/" + n[0], "020666", n[1], n[2]);
            } else {
                plan.step("file", dev + "/" + n[0], "0666");
                plan.step("mount", "/dev/" + n[0], dev + "/" + n[0], "", MS_BIND, "");
            }
        }
        plan.step("symlink", "/proc/self/fd/0", dev + "/stdin");
        plan.step("symlink", "/proc/self/fd/1", dev + "/stdout");
        plan.step("symlink", "/proc/self/fd/2", dev + "/stderr");
        plan.step("symlink", "/proc/self/fd", dev + "/fd");
        plan.step("mkdir", dev + "/pts", "0755");
        boolean ttyGroup = idmap == null || UserNamespace.hostId(idmap.getGids(), UserNamespace.TTY_GID) >= 0;
        plan.step("mount", "devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620" + (ttyGroup ? ",gid=" + UserNamespace.TTY_GID : ""));
        plan.step("symlink", "pts/ptmx", dev + "/ptmx");
        // A fresh devpts instance numbers its ptys from 0: console N is /dev/pts/N.
        for (int i = 0; i < consoles; i++) {
            plan.step("pty", dev + "/pts/ptmx", i == 0 ? "1" : "0");
        }
        plan.step("symlink", "pts/0", dev + "/console");
        for (int i = 0; i < consoles; i++) {
            plan.step("symlink", "pts/" + i, dev + "/tty" + (i + 1));
        }
    }

    /**
     * With {@code <idmap>}, a {@code type='mount'} source is idmapped like the root (unless it
     * already belongs to the mapped root); where the kernel or its filesystem refuses, the
     * supervisor binds it as it is (its files then show as the overflow id inside).
     */
    private static void userFilesystems(Plan plan, String root, Domain d, Context ctx) {
        List<Filesystem> fss = new ArrayList<>();
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            if (!"/".equals(fs.getTargetDir())) {
                fss.add(fs);
            }
        }
        // Parents before children, whatever order the XML lists them in.
        fss.sort(Comparator.comparing(fs -> Path.of(fs.getTargetDir()).getNameCount()));
        for (Filesystem fs : fss) {
            String target = root + fs.getTargetDir();
            plan.step("mkdir", target, "0755");
            switch (fs.getType()) {
                case "mount" -> {
                    if (d.getIdmap() != null && idmapped(fs, d.getIdmap(), ctx)) {
                        plan.step("idmap", fs.getSource().getDir(), target, 1);
                    } else {
                        plan.step("mount", fs.getSource().getDir(), target, "", MS_BIND | MS_REC, "");
                    }
                }
                case "bind" -> plan.step("mount", root + fs.getSource().getDir(), target, "", MS_BIND | MS_REC, "");
                case "ram" -> plan.step("mount", "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
                        "size=" + fs.getSource().getUsageKiB() + "k,mode=755");
                case "block", "file" -> plan.step("mount", ctx.paths().blockStaging()
                        .resolve(Integer.toString(d.getDevices().getFilesystems().indexOf(fs))), target, "",
                        Linux.MS_MOVE, "");
                default -> throw new IllegalStateException("unchecked filesystem type " + fs.getType());
            }
            if (fs.isReadonly()) {
                plan.step("mount", "", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
            }
        }
    }

    /**
     * Mounts a block or image filesystem's device. The device is opened by init (before its
     * gate, so before it joins the container's devices cgroup, where the Launcher grants it, r
     * or rw, as libvirt does); no node for it exists in the container's /dev. A read-only filesystem is
     * mounted read-only from the start (a read-only loop device can be mounted no other way).
     */
    private static void blockMount(Plan plan, Filesystem fs, String at, Context ctx) {
        BlockFilesystems.BlockMount m = ctx.blocks().get(fs.getTargetDir());
        if (m == null) {
            throw new IllegalStateException("no device prepared for filesystem target " + fs.getTargetDir());
        }
        plan.step("mount", m.device(), at, m.fstype(), fs.isReadonly() ? MS_RDONLY : 0L, "");
    }

    /** Whether a host source is shown through an idmapped mount (its owner is not the mapped root). */
    private static boolean idmapped(Filesystem fs, Idmap idmap, Context ctx) {
        Long owner = ctx.owners().get(fs.getSource().getDir());
        return owner == null || UserNamespace.needsIdmap(owner, idmap);
    }

    /** libvirt's capability policies: default, allow and deny, with per-capability overrides. */
    static List<Integer> capabilitiesToDrop(Domain d) {
        Capabilities caps = d.getFeatures() == null ? null : d.getFeatures().getCapabilities();
        String policy = caps == null || caps.getPolicy() == null ? "default" : caps.getPolicy();
        Map<String, Boolean> states = caps == null ? Map.of() : caps.getStates();
        TreeSet<Integer> drop = new TreeSet<>();
        for (Map.Entry<String, Integer> cap : Linux.CAPABILITIES.entrySet()) {
            Boolean state = states.get(cap.getKey());
            if (cap.getValue() > Linux.lastCapability()) {
                continue; // this kernel has no such capability
            }
            boolean keep = switch (policy) {
                case "allow" -> state == null || state;
                case "deny" -> state != null && state;
                default -> state != null ? state : !Linux.DEFAULT_DROPS.contains(cap.getKey());
            };
            if (!keep) {
                drop.add(cap.getValue());
            }
        }
        return new ArrayList<>(drop);
    }

    /** The environment the seed documents, then LISTEN_* for passed fds, then initenv. */
    static List<String> environment(Domain d, int passedFds) {
        return environment(d, passedFds, List.of());
    }

    static List<String> environment(Domain d, int passedFds, List<String> fdNames) {
        List<String> env = new ArrayList<>();
        // lxc-libvirt, not the documented libvirt-lxc: it is what libvirt really sets and what
        // systemd-detect-virt recognises.
        env.add("container=lxc-libvirt");
        env.add("container_uuid=" + d.getUuid());
        env.add("PATH=/bin:/usr/bin");
        env.add("TERM=linux");
        env.add("HOME=/");
        env.add("LIBVIRT_LXC_NAME=" + d.getName());
        env.add("LIBVIRT_LXC_UUID=" + d.getUuid());
        if (d.getOs().getCmdline() != null) {
            env.add("LIBVIRT_LXC_CMDLINE=" + d.getOs().getCmdline());
        }
        int consoles = consoles(d).size();
        if (consoles > 1) {
            StringBuilder ttys = new StringBuilder();
            for (int i = 0; i < consoles; i++) {
                ttys.append(i == 0 ? "" : " ").append("pts/").append(i);
            }
            env.add("container_ttys=" + ttys);
        }
        if (passedFds > 0) {
            // sd_listen_fds(3): init is PID 1 of its namespace.
            env.add("LISTEN_FDS=" + passedFds);
            env.add("LISTEN_PID=1");
            if (!fdNames.isEmpty()) {
                // sd_listen_fds_with_names(3); nspawn drops these, libvirt sets none.
                env.add("LISTEN_FDNAMES=" + String.join(":", fdNames));
            }
        }
        for (Initenv e : d.getOs().getInitenvs()) {
            env.add(e.getName() + "=" + (e.getValue() == null ? "" : e.getValue()));
        }
        return env;
    }

    /** Its own network namespace: with privnet, or with any interface (libvirt's rule). */
    static boolean hasPrivateNetwork(Domain d) {
        return (d.getFeatures() != null && d.getFeatures().isPrivnet()) || !d.getDevices().getInterfaces().isEmpty();
    }

    static List<Chardev> consoles(Domain d) {
        return d.getDevices().getConsoles();
    }

    /** The root directory as machined records it: the root filesystem's source dir, else "". */
    public static String rootDirectory(Domain d) {
        Filesystem fs = rootFilesystem(d);
        return fs != null && fs.getSource() != null && fs.getSource().getDir() != null ? fs.getSource().getDir() : "";
    }

    static Filesystem rootFilesystem(Domain d) {
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            if ("/".equals(fs.getTargetDir())) {
                return fs;
            }
        }
        return null;
    }

    private static String stripSlash(String dir) {
        return dir.length() > 1 && dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    }

    /**
     * type='block' needs a device, type='file' an image that a loop device serves: raw, with
     * driver loop or none. libvirt would use qemu-nbd for other formats; corral does not.
     */
    private static void checkBlock(Filesystem fs, boolean userns) throws CorralException {
        String src = BlockFilesystems.sourceOf(fs);
        if (src == null || src.isBlank()) {
            throw CorralException.invalidConfig("<filesystem type='" + fs.getType() + "'> with target "
                    + fs.getTargetDir() + " needs <source " + (fs.getType().equals("file") ? "file" : "dev") + "='...'/>");
        }
        if (!Path.of(src).isAbsolute()) {
            throw CorralException.invalidConfig("filesystem source " + src + " must be an absolute path");
        }
        var drv = fs.getDriver();
        String type = drv == null ? null : drv.getType();
        String format = drv == null ? null : drv.getFormat();
        if (fs.getType().equals("file")) {
            if (type == null && format != null && !format.equals("raw")) {
                type = "nbd"; // libvirt's default driver for a non-raw format
            }
            if (type != null && !type.equals("loop")) {
                throw CorralException.invalidConfig("filesystem driver '" + type + "' is not supported"
                        + (format == null ? "" : " (format '" + format + "')") + ": only loop with raw images");
            }
            if (format != null && !format.equals("raw")) {
                throw CorralException.invalidConfig("filesystem format '" + format
                        + "' is not supported with driver 'loop': only raw images");
            }
        } else if (type != null) {
            throw CorralException.invalidConfig("filesystem driver '" + type + "' is not supported for type='block'");
        }
        if (userns) {
            // The mount is made by init, which with <idmap> has no privilege over block devices.
            throw CorralException.invalidConfig("<filesystem type='" + fs.getType() + "'> cannot be used with <idmap>");
        }
    }

    /**
     * What the definition asks for that this version cannot do yet, refused at start (as
     * libvirt refuses what LXC can't do at start, not at define).
     */
    static void checkSupported(Domain d) throws CorralException {
        List<Chardev> consoles = consoles(d);
        if (consoles.isEmpty()) {
            throw CorralException.invalidConfig("a container needs at least one <console type='pty'>");
        }
        for (Chardev c : consoles) {
            if (!"pty".equals(c.getType())) {
                throw CorralException.invalidConfig("<console type='" + c.getType() + "'> is not supported: only pty consoles");
            }
        }
        for (Filesystem fs : d.getDevices().getFilesystems()) {
            boolean isRoot = "/".equals(fs.getTargetDir());
            boolean block = BlockFilesystems.isBlock(fs);
            if (!(fs.getType().equals("mount") || block
                    || (!isRoot && (fs.getType().equals("ram") || fs.getType().equals("bind"))))) {
                throw CorralException.invalidConfig("<filesystem type='" + fs.getType() + "'> with target "
                        + fs.getTargetDir() + " is not supported yet");
            }
            if (block) {
                checkBlock(fs, d.getIdmap() != null);
            }
        }
        for (var nic : d.getDevices().getInterfaces()) {
            if (!List.of("network", "bridge", "ethernet").contains(nic.getType())) {
                throw CorralException.invalidConfig("<interface type='" + nic.getType()
                        + "'> is not supported yet (only network, bridge and ethernet)");
            }
        }
        if (!d.getDevices().getHostdevs().isEmpty() || !d.getDevices().getDisks().isEmpty()) {
            throw CorralException.invalidConfig("<hostdev> and <disk> are not supported yet");
        }
        if (d.getIdmap() != null) {
            String problem = UserNamespace.problem(d.getIdmap());
            if (problem != null) {
                throw CorralException.invalidConfig(problem);
            }
            if (rootFilesystem(d) == null) {
                // The host's / seen through a user namespace: every file the overflow id.
                throw CorralException.invalidConfig("<idmap> needs a root <filesystem> (target dir='/')");
            }
        }
        if (d.getNamespace() != null) {
            throw CorralException.invalidConfig("<lxc:namespace> sharing is not supported yet");
        }
        if (d.getOs().getInituser() != null) {
            throw CorralException.invalidConfig("<inituser>/<initgroup> are not supported yet");
        }
    }
}
