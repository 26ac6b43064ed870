package org.corral.bus;

import org.corral.network.model.NetworkDefinition;

/** The bus face of one network, at /org/corral1/network/NAME; reads the registry at call time. */
final class NetworkObject extends PropertiesObject implements org.corral1.Network {

    private final String name;
    private final NetworkVerbs verbs;
    private final String path;

    NetworkObject(String name, NetworkVerbs verbs) {
        super(new PropertyTable("org.corral1.Network")
                .add("Name", () -> name)
                .add("UUID", () -> verbs.registry().find(name).map(NetworkDefinition::getUuid).orElse(""))
                .add("Bridge", () -> verbs.registry().find(name).map(NetworkDefinition::bridgeName).orElse(""))
                .add("Active", () -> verbs.isActive(name)));
        this.name = name;
        this.verbs = verbs;
        this.path = ObjectPaths.network(name);
    }

    @Override
    public String getObjectPath() {
        return path;
    }

    @Override
    public String GetXML() {
        return BusCalls.handle("GetXML", () -> verbs.xml(name));
    }
}
