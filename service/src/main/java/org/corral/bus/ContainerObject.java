package org.corral.bus;

import java.util.List;
import java.util.Map;

import org.corral.config.DomainXml;
import org.corral.core.Container;
import org.corral.core.CorralException;
import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

/**
 * The bus face of one {@link Container}: parses arguments, authorizes, delegates to the core and
 * replies. Holds no state of its own besides the path it is exported at.
 */
final class ContainerObject extends PropertiesObject implements org.corral1.Container {

    private final Container container;
    private final ContainerVerbs verbs;
    private final ContainerVerbs.ExecEnds execEnds;
    private final StatsFormat stats;
    private final String path;

    ContainerObject(Container container, ContainerVerbs verbs, ContainerVerbs.ExecEnds execEnds, StatsFormat stats) {
        super(propertiesOf(container));
        this.container = container;
        this.verbs = verbs;
        this.execEnds = execEnds;
        this.stats = stats;
        this.path = ObjectPaths.container(container.name());
    }

    private static PropertyTable propertiesOf(Container container) {
        return new PropertyTable("org.corral1.Container")
                .add("Name", container::name)
                .add("UUID", container::uuid)
                .add("State", () -> container.state().busName())
                .add("Persistent", container::isPersistent)
                .add("ConfigPath", () -> container.configPath().map(Object::toString).orElse(""))
                .add("Leader", () -> new UInt32(container.leader()))
                .add("SupervisorPID", () -> new UInt32(container.supervisorPid()))
                .add("StartedAt", () -> new UInt64(container.startedAt()))
                .add("CgroupPath", container::cgroupPath)
                .add("ExitStatus", container::exitStatus)
                .add("MachineName", container::machineName);
    }

    @Override
    public String getObjectPath() {
        return path;
    }

    @Override
    public String GetXML(UInt32 flags) {
        return BusCalls.handle("GetXML", () -> xml(container, flags, verbs.authorizer()));
    }

    /**
     * The definition holds host paths and addresses: unprivileged callers need read-config
     * (machined showed such details to every local user, CVE-2016-6349).
     */
    static String xml(Container container, UInt32 flags, Authorizer authorizer) throws CorralException {
        long f = flags.longValue();
        if ((f & ~XML_INACTIVE) != 0) {
            throw CorralException.invalidArgs(String.format("GetXML: unsupported flags 0x%x (known: 0x1 inactive)", f));
        }
        authorizer.authorize(Authorizer.READ, "dumpxml", container.name());
        return DomainXml.format((f & XML_INACTIVE) != 0 ? container.inactiveDefinition() : container.definition());
    }

    @Override
    public void Undefine() {
        BusCalls.handle("Undefine", () -> verbs.undefine(container.name()));
    }

    @Override
    public void Start(List<FileDescriptor> fds, UInt32 flags) {
        BusCalls.handle("Start", () -> verbs.start(container.name(), fds, flags));
    }

    @Override
    public void StartWithFdNames(List<FileDescriptor> fds, List<String> fdNames, UInt32 flags) {
        BusCalls.handle("StartWithFdNames", () -> verbs.start(container.name(), fds, fdNames, flags));
    }

    @Override
    public void Shutdown(UInt32 flags) {
        BusCalls.handle("Shutdown", () -> verbs.shutdown(container.name(), flags));
    }

    @Override
    public void Reboot(UInt32 flags) {
        BusCalls.handle("Reboot", () -> verbs.reboot(container.name(), flags));
    }

    @Override
    public void Destroy() {
        BusCalls.handle("Destroy", () -> verbs.destroy(container.name()));
    }

    @Override
    public FileDescriptor OpenConsole(String devname, UInt32 flags) {
        return BusCalls.handle("OpenConsole", () -> verbs.openConsole(container.name(), devname, flags));
    }

    @Override
    public UInt32 Exec(List<String> argv, List<String> env, FileDescriptor stdin, FileDescriptor stdout,
            FileDescriptor stderr, UInt32 flags) {
        return BusCalls.handle("Exec", () -> verbs.exec(container.name(), argv, env, List.of(stdin, stdout, stderr), flags, execEnds));
    }

    @Override
    public Map<String, Variant<?>> GetStats() {
        return BusCalls.handle("GetStats", () -> stats.of(container.name()));
    }
}
