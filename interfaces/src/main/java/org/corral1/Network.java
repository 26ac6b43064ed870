package org.corral1;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusProperty;
import org.freedesktop.dbus.annotations.DBusProperty.Access;
import org.freedesktop.dbus.interfaces.DBusInterface;

/**
 * org.corral1.Network, one object per network under {@value #PATH_PREFIX}. The documented
 * contract is {@code org.corral1.Network.xml}; a test keeps the two equal.
 */
@DBusInterfaceName("org.corral1.Network")
@DBusProperty(name = "Name", type = String.class, access = Access.READ)
@DBusProperty(name = "UUID", type = String.class, access = Access.READ)
@DBusProperty(name = "Bridge", type = String.class, access = Access.READ)
@DBusProperty(name = "Active", type = Boolean.class, access = Access.READ)
public interface Network extends DBusInterface {

    String PATH_PREFIX = "/org/corral1/network";

    String GetXML();
}
