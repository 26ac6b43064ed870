package org.corral.bus;

import java.util.Map;

import org.corral.config.DomainXml;
import org.corral.core.Container;
import org.corral.core.ContainerRegistry;
import org.corral.core.CorralException;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/**
 * The bus face of one {@link Container}: parses arguments, authorizes, delegates to the core and
 * replies. Holds no state of its own besides the path it is exported at.
 */
final class ContainerObject implements org.corral1.Container, org.freedesktop.dbus.interfaces.Properties {

    private final Container container;
    private final ContainerRegistry registry;
    private final Authorizer authorizer;
    private final String path;
    private final PropertyTable properties;

    ContainerObject(Container container, ContainerRegistry registry, Authorizer authorizer) {
        this.container = container;
        this.registry = registry;
        this.authorizer = authorizer;
        this.path = ObjectPaths.container(container.name());
        this.properties = new PropertyTable("org.corral1.Container")
                .add("Name", container::name)
                .add("UUID", container::uuid)
                .add("State", () -> container.state().busName())
                .add("Persistent", container::isPersistent)
                .add("ConfigPath", () -> container.configPath().map(Object::toString).orElse(""));
    }

    PropertyTable properties() {
        return properties;
    }

    @Override
    public String getObjectPath() {
        return path;
    }

    @Override
    public String GetXML(UInt32 flags) {
        return BusCalls.handle("GetXML", () -> xml(container, flags));
    }

    static String xml(Container container, UInt32 flags) throws CorralException {
        long f = flags.longValue();
        if ((f & ~XML_INACTIVE) != 0) {
            throw CorralException.invalidArgs(String.format("GetXML: unsupported flags 0x%x (known: 0x1 inactive)", f));
        }
        return DomainXml.format((f & XML_INACTIVE) != 0 ? container.inactiveDefinition() : container.definition());
    }

    @Override
    public void Undefine() {
        BusCalls.handle("Undefine", () -> undefine(registry, authorizer, container.name()));
    }

    static void undefine(ContainerRegistry registry, Authorizer authorizer, String name) throws CorralException {
        registry.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "undefine", name);
        registry.undefine(name);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A> A Get(String iface, String name) {
        return (A) properties.get(iface, name);
    }

    @Override
    public <A> void Set(String iface, String name, A value) {
        properties.set(iface, name);
    }

    @Override
    public Map<String, Variant<?>> GetAll(String iface) {
        return properties.getAll(iface);
    }
}
