package org.corral1;

import java.util.List;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusProperty;
import org.freedesktop.dbus.annotations.DBusProperty.Access;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;

/**
 * org.corral1.Manager, exported at {@value #OBJECT_PATH}. The documented contract is
 * {@code org.corral1.Manager.xml} beside this class's resources; a test keeps the two equal.
 */
@DBusInterfaceName("org.corral1.Manager")
@DBusProperty(name = "Version", type = String.class, access = Access.READ)
public interface Manager extends DBusInterface {

    String BUS_NAME = "org.corral1";
    String OBJECT_PATH = "/org/corral1";

    DBusPath DefineXML(String xml);

    List<ContainerEntry> ListContainers();

    DBusPath GetContainer(String name);

    DBusPath GetContainerByUUID(String uuid);

    String GetContainerXML(String name, UInt32 flags);

    DBusPath CreateXML(String xml, List<FileDescriptor> fds, UInt32 flags);

    DBusPath CreateXMLWithFdNames(String xml, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags);

    void StartContainer(String name, List<FileDescriptor> fds, UInt32 flags);

    void StartContainerWithFdNames(String name, List<FileDescriptor> fds, List<String> fdNames, UInt32 flags);

    void ShutdownContainer(String name, UInt32 flags);

    void RebootContainer(String name, UInt32 flags);

    void DestroyContainer(String name);

    List<ContainerStats> GetAllStats();

    void UndefineContainer(String name);

    DBusPath DefineNetworkXML(String xml);

    List<NetworkEntry> ListNetworks();

    DBusPath GetNetwork(String name);

    void UndefineNetwork(String name);

    /** A container object appeared. */
    class ContainerNew extends DBusSignal {
        public final String name;
        public final DBusPath container;

        public ContainerNew(String path, String name, DBusPath container) throws DBusException {
            super(path, name, container);
            this.name = name;
            this.container = container;
        }
    }

    /** A container object went away. */
    class ContainerRemoved extends DBusSignal {
        public final String name;
        public final DBusPath container;

        public ContainerRemoved(String path, String name, DBusPath container) throws DBusException {
            super(path, name, container);
            this.name = name;
            this.container = container;
        }
    }
}
