package org.corral.bus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The introspection data corral serves: the hand-written contract files from the interfaces
 * module (they carry argument names and documentation, which dbus-java's generator omits),
 * plus the standard interfaces every object has.
 */
final class Introspection {

    private static final String STANDARD = """
              <interface name="org.freedesktop.DBus.Peer">
                <method name="Ping"/>
                <method name="GetMachineId">
                  <arg name="machine_uuid" type="s" direction="out"/>
                </method>
              </interface>
              <interface name="org.freedesktop.DBus.Introspectable">
                <method name="Introspect">
                  <arg name="xml_data" type="s" direction="out"/>
                </method>
              </interface>
              <interface name="org.freedesktop.DBus.Properties">
                <method name="Get">
                  <arg name="interface_name" type="s" direction="in"/>
                  <arg name="property_name" type="s" direction="in"/>
                  <arg name="value" type="v" direction="out"/>
                </method>
                <method name="GetAll">
                  <arg name="interface_name" type="s" direction="in"/>
                  <arg name="props" type="a{sv}" direction="out"/>
                </method>
                <method name="Set">
                  <arg name="interface_name" type="s" direction="in"/>
                  <arg name="property_name" type="s" direction="in"/>
                  <arg name="value" type="v" direction="in"/>
                </method>
                <signal name="PropertiesChanged">
                  <arg name="interface_name" type="s"/>
                  <arg name="changed_properties" type="a{sv}"/>
                  <arg name="invalidated_properties" type="as"/>
                </signal>
              </interface>
            """;

    static final String MANAGER = STANDARD + interfaceOf("/org.corral1.Manager.xml");
    static final String CONTAINER = STANDARD + interfaceOf("/org.corral1.Container.xml");
    static final String NETWORK = STANDARD + interfaceOf("/org.corral1.Network.xml");

    private Introspection() {
    }

    /** The {@code <interface>} element of a contract file, as text. */
    static String interfaceOf(String resource) {
        try (InputStream in = Introspection.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("contract file " + resource + " is not on the class path");
            }
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int start = xml.indexOf("  <interface ");
            int end = xml.lastIndexOf("</interface>") + "</interface>".length();
            return xml.substring(start, end) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
