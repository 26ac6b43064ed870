package org.corral1;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusProperty;
import org.freedesktop.dbus.annotations.DBusProperty.Access;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;

/**
 * org.corral1.Container, one object per container under {@value #PATH_PREFIX}. The documented
 * contract is {@code org.corral1.Container.xml}; a test keeps the two equal.
 */
@DBusInterfaceName("org.corral1.Container")
@DBusProperty(name = "Name", type = String.class, access = Access.READ)
@DBusProperty(name = "UUID", type = String.class, access = Access.READ)
@DBusProperty(name = "State", type = String.class, access = Access.READ)
@DBusProperty(name = "Persistent", type = Boolean.class, access = Access.READ)
@DBusProperty(name = "ConfigPath", type = String.class, access = Access.READ)
public interface Container extends DBusInterface {

    String PATH_PREFIX = "/org/corral1/container";

    /** {@code GetXML} flag: the persistent definition instead of the live one. */
    int XML_INACTIVE = 1;

    String GetXML(UInt32 flags);

    void Undefine();
}
