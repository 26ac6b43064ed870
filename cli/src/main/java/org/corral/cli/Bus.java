package org.corral.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.corral1.Container;
import org.corral1.Manager;
import org.freedesktop.dbus.DBusMatchRule;
import org.freedesktop.dbus.Marshalling;
import org.freedesktop.dbus.RemoteInvocationHandler;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.messages.MethodCall;
import org.freedesktop.dbus.messages.NestedFdMethodCall;
import org.freedesktop.dbus.types.Variant;
import org.freedesktop.dbus.utils.DBusNamingUtil;

/**
 * One private connection to the bus org.corral1 is on, and proxies for its objects.
 *
 * <p>The bus: {@code --bus ADDRESS}, else {@code $CORRAL_BUS_ADDRESS}, else
 * {@code $DBUS_SYSTEM_BUS_ADDRESS}, else the system bus (as LIBVIRT_DEFAULT_URI does for virsh).
 *
 * <p>The proxies are dbus-java's marshalling with a thin invocation handler of our own: a D-Bus
 * error comes out as {@link BusError} with its name, whether or not a Java class exists for it
 * (dbus-java's handler turns unknown names into a nameless DBusExecutionException), and no call
 * waits less than {@link #CALL_TIMEOUT_MS} (Start returns only when init runs).
 *
 * <p>Close it before the JVM exits: an open dbus-java connection delays exit by about 300 ms.
 */
final class Bus implements AutoCloseable {
    static final String DEFAULT_SYSTEM_BUS = "unix:path=/var/run/dbus/system_bus_socket";
    static final long CALL_TIMEOUT_MS = 180_000;

    private final String address;
    private final DBusConnection connection;
    private boolean closed;

    private Bus(String address, DBusConnection connection) {
        this.address = address;
        this.connection = connection;
    }

    /** The address to use: the option, else the environment, else the system bus. */
    static String address(String option, Map<String, String> env) {
        for (String candidate : new String[] {option, env.get("CORRAL_BUS_ADDRESS"), env.get("DBUS_SYSTEM_BUS_ADDRESS")}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return DEFAULT_SYSTEM_BUS;
    }

    static Bus connect(String address) {
        try {
            // One connection attempt: dbus-java retries a missing socket every 500 ms for its
            // timeout (10 s by default), which would make "no bus" look like a hang.
            DBusConnection c = DBusConnectionBuilder.forAddress(address).withShared(false)
                    .transportConfig().withTimeout(1).back()
                    .build();
            return new Bus(address, c);
        } catch (DBusException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new BusError(null, "cannot connect to the bus at " + address + ": " + why, e);
        }
    }

    String address() {
        return address;
    }

    DBusConnection connection() {
        return connection;
    }

    Manager manager() {
        return proxy(Manager.OBJECT_PATH, Manager.class);
    }

    /** The container's object path (fails with NoSuchContainer). */
    String containerPath(String name) {
        return manager().GetContainer(name).getPath();
    }

    Container container(String path) {
        return proxy(path, Container.class);
    }

    /** A property of a container object, unwrapped from its variant. */
    Object containerProperty(String path, String property) {
        Object v = proxy(path, Properties.class).Get("org.corral1.Container", property);
        return v instanceof Variant<?> var ? var.getValue() : v;
    }

    /** Calls {@code handler} for every {@code type} signal from the object at {@code path}. */
    <T extends DBusSignal> AutoCloseable onSignal(Class<T> type, String path, Consumer<T> handler) {
        try {
            return connection.addSigHandler(new DBusMatchRule(type, null, path), handler::accept);
        } catch (DBusException e) {
            throw new BusError(null, "cannot subscribe to " + type.getSimpleName() + " signals: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    <T extends DBusInterface> T proxy(String path, Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new Handler(path, type));
    }

    /** Disconnects (idempotent). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            connection.disconnect();
        }
    }

    /** Invocation handler: marshal with dbus-java, send, wait, map errors to BusError. */
    private final class Handler implements InvocationHandler {
        private final String path;
        private final String iface;

        Handler(String path, Class<?> type) {
            this.path = path;
            this.iface = DBusNamingUtil.getInterfaceName(type);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> iface + "@" + path;
                };
            }
            if (method.getDeclaringClass() == DBusInterface.class) {
                return switch (method.getName()) {
                    case "isRemote" -> true;
                    case "getObjectPath" -> path;
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            Object[] params = args == null ? new Object[0] : args;
            Type[] types = method.getGenericParameterTypes();
            String signature = null;
            if (types.length > 0) {
                signature = Marshalling.getDBusType(types);
                params = Marshalling.convertParameters(params, types, null, connection);
            }
            String member = DBusNamingUtil.getMethodName(method);
            MethodCall call = new NestedFdMethodCall(connection.getMessageFactory().getEndianess(), Manager.BUS_NAME,
                    path, iface, member, (byte) 0, signature, params);
            if (!connection.isConnected()) {
                throw new BusError(null, "not connected to the bus at " + address);
            }
            connection.sendMessage(call);
            Message reply = call.getReply(CALL_TIMEOUT_MS);
            if (reply == null) {
                throw new BusError("org.freedesktop.DBus.Error.NoReply",
                        "no reply to " + member + " within " + CALL_TIMEOUT_MS / 1000 + " s");
            }
            if (reply instanceof org.freedesktop.dbus.messages.Error error) {
                throw new BusError(error.getName(), errorMessage(error));
            }
            return RemoteInvocationHandler.convertRV(reply.getParameters(), new Type[] {method.getGenericReturnType()},
                    method, connection);
        }

        private static String errorMessage(org.freedesktop.dbus.messages.Error error) {
            try {
                Object[] p = error.getParameters();
                if (p != null && p.length > 0) {
                    return Objects.toString(p[0], "");
                }
            } catch (DBusException e) {
                // fall through: the name alone
            }
            return error.getName();
        }
    }
}
