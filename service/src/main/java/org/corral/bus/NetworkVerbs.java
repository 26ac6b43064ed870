package org.corral.bus;

import java.util.ArrayList;
import java.util.List;

import org.corral.core.CorralException;
import org.corral.network.InterfacePlumber;
import org.corral.network.NetworkRegistry;
import org.corral.network.NetworkXml;
import org.corral.network.model.NetworkDefinition;
import org.corral1.NetworkEntry;
import org.freedesktop.dbus.DBusPath;

/**
 * The network methods of the Manager and of network objects: validate, authorize
 * (org.corral1.manage-containers, verbs define-network / undefine-network), act, reply.
 */
final class NetworkVerbs {

    private final NetworkRegistry networks;
    private final InterfacePlumber plumber;
    private final Authorizer authorizer;

    NetworkVerbs(NetworkRegistry networks, InterfacePlumber plumber, Authorizer authorizer) {
        this.networks = networks;
        this.plumber = plumber;
        this.authorizer = authorizer;
    }

    NetworkRegistry registry() {
        return networks;
    }

    DBusPath define(String xml) throws CorralException {
        NetworkDefinition def = NetworkXml.parse(xml);
        authorizer.authorize(Authorizer.MANAGE, "define-network", "network", def.getName());
        return path(networks.define(def).getName());
    }

    List<NetworkEntry> list() {
        List<NetworkEntry> out = new ArrayList<>();
        for (NetworkDefinition d : networks.list()) {
            out.add(new NetworkEntry(d.getName(), d.getUuid(), plumber.isActive(d), path(d.getName())));
        }
        return out;
    }

    DBusPath get(String name) throws CorralException {
        return path(networks.lookup(name).getName());
    }

    void undefine(String name) throws CorralException {
        networks.lookup(name);
        authorizer.authorize(Authorizer.MANAGE, "undefine-network", "network", name);
        networks.undefine(name);
    }

    String xml(String name) throws CorralException {
        return NetworkXml.format(networks.lookup(name));
    }

    boolean isActive(String name) {
        return networks.find(name).map(plumber::isActive).orElse(false);
    }

    static DBusPath path(String name) {
        return new DBusPath(ObjectPaths.network(name));
    }
}
