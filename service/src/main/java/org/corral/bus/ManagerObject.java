package org.corral.bus;

import java.util.ArrayList;
import java.util.List;

import org.corral.config.DomainXml;
import org.corral.config.model.Domain;
import org.corral.core.Container;
import org.corral.core.ContainerRegistry;
import org.corral.core.CorralException;
import org.corral1.ContainerEntry;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.types.UInt32;

/**
 * The bus face of the registry at /org/corral1. Each method: validate the arguments, authorize
 * the caller, act through the core, reply. Per-container verbs taking a name delegate to the
 * same code as the container object's methods.
 */
final class ManagerObject extends PropertiesObject implements org.corral1.Manager {

    private final ContainerRegistry registry;
    private final ContainerVerbs verbs;
    private final Authorizer authorizer;

    private final StatsFormat stats;

    private final NetworkVerbs networks;

    ManagerObject(ContainerRegistry registry, ContainerVerbs verbs, StatsFormat stats, String version,
            NetworkVerbs networks) {
        super(new PropertyTable("org.corral1.Manager").add("Version", () -> version));
        this.networks = networks;
        this.registry = registry;
        this.stats = stats;
        this.verbs = verbs;
        this.authorizer = verbs.authorizer();
    }

    @Override
    public String getObjectPath() {
        return OBJECT_PATH;
    }

    @Override
    public DBusPath DefineXML(String xml) {
        return BusCalls.handle("DefineXML", () -> {
            Domain definition = DomainXml.parse(xml);
            authorizer.authorize(Authorizer.MANAGE, "define", definition.getName());
            return path(registry.define(definition));
        });
    }

    @Override
    public List<ContainerEntry> ListContainers() {
        return BusCalls.handle("ListContainers", () -> {
            List<ContainerEntry> out = new ArrayList<>();
            for (Container c : registry.list()) {
                out.add(new ContainerEntry(c.name(), c.uuid(), c.state().busName(), path(c)));
            }
            return out;
        });
    }

    @Override
    public DBusPath GetContainer(String name) {
        return BusCalls.handle("GetContainer", () -> path(registry.lookup(name)));
    }

    @Override
    public DBusPath GetContainerByUUID(String uuid) {
        return BusCalls.handle("GetContainerByUUID", () -> path(registry.lookupByUuid(uuid)));
    }

    @Override
    public String GetContainerXML(String name, UInt32 flags) {
        return BusCalls.handle("GetContainerXML", () -> ContainerObject.xml(registry.lookup(name), flags, authorizer));
    }

    @Override
    public DBusPath CreateXML(String xml, List<FileDescriptor> fds, UInt32 flags) {
        return create("CreateXML", xml, fds, List.of(), flags);
    }

    @Override
    public DBusPath CreateXMLWithFdNames(String xml, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags) {
        return create("CreateXMLWithFdNames", xml, fds, fdNames, flags);
    }

    @Override
    public void StartContainerWithFdNames(String name, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags) {
        BusCalls.handle("StartContainerWithFdNames", () -> verbs.start(name, fds, fdNames, flags));
    }

    private DBusPath create(String method, String xml, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags) {
        return BusCalls.handle(method, () -> {
            try {
                ContainerVerbs.requireNoFlags("CreateXML", flags);
                List<Integer> ints = ContainerVerbs.fdNumbers(fds);
                Domain definition = DomainXml.parse(xml);
                authorizer.authorize(Authorizer.MANAGE, "create", definition.getName());
                return path(verbs.lifecycle().create(definition, ints, fdNames));
            } finally {
                ContainerVerbs.closeAll(fds);
            }
        });
    }

    @Override
    public void StartContainer(String name, List<FileDescriptor> fds, UInt32 flags) {
        BusCalls.handle("StartContainer", () -> verbs.start(name, fds, flags));
    }

    @Override
    public void ShutdownContainer(String name, UInt32 flags) {
        BusCalls.handle("ShutdownContainer", () -> verbs.shutdown(name, flags));
    }

    @Override
    public void RebootContainer(String name, UInt32 flags) {
        BusCalls.handle("RebootContainer", () -> verbs.reboot(name, flags));
    }

    @Override
    public void DestroyContainer(String name) {
        BusCalls.handle("DestroyContainer", () -> verbs.destroy(name));
    }

    @Override
    public List<org.corral1.ContainerStats> GetAllStats() {
        return BusCalls.handle("GetAllStats", () -> {
            List<org.corral1.ContainerStats> out = new ArrayList<>();
            for (Container c : registry.list()) {
                if (c.state().isActive()) {
                    try {
                        out.add(new org.corral1.ContainerStats(c.name(), stats.of(c.name())));
                    } catch (CorralException e) {
                        // stopped meanwhile: not running any more, so not listed
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void UndefineContainer(String name) {
        BusCalls.handle("UndefineContainer", () -> verbs.undefine(name));
    }

    @Override
    public DBusPath DefineNetworkXML(String xml) {
        return BusCalls.handle("DefineNetworkXML", () -> networks.define(xml));
    }

    @Override
    public List<org.corral1.NetworkEntry> ListNetworks() {
        return BusCalls.handle("ListNetworks", () -> networks.list());
    }

    @Override
    public DBusPath GetNetwork(String name) {
        return BusCalls.handle("GetNetwork", () -> networks.get(name));
    }

    @Override
    public void UndefineNetwork(String name) {
        BusCalls.handle("UndefineNetwork", () -> networks.undefine(name));
    }

    private static DBusPath path(Container c) {
        return new DBusPath(ObjectPaths.container(c.name()));
    }
}
