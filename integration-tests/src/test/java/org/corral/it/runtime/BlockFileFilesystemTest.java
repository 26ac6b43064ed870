package org.corral.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.corral.it.Cli;
import org.corral.it.Domains;
import org.corral.it.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code <filesystem type='file'>} (raw ext4 images through a loop device) and
 * {@code type='block'}: as a data filesystem and as the root, {@code <readonly/>} honoured, the
 * loop device gone after Destroy, nbd refused at start.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BlockFileFilesystemTest extends SharedRigTest {

    private static Cli.Result host(String... argv) {
        return Cli.exec(List.of(argv), Map.of(), Duration.ofSeconds(30));
    }

    /** An ext4 image of {@code mib} MiB holding the contents of {@code dir}, removed with the rig. */
    private Path image(Path dir, int mib) throws Exception {
        Path img = Files.createTempFile("corral-img", ".ext4");
        rig.track(() -> Files.deleteIfExists(img));
        host("/sbin/mkfs.ext4", "-q", "-F", "-d", dir.toString(), img.toString(), mib + "M").assertSuccess();
        return img;
    }

    private static boolean loopAttached(Path img) {
        return host("/sbin/losetup", "-a").stdout().contains(img.toString());
    }

    private void destroyAndCheckDetached(String name, Path img) {
        rig.call(name, "Destroy").assertSuccess();
        assertEquals("shutoff", rig.state(name));
        Poll.require(Rig.WAIT, () -> !loopAttached(img), () -> "a loop device is left for " + img + ":\n"
                + host("/sbin/losetup", "-a").stdout());
        assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".mnt")), "staging directory removed");
        assertFalse(Files.exists(rig.runtimeDir().resolve(name + ".root")), "root mount point removed");
    }

    private static String fileAt(Path img, String target, boolean readonly) {
        return "<filesystem type='file'><driver type='loop' format='raw'/><source file='" + LxcXml.esc(img.toString())
                + "'/><target dir='" + target + "'/>" + (readonly ? "<readonly/>" : "") + "</filesystem>";
    }

    @Test
    void imageAsDataFilesystemReadWrite() throws Exception {
        Path content = rig.newHostDir();
        Files.writeString(content.resolve("hello.txt"), "from-the-image\n");
        Path img = image(content, 16);
        BusyboxRoot root = rig.newRoot();
        String init = root.script("init.sh", "cat /data/hello.txt\n"
                + "if echo new > /data/new.txt; then echo WRITE-OK; else echo WRITE-FAILED; fi\n"
                + "echo READY\nsleep 1000\n");
        String name = "rt-blk-data";
        rig.define(LxcXml.named(name).root(root).init(init).device(fileAt(img, "/data", false)));
        rig.start(name);
        String console = rig.awaitConsole(name, "READY");
        assertTrue(console.contains("from-the-image"), console);
        assertTrue(console.contains("WRITE-OK"), console);
        assertTrue(loopAttached(img), "a loop device serves the image while the container runs");
        destroyAndCheckDetached(name, img);
    }

    @Test
    void loopDeviceDetachedAfterServiceSigkillAndReattach() throws Exception {
        Path content = rig.newHostDir();
        Files.writeString(content.resolve("hello.txt"), "survives\n");
        Path img = image(content, 16);
        BusyboxRoot root = rig.newRoot();
        String init = root.script("init.sh", "cat /data/hello.txt\necho READY\nsleep 1000\n");
        String name = "rt-blk-kill";
        rig.define(LxcXml.named(name).root(root).init(init).device(fileAt(img, "/data", true)));
        rig.start(name);
        rig.awaitConsole(name, "READY");
        rig.service().kill();
        rig.restartService();
        rig.awaitState(name, "running");
        assertTrue(loopAttached(img), "the loop device stays while the container runs");
        destroyAndCheckDetached(name, img);
    }

    @Test
    void imageReadonlyIsHonoured() throws Exception {
        Path content = rig.newHostDir();
        Files.writeString(content.resolve("hello.txt"), "ro-image\n");
        Path img = image(content, 16);
        BusyboxRoot root = rig.newRoot();
        String init = root.script("init.sh", "cat /data/hello.txt\n"
                + "if echo new > /data/new.txt; then echo WRITE-OK; else echo WRITE-REFUSED; fi\n"
                + "echo READY\nsleep 1000\n");
        String name = "rt-blk-ro";
        // No <driver>: a raw loop, libvirt's default for an image without a format.
        rig.define(LxcXml.named(name).root(root).init(init).device("<filesystem type='file'><source file='"
                + LxcXml.esc(img.toString()) + "'/><target dir='/data'/><readonly/></filesystem>"));
        rig.start(name);
        String console = rig.awaitConsole(name, "READY");
        assertTrue(console.contains("ro-image"), console);
        assertTrue(console.contains("WRITE-REFUSED"), console);
        destroyAndCheckDetached(name, img);
    }

    @Test
    void imageAsRoot() throws Exception {
        BusyboxRoot tree = rig.newRoot();
        tree.script("init.sh", "echo ROOT-IS-IMAGE; cat /marker; grep ' / ' /proc/mounts; echo READY; sleep 1000\n");
        Files.writeString(tree.path().resolve("marker"), "inside-the-image\n");
        Path img = image(tree.path(), 48);
        String name = "rt-blk-root";
        rig.define(LxcXml.named(name).init("/init.sh").device("<filesystem type='file'><source file='"
                + LxcXml.esc(img.toString()) + "'/><target dir='/'/></filesystem>"));
        rig.start(name);
        String console = rig.awaitConsole(name, "READY");
        assertTrue(console.contains("ROOT-IS-IMAGE") && console.contains("inside-the-image"), console);
        assertTrue(console.contains("ext4"), "the root is the ext4 image: " + console);
        destroyAndCheckDetached(name, img);
    }

    @Test
    void blockDeviceReadonly() throws Exception {
        Path content = rig.newHostDir();
        Files.writeString(content.resolve("hello.txt"), "on-a-device\n");
        Path img = image(content, 16);
        String dev = host("/sbin/losetup", "--find", "--show", img.toString()).assertSuccess().stdout().strip();
        try {
            BusyboxRoot root = rig.newRoot();
            String init = root.script("init.sh", "cat /dev-data/hello.txt\n"
                    + "if echo x > /dev-data/x; then echo WRITE-OK; else echo WRITE-REFUSED; fi\necho READY\nsleep 1000\n");
            String name = "rt-blk-dev";
            rig.define(LxcXml.named(name).root(root).init(init).device("<filesystem type='block'><source dev='" + dev
                    + "'/><target dir='/dev-data'/><readonly/></filesystem>"));
            rig.start(name);
            String console = rig.awaitConsole(name, "READY");
            assertTrue(console.contains("on-a-device"), console);
            assertTrue(console.contains("WRITE-REFUSED"), console);
            rig.call(name, "Destroy").assertSuccess();
            assertTrue(host("/sbin/losetup", dev).ok(), "a device the definition names is not detached by corral");
        } finally {
            host("/sbin/losetup", "-d", dev);
        }
    }

    @Test
    void imageWithoutFilesystemIsRefusedNamingTheDevice() throws Exception {
        Path img = Files.createTempFile("corral-img", ".raw");
        rig.track(() -> Files.deleteIfExists(img));
        Files.write(img, new byte[1024 * 1024]);
        BusyboxRoot root = rig.newRoot();
        String name = rig.track("rt-blk-empty");
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", "sleep 100\n")).device(fileAt(img, "/data", false)));
        Cli.Result r = rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(0))",
                Domains.path(name));
        r.assertFailure();
        assertEquals("org.corral1.Error.Failed", Rig.errorName(r), r.describe());
        assertTrue(r.stderr().contains("no known filesystem on /dev/loop"), r.stderr());
        assertFalse(loopAttached(img), "the loop device is detached on rollback");
        assertEquals("shutoff", rig.state(name));
    }

    @Test
    void nbdDriverIsRefused() throws Exception {
        BusyboxRoot root = rig.newRoot();
        String name = rig.track("rt-blk-nbd");
        rig.define(LxcXml.named(name).root(root).init(root.script("init.sh", "sleep 100\n"))
                .device("<filesystem type='file'><driver type='nbd' format='qcow2'/><source file='/var/tmp/none.qcow2'/>"
                        + "<target dir='/data'/></filesystem>"));
        Cli.Result r = rig.cli().python("container(sys.argv[1]).Start(dbus.Array([], signature='h'), dbus.UInt32(0))",
                Domains.path(name));
        r.assertFailure();
        assertEquals("org.corral1.Error.InvalidConfig", Rig.errorName(r), r.describe());
        assertTrue(r.stderr().contains("filesystem driver 'nbd' is not supported"), r.stderr());
        assertEquals("shutoff", rig.state(name));
    }
}
