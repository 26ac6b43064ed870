package org.corral.daemon;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.config.DomainXml;
import org.corral.core.CorralException;
import org.corral.network.NetworkXml;
import org.corral.sys.Native;

/**
 * The run that records corrald's class list for its class archive (the wrapper passes
 * {@code -Dcorral.cds.recording=true} with {@code -XX:DumpLoadedClassList}) reads and writes a
 * sample definition once, after the name is taken, and binds the native layer. Otherwise a
 * first run with no container defined (a fresh install's first activation) records no JAXB
 * class, and every later activation with containers defined loads the whole XML model from the
 * jar: 330 against 260 ms median here; and the first start after each activation loads jnr-ffi
 * and ASM from the jar.
 */
final class ClassListWarmup {

    private static final Logger LOG = LogManager.getLogger(ClassListWarmup.class);

    /** A definition that touches the commonly used parts of the model. */
    static final String SAMPLE = """
            <domain type='lxc'>
              <name>corral-class-list-sample</name>
              <uuid>3b5c1a6e-0d6e-4d2c-9d0f-5e2a8c3e9a11</uuid>
              <memory unit='MiB'>64</memory>
              <currentMemory unit='MiB'>64</currentMemory>
              <vcpu>1</vcpu>
              <cputune><shares>1024</shares><period>100000</period><quota>50000</quota></cputune>
              <os><type>exe</type><init>/sbin/init</init><initarg>--log-target=console</initarg>
                <initenv name='FOO'>bar</initenv></os>
              <features><privnet/></features>
              <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
              <devices>
                <filesystem type='mount'><source dir='/srv/sample'/><target dir='/'/></filesystem>
                <interface type='network'><source network='default'/></interface>
                <console type='pty'/>
              </devices>
            </domain>
            """;

    private ClassListWarmup() {
    }

    static boolean recording() {
        return Boolean.getBoolean("corral.cds.recording");
    }

    /** On a thread of its own: the service answers meanwhile. */
    static Thread start() {
        Thread t = new Thread(() -> {
            try {
                DomainXml.format(DomainXml.parse(SAMPLE));
                NetworkXml.format(NetworkXml.parse(NetworkXml.format(NetworkXml.builtInDefault())));
                // The first start binds the native layer: jnr-ffi's and ASM's classes (not the
                // bytecode they generate) then come from the archive.
                Native.bind();
            } catch (CorralException | RuntimeException e) {
                LOG.warn("class list warm-up: {}", e.getMessage());
            }
        }, "corral-class-list");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** At the service's stop: the list is complete only once the warm-up is (a quick SIGTERM). */
    static void awaitEnd(Thread warmup) {
        try {
            warmup.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
