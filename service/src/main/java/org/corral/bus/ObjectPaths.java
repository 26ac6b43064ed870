package org.corral.bus;

import org.corral1.Container;

/** Where objects live on the bus. */
final class ObjectPaths {

    private ObjectPaths() {
    }

    static String container(String name) {
        return Container.PATH_PREFIX + "/" + BusLabel.escape(name);
    }

    static String network(String name) {
        return org.corral1.Network.PATH_PREFIX + "/" + BusLabel.escape(name);
    }
}
