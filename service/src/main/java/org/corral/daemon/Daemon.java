package org.corral.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.corral.audit.AuditLog;
import org.corral.audit.ContainerAudit;
import org.corral.bus.BusService;
import org.corral.config.model.Domain;
import org.corral.core.ContainerRegistry;
import org.corral.core.CorralException;
import org.corral.core.Lifecycle;
import org.corral.launcher.Launcher;
import org.corral.launcher.StatsReader;
import org.corral.launcher.cgroup.CgroupLayout;
import org.corral.launcher.cgroup.CgroupManager;
import org.corral.launcher.supervisor.SupervisorMonitor;
import org.corral.network.InterfacePlumber;
import org.corral.network.NetworkRegistry;
import org.corral.network.NetworkStore;
import org.corral.store.ConfigStore;
import org.corral.sys.Native;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.exceptions.DBusException;

import sun.misc.Signal;

/**
 * The service's life, in the order machined's main() has it: directories, load state, export
 * every object, take the bus name, serve until SIGTERM/SIGINT or the bus goes away, then close.
 */
final class Daemon {

    private static final Logger LOG = LogManager.getLogger(Daemon.class);

    private final Settings settings;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger exitCode = new AtomicInteger(0);

    private final BusConnector connector;
    private final ConfigStore store;
    private final DefinitionLoader definitions;

    Daemon(Settings settings, BusConnector connector, ConfigStore store, DefinitionLoader definitions) {
        this.settings = settings;
        this.connector = connector;
        this.store = store;
        this.definitions = definitions;
    }

    int run() {
        // The JVM's default SIGTERM action exits with 143, which systemd counts as a failure.
        Signal.handle(new Signal("TERM"), s -> requestStop(0, "SIGTERM"));
        Signal.handle(new Signal("INT"), s -> requestStop(0, "SIGINT"));
        // A dbus-java connection is deaf after a loss: exit so that activation can start afresh.
        connector.onLoss(e -> requestStop(1, "loss of the bus connection (" + e.getMessage() + ")"));

        ContainerRegistry registry;
        Lifecycle lifecycle;
        StatsReader statsReader;
        SupervisorMonitor monitor;
        NetworkRegistry networks;
        InterfacePlumber plumber;
        try {
            Files.createDirectories(settings.runtimeDir());
            networks = new NetworkRegistry(new NetworkStore(settings.networkDir()));
            networks.load();
            plumber = new InterfacePlumber(networks);
            InterfacePlumber usage = plumber;
            CgroupLayout layout = CgroupLayout.detect();
            registry = new ContainerRegistry(store);
            for (Domain d : definitions.await()) {
                try {
                    registry.restore(d);
                } catch (CorralException e) {
                    LOG.error("skipping {}: {}", store.pathOf(d.getName()), e.getMessage());
                }
            }
            networks.setUsage(name -> networkUsers(name, registry, usage));
            monitor = new SupervisorMonitor();
            Launcher launcher = new Launcher(settings.supervisor(), settings.runtimeDir(), new CgroupManager(layout), monitor,
                    plumber);
            lifecycle = new Lifecycle(registry, launcher, new ContainerAudit(new AuditLog()));
            statsReader = new StatsReader(layout);
            // Before the name is taken: callers must see the real states of running containers.
            lifecycle.reattachAll();
            LOG.info("cgroups: {}; supervisor {}", layout, settings.supervisor());
        } catch (IOException e) {
            LOG.error("cannot prepare {}, {} or {}: {}", settings.configDir(), settings.runtimeDir(),
                    settings.networkDir(), e.toString());
            connector.abandon();
            return 1;
        }

        org.corral.machined.Machines machines = null;
        try (DBusConnection bus = connector.await()) {
            new BusService(bus, registry, lifecycle, statsReader, Version.get(), networks, plumber).start();
            lifecycle.deferFollowUps(org.corral.bus.AfterReply::run);
            // Registrations stay with machined when the service stops: the next one re-attaches.
            machines = org.corral.machined.Machines.on(bus);
            lifecycle.attachMachines(machines);
            LOG.info("corrald {} serving {} on the bus: config {}, runtime {}, {} container(s)",
                    Version.get(), org.corral1.Manager.BUS_NAME, settings.configDir(), settings.runtimeDir(),
                    registry.list().size());
            Thread warmup = ClassListWarmup.recording() ? ClassListWarmup.start() : null;
            bindNativeLayer();
            if (settings.idleTimeoutSeconds() > 0) {
                new IdleExit(settings.idleTimeoutSeconds(),
                        () -> registry.list().stream().anyMatch(c -> c.state().isActive()),
                        () -> requestStop(0, "idle timeout (" + settings.idleTimeoutSeconds() + " s)")).start();
            }
            stop.await();
            if (warmup != null) {
                ClassListWarmup.awaitEnd(warmup);
            }
            machines.close();
        } catch (DBusException e) {
            LOG.error("cannot serve {} on the bus: {}", org.corral1.Manager.BUS_NAME, e.getMessage());
            return 1;
        } catch (IOException e) {
            LOG.warn("closing the bus connection failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lifecycle.close();
        try {
            monitor.close();
        } catch (IOException e) {
            LOG.warn("closing the supervisor monitor failed: {}", e.toString());
        }
        // Containers and their supervisors go on; the next service process re-attaches.
        LOG.info("corrald stopped");
        return exitCode.get();
    }

    /**
     * The first start binds the native layer (jnr-ffi generating its calls: about 50 ms with the
     * class archive); a thread of its own does it now, once the name is taken, off the path of
     * the call that activated the service and of the start that likely follows.
     */
    private static void bindNativeLayer() {
        Thread t = new Thread(() -> {
            try {
                Native.bind();
            } catch (LinkageError e) {
                LOG.error("cannot bind the native layer; starting containers will fail: {}", e.toString());
            }
        }, "corral-native");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Running containers on a network, for UndefineNetwork: those with NICs on it, and those
     * whose live definition names it (still starting).
     */
    private static java.util.Collection<String> networkUsers(String network, ContainerRegistry registry,
            InterfacePlumber plumber) {
        java.util.Set<String> users = new java.util.TreeSet<>(plumber.usersOf(network));
        for (org.corral.core.Container c : registry.list()) {
            if (c.state().isActive() && c.definition().getDevices().getInterfaces().stream()
                    .anyMatch(i -> "network".equals(i.getType()) && i.getSource() != null
                            && network.equals(i.getSource().getNetwork()))) {
                users.add(c.name());
            }
        }
        return users;
    }

    private void requestStop(int code, String why) {
        if (stop.getCount() > 0) {
            LOG.info("stopping on {}", why);
            exitCode.compareAndSet(0, code);
            stop.countDown();
        }
    }
}
