package org.corral1;

import java.util.List;
import java.util.Map;

import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusProperty;
import org.freedesktop.dbus.annotations.DBusProperty.Access;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

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
@DBusProperty(name = "Leader", type = UInt32.class, access = Access.READ)
@DBusProperty(name = "SupervisorPID", type = UInt32.class, access = Access.READ)
@DBusProperty(name = "StartedAt", type = UInt64.class, access = Access.READ)
@DBusProperty(name = "CgroupPath", type = String.class, access = Access.READ)
@DBusProperty(name = "ExitStatus", type = Integer.class, access = Access.READ)
@DBusProperty(name = "MachineName", type = String.class, access = Access.READ)
public interface Container extends DBusInterface {

    String PATH_PREFIX = "/org/corral1/container";

    /** {@code GetXML} flag: the persistent definition instead of the live one. */
    int XML_INACTIVE = 1;

    String GetXML(UInt32 flags);

    void Undefine();

    void Start(List<FileDescriptor> fds, UInt32 flags);

    void StartWithFdNames(List<FileDescriptor> fds, List<String> fdNames, UInt32 flags);

    void Shutdown(UInt32 flags);

    void Reboot(UInt32 flags);

    void Destroy();

    /** {@code OpenConsole} flag: take the console over from another client. */
    int CONSOLE_FORCE = 1;

    FileDescriptor OpenConsole(String devname, UInt32 flags);

    UInt32 Exec(List<String> argv, List<String> env, FileDescriptor stdin, FileDescriptor stdout,
            FileDescriptor stderr, UInt32 flags);

    Map<String, Variant<?>> GetStats();

    /** A command started with Exec ended. */
    class ExecExited extends DBusSignal {
        public final UInt32 execId;
        public final int code;
        public final int signal;

        public ExecExited(String path, UInt32 execId, int code, int signal) throws DBusException {
            super(path, execId, code, signal);
            this.execId = execId;
            this.code = code;
            this.signal = signal;
        }
    }

    /** Every state change, with its reason. */
    class StateChanged extends DBusSignal {
        public final String state;
        public final String reason;

        public StateChanged(String path, String state, String reason) throws DBusException {
            super(path, state, reason);
            this.state = state;
            this.reason = reason;
        }
    }
}
