package org.corral.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.core.CorralException;
import org.corral.launcher.cgroup.CgroupFixtures;
import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.ContainerCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code <filesystem type='block'|'file'>}: the plan's mounts, the start checks, the live state. */
class ContainerPlannerBlockTest {

    private static String xml(String devices) {
        return "<domain type='lxc'><name>b1</name><memory unit='MiB'>64</memory>"
                + "<os><type>exe</type><init>/sbin/init</init></os><devices>" + devices
                + "<console type='pty'/></devices></domain>";
    }

    private static List<String> steps(String xml, Map<String, BlockFilesystems.BlockMount> blocks) throws Exception {
        Domain d = DomainXml.parse(xml);
        CgroupLayout layout = CgroupFixtures.v1Layout();
        ContainerCgroup cg = CgroupFixtures.v1Cgroup(layout, d.getName());
        Plan p = ContainerPlanner.plan(d, new ContainerPlanner.Context(new LaunchPaths(Path.of("/run/corral"), d.getName()),
                cg, layout, 0, false, null, Map.of(), List.of(), blocks));
        List<String> out = new ArrayList<>();
        for (List<String> r : p.steps()) {
            out.add(String.join(" ", r));
        }
        return out;
    }

    @Test
    void imageRootIsMountedUnderTheRuntimeDirAndBecomesTheRoot() throws Exception {
        List<String> s = steps(xml("<filesystem type='file'><source file='/img/root.ext4'/><target dir='/'/><readonly/></filesystem>"),
                Map.of("/", new BlockFilesystems.BlockMount("/dev/loop7", "ext4", true)));
        int mount = s.indexOf("mount /dev/loop7 /run/corral/b1.root ext4 " + Linux.MS_RDONLY + " ");
        assertTrue(mount > 0 && s.get(mount - 1).equals("mkdir /run/corral/b1.root 0755"), String.join("\n", s));
        assertTrue(s.contains("enterroot /run/corral/b1.root"), String.join("\n", s));
        assertTrue(s.contains("mkdir /run/corral/b1.root/dev 0755"), String.join("\n", s));
    }

    @Test
    void dataFilesystemIsMountedBeforeDevAndMovedToItsTarget() throws Exception {
        List<String> s = steps(xml("<filesystem type='mount'><source dir='/srv/b1'/><target dir='/'/></filesystem>"
                + "<filesystem type='block'><source dev='/dev/sdz1'/><target dir='/data'/></filesystem>"),
                Map.of("/data", new BlockFilesystems.BlockMount("/dev/sdz1", "xfs", false)));
        int mount = s.indexOf("mount /dev/sdz1 /run/corral/b1.mnt/1 xfs 0 ");
        int dev = s.indexOf("mkdir /srv/b1/dev 0755");
        int move = s.indexOf("mount /run/corral/b1.mnt/1 /srv/b1/data  " + Linux.MS_MOVE + " ");
        assertTrue(mount > 0 && mount < dev && dev < move, String.join("\n", s));
    }

    private static CorralException refused(String fs) throws Exception {
        return assertThrows(CorralException.class, () -> ContainerPlanner.checkSupported(DomainXml.parse(xml(fs))));
    }

    @Test
    void nbdAndNonRawFormatsAreRefused() throws Exception {
        assertTrue(refused("<filesystem type='file'><driver type='nbd' format='qcow2'/><source file='/i.qcow2'/>"
                + "<target dir='/data'/></filesystem>").getMessage().contains("filesystem driver 'nbd' is not supported"));
        assertTrue(refused("<filesystem type='file'><driver format='qcow2'/><source file='/i.qcow2'/>"
                + "<target dir='/data'/></filesystem>").getMessage().contains("filesystem driver 'nbd' is not supported"));
        assertTrue(refused("<filesystem type='file'><driver type='loop' format='qcow2'/><source file='/i.qcow2'/>"
                + "<target dir='/data'/></filesystem>").getMessage().contains("format 'qcow2'"));
        ContainerPlanner.checkSupported(DomainXml.parse(xml("<filesystem type='file'><driver type='loop' format='raw'/>"
                + "<source file='/i.raw'/><target dir='/data'/></filesystem>")));
    }

    @Test
    void liveStateKeepsTheLoopDevices(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b1.state");
        new LiveState("b1", "u", true, "/machine/b1", 1, 2, 3, 4, 5, "none", List.of(), List.of("/dev/loop3", "/dev/loop9"))
                .write(f);
        assertEquals(List.of("/dev/loop3", "/dev/loop9"), LiveState.read(f).loops());
        new LiveState("b1", "u", true, "/machine/b1", 1, 2, 3, 4, 5, "none", List.of()).write(f);
        assertEquals(List.of(), LiveState.read(f).loops());
        assertTrue(Files.exists(f));
    }
}
