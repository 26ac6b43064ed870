package org.corral.bus;

import java.util.Map;

import org.corral.network.model.NetworkDefinition;
import org.freedesktop.dbus.types.Variant;

/** The bus face of one network, at /org/corral1/network/NAME; reads the registry at call time. */
final class NetworkObject implements org.corral1.Network, org.freedesktop.dbus.interfaces.Properties {

    private final String name;
    private final NetworkVerbs verbs;
    private final String path;
    private final PropertyTable properties;

    NetworkObject(String name, NetworkVerbs verbs) {
        this.name = name;
        this.verbs = verbs;
        this.path = ObjectPaths.network(name);
        this.properties = new PropertyTable("org.corral1.Network")
                .add("Name", () -> name)
                .add("UUID", () -> verbs.registry().find(name).map(NetworkDefinition::getUuid).orElse(""))
                .add("Bridge", () -> verbs.registry().find(name).map(NetworkDefinition::bridgeName).orElse(""))
                .add("Active", () -> verbs.isActive(name));
    }

    PropertyTable properties() {
        return properties;
    }

    @Override
    public String getObjectPath() {
        return path;
    }

    @Override
    public String GetXML() {
        return BusCalls.handle("GetXML", () -> verbs.xml(name));
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
