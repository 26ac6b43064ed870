package org.corral.bus;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.freedesktop.DBus.Error.PropertyReadOnly;
import org.freedesktop.DBus.Error.UnknownInterface;
import org.freedesktop.DBus.Error.UnknownProperty;
import org.freedesktop.dbus.types.Variant;

/**
 * org.freedesktop.DBus.Properties for one interface of one object, done by hand: dbus-java's
 * own {@code @DBusBoundProperty} support replies to Get with a bare value instead of a variant
 * (busctl get-property fails on it) and names its errors wrongly. Values are read from suppliers
 * at call time, so they are never stale.
 */
final class PropertyTable {

    /** Interfaces an object has besides its own; GetAll on them returns no properties. */
    private static final java.util.Set<String> STANDARD = java.util.Set.of(
            "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Introspectable",
            "org.freedesktop.DBus.Peer");

    private final String interfaceName;
    private final Map<String, Supplier<?>> getters = new LinkedHashMap<>();

    PropertyTable(String interfaceName) {
        this.interfaceName = interfaceName;
    }

    PropertyTable add(String name, Supplier<?> getter) {
        getters.put(name, getter);
        return this;
    }

    String interfaceName() {
        return interfaceName;
    }

    Variant<?> get(String iface, String name) {
        Supplier<?> getter = getters.get(name);
        if (getter == null || !(iface.isEmpty() || iface.equals(interfaceName))) {
            throw new UnknownProperty("no property '" + name + "' on interface '" + iface + "'");
        }
        return new Variant<>(getter.get());
    }

    Map<String, Variant<?>> getAll(String iface) {
        Map<String, Variant<?>> all = new LinkedHashMap<>();
        if (iface.isEmpty() || iface.equals(interfaceName)) {
            getters.forEach((name, getter) -> all.put(name, new Variant<>(getter.get())));
        } else if (!STANDARD.contains(iface)) {
            throw new UnknownInterface("this object has no interface '" + iface + "'");
        }
        return all;
    }

    /** Current values of some properties, for a PropertiesChanged signal. */
    Map<String, Variant<?>> values(Iterable<String> names) {
        Map<String, Variant<?>> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, get(interfaceName, name));
        }
        return out;
    }

    void set(String iface, String name) {
        get(iface, name); // unknown names get UnknownProperty first
        throw new PropertyReadOnly("property '" + name + "' of " + interfaceName + " is read-only");
    }
}
