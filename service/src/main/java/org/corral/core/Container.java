package org.corral.core;

import java.nio.file.Path;
import java.util.Optional;

import org.corral.config.model.Domain;
import org.corral.core.StateMachine.Reason;
import org.corral.launcher.RunningContainer;

/**
 * One container as the core sees it: its definitions, its state and, while it runs, its
 * processes. Only {@link ContainerRegistry} and {@link Lifecycle} change it; getters are safe
 * from any thread.
 *
 * <p>Two definitions, as in libvirt: the persistent one (stored on disk, absent for a transient
 * container) and the live one (what the running container was started with).
 */
public final class Container {

    /** What the service asked init to do, so that its end is read right. */
    public enum StopIntent { NONE, SHUTDOWN, REBOOT, DESTROY }

    private final String name;
    private final String uuid;
    private Domain persistentDefinition;
    private Domain liveDefinition;
    private ContainerState state = ContainerState.SHUTOFF;
    private Reason reason = Reason.DEFINED;
    private Path configPath;
    private RunningContainer running;
    private StopIntent stopIntent = StopIntent.NONE;
    private int exitStatus;
    private String machineName = "";

    Container(Domain persistent, Domain live, Path configPath) {
        Domain any = persistent != null ? persistent : live;
        this.name = any.getName();
        this.uuid = any.getUuid();
        this.persistentDefinition = persistent;
        this.liveDefinition = live;
        this.configPath = configPath;
    }

    public String name() {
        return name;
    }

    public String uuid() {
        return uuid;
    }

    public synchronized ContainerState state() {
        return state;
    }

    public synchronized Reason reason() {
        return reason;
    }

    public synchronized boolean isPersistent() {
        return persistentDefinition != null;
    }

    /** The stored file, or empty for a transient container. */
    public synchronized Optional<Path> configPath() {
        return isPersistent() ? Optional.of(configPath) : Optional.empty();
    }

    /** The definition in effect: the live one while active, else the persistent one. */
    public synchronized Domain definition() {
        return state.isActive() && liveDefinition != null ? liveDefinition : inactiveDefinition();
    }

    /** The persistent definition, or the live one for a transient container. */
    public synchronized Domain inactiveDefinition() {
        return persistentDefinition != null ? persistentDefinition : liveDefinition;
    }

    public synchronized Optional<RunningContainer> running() {
        return Optional.ofNullable(running);
    }

    /** Host PID of init, 0 when not running. */
    public synchronized int leader() {
        return running == null || running.init() == null ? 0 : running.init().pid();
    }

    public synchronized int supervisorPid() {
        return running == null || running.supervisor() == null ? 0 : running.supervisor().pid();
    }

    /** Microseconds since the epoch at the last start, 0 when not running. */
    public synchronized long startedAt() {
        return running == null ? 0 : running.startedAtMicros();
    }

    public synchronized String cgroupPath() {
        return running == null ? "" : running.cgroup().relativePath();
    }

    /** How init last ended: its exit code, or 128 + the signal that killed it. */
    public synchronized int exitStatus() {
        return exitStatus;
    }

    /** The name systemd-machined knows the container by, "" when it is not registered. */
    public synchronized String machineName() {
        return machineName;
    }

    synchronized void setMachineName(String name) {
        this.machineName = name;
    }

    synchronized StopIntent stopIntent() {
        return stopIntent;
    }

    synchronized void setStopIntent(StopIntent intent) {
        this.stopIntent = intent;
    }

    synchronized void replacePersistentDefinition(Domain definition, Path path) {
        this.persistentDefinition = definition;
        this.configPath = path;
    }

    synchronized void dropPersistentDefinition() {
        if (liveDefinition == null) {
            liveDefinition = persistentDefinition;
        }
        this.persistentDefinition = null;
    }

    /**
     * The definition a start runs on: a copy of the persistent one (later edits of the config
     * must not touch a running container; a copy is a few microseconds, ModelCopy). A transient
     * container has no other definition and runs on its own.
     */
    synchronized Domain takeLiveCopy() {
        Domain inactive = inactiveDefinition();
        return persistentDefinition == null ? inactive : inactive.copy();
    }

    synchronized void setLiveDefinition(Domain live) {
        this.liveDefinition = live;
    }

    synchronized Domain liveDefinition() {
        return liveDefinition;
    }

    synchronized void setRunning(RunningContainer rc) {
        this.running = rc;
    }

    synchronized void setExitStatus(int status) {
        this.exitStatus = status;
    }

    synchronized void setState(ContainerState to, Reason why) {
        StateMachine.check(state, to);
        this.state = to;
        this.reason = why;
    }
}
