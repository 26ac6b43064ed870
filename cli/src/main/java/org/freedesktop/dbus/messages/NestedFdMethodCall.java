package org.freedesktop.dbus.messages;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.freedesktop.dbus.FileDescriptor;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.messages.constants.ArgumentType;
import org.freedesktop.dbus.messages.constants.HeaderField;
import org.freedesktop.dbus.types.UInt32;

/**
 * A method call whose UNIX_FDS header field counts every fd in it, also those inside arrays
 * ({@code ah}), for corralctl's Start/CreateXML with --pass-fds.
 *
 * <p>Works around a dbus-java 5.1.1 bug (still on its main branch): MethodBase counts only
 * top-level FileDescriptor arguments, so a call with {@code ah} goes out with the fds attached
 * (SCM_RIGHTS) but without UNIX_FDS; dbus-daemon holds the fds back ("Unix fds pending for too
 * long") and the receiver gets handle indices without fds. This class lives in dbus-java's
 * package because that method is package-private; corralctl runs on the class path, where that
 * is allowed.
 */
public final class NestedFdMethodCall extends MethodCall {

    public NestedFdMethodCall(byte endianness, String dest, String path, String iface, String member, byte flags,
            String sig, Object... args) throws DBusException {
        super(endianness, null, dest, path, iface, member, flags, sig, args);
    }

    @Override
    void appendFileDescriptors(List<Object> hargs, Object... args) {
        long total = count(args);
        if (total > 0) {
            hargs.add(createHeaderArgs(HeaderField.UNIX_FDS, ArgumentType.UINT32_STRING, new UInt32(total)));
        }
    }

    static long count(Object value) {
        if (value instanceof FileDescriptor) {
            return 1;
        }
        long n = 0;
        if (value instanceof Object[] array) {
            for (Object o : array) {
                n += count(o);
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                n += count(o);
            }
        } else if (value instanceof Map<?, ?> m) {
            for (Object o : m.values()) {
                n += count(o);
            }
        }
        return n;
    }
}
