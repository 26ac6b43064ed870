package org.corral.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ContainerRootTest {

    @TempDir
    Path root;

    @Test
    void anAbsoluteSymlinkIsFollowedInsideTheRootNotTheHosts() throws Exception {
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/toolbox"), "#!/bin/sh\n");
        Files.createSymbolicLink(root.resolve("bin/cat"), Path.of("/bin/toolbox"));
        Files.createSymbolicLink(root.resolve("usr"), Path.of("/"));
        assertEquals(root.resolve("bin/toolbox"), ContainerRoot.resolve(root, "/bin/cat"));
        assertEquals(root.resolve("bin/toolbox"), ContainerRoot.resolve(root, "/usr/bin/cat"));
    }

    @Test
    void relativeLinksAndDotDotStayInside() throws Exception {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("usr/bin/tool"), "x");
        Files.createDirectories(root.resolve("bin"));
        Files.createSymbolicLink(root.resolve("bin/t"), Path.of("../../../../usr/bin/tool"));
        assertEquals(root.resolve("usr/bin/tool"), ContainerRoot.resolve(root, "/bin/t"));
    }

    @Test
    void missingOrLoopingIsNull() throws Exception {
        Files.createDirectories(root.resolve("bin"));
        Files.createSymbolicLink(root.resolve("bin/a"), Path.of("/bin/b"));
        Files.createSymbolicLink(root.resolve("bin/b"), Path.of("/bin/a"));
        assertNull(ContainerRoot.resolve(root, "/bin/a"));
        assertNull(ContainerRoot.resolve(root, "/bin/nothing"));
    }
}
