package org.corral.machined;

import java.util.List;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/**
 * The members of org.freedesktop.machine1.Manager that corral calls (systemd 252 has them all;
 * see org.freedesktop.machine1(5)). Argument order and types as machined's introspection data.
 */
@DBusInterfaceName("org.freedesktop.machine1.Manager")
public interface Machine1 extends DBusInterface {

    String BUS_NAME = "org.freedesktop.machine1";
    String OBJECT_PATH = "/org/freedesktop/machine1";
    String MACHINE_IFACE = "org.freedesktop.machine1.Machine";

    DBusPath GetMachine(String name);

    List<MachineEntry> ListMachines();

    DBusPath CreateMachineWithNetwork(String name, byte[] id, String service, String machineClass, UInt32 leader,
            String rootDirectory, int[] ifindices, List<ScopeProperty> scopeProperties);

    DBusPath CreateMachine(String name, byte[] id, String service, String machineClass, UInt32 leader,
            String rootDirectory, List<ScopeProperty> scopeProperties);

    DBusPath RegisterMachineWithNetwork(String name, byte[] id, String service, String machineClass, UInt32 leader,
            String rootDirectory, int[] ifindices);

    DBusPath RegisterMachine(String name, byte[] id, String service, String machineClass, UInt32 leader,
            String rootDirectory);

    void TerminateMachine(String name);

    void UnregisterMachine(String name);

    /** (sv): a property of the transient scope machined asks systemd for; corral passes none. */
    final class ScopeProperty extends Struct {
        @Position(0)
        private final String name;
        @Position(1)
        private final Variant<?> value;

        public ScopeProperty(String name, Variant<?> value) {
            this.name = name;
            this.value = value;
        }

        public String getName() {
            return name;
        }

        public Variant<?> getValue() {
            return value;
        }
    }

    /** (ssso): name, class, service, object path. */
    final class MachineEntry extends Struct {
        @Position(0)
        private final String name;
        @Position(1)
        private final String machineClass;
        @Position(2)
        private final String service;
        @Position(3)
        private final DBusPath path;

        public MachineEntry(String name, String machineClass, String service, DBusPath path) {
            this.name = name;
            this.machineClass = machineClass;
            this.service = service;
            this.path = path;
        }

        public String getName() {
            return name;
        }

        public String getMachineClass() {
            return machineClass;
        }

        public String getService() {
            return service;
        }

        public DBusPath getPath() {
            return path;
        }
    }
}
