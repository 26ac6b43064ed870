package org.corral.bus;

import java.util.Map;

import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.Variant;

/**
 * An exported object whose org.freedesktop.DBus.Properties calls are answered from one
 * {@link PropertyTable}: Get and GetAll read it, Set is always refused (PropertyReadOnly, or
 * UnknownProperty for names it does not have).
 */
abstract class PropertiesObject implements Properties {

    private final PropertyTable properties;

    protected PropertiesObject(PropertyTable properties) {
        this.properties = properties;
    }

    PropertyTable properties() {
        return properties;
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
