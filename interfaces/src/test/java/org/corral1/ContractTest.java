package org.corral1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.io.StringReader;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.freedesktop.dbus.annotations.DBusProperty;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.ExportedObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The contract files (what clients read) and the Java interfaces (what dbus-java dispatches on)
 * must describe the same methods, signals and properties. The running service's introspection
 * is compared with the files by the integration tests.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContractTest {

    @ParameterizedTest
    @ValueSource(classes = {Manager.class, Container.class, Network.class})
    void javaInterfaceMatchesTheContractFile(Class<? extends DBusInterface> iface) throws Exception {
        String name = iface.getAnnotation(org.freedesktop.dbus.annotations.DBusInterfaceName.class).value();
        Element documented = interfaceElement(parse(resource("/" + name + ".xml")), name);

        Object impl = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, (p, m, a) -> null);
        String generated = "<node>" + new ExportedObject((DBusInterface) impl, false).getIntrospectiondata() + "</node>";
        Element exported = interfaceElement(parse(generated), name);

        assertEquals(members(documented, "method"), members(exported, "method"), name + " methods");
        assertEquals(members(documented, "signal"), members(exported, "signal"), name + " signals");
        assertEquals(properties(documented), declaredProperties(iface), name + " properties");
    }

    @Test
    void everyDocumentedArgumentHasAName() throws Exception {
        for (String file : List.of("/org.corral1.Manager.xml", "/org.corral1.Container.xml", "/org.corral1.Network.xml")) {
            NodeList args = parse(resource(file)).getElementsByTagName("arg");
            for (int i = 0; i < args.getLength(); i++) {
                assertFalse(((Element) args.item(i)).getAttribute("name").isEmpty(), file + ": unnamed argument");
            }
        }
    }

    @Test
    void everyDocumentedErrorIsAClass() throws Exception {
        NodeList errors = parse(resource("/org.corral1.Error.xml")).getElementsByTagName("error");
        Set<String> documented = new TreeSet<>();
        for (int i = 0; i < errors.getLength(); i++) {
            documented.add(((Element) errors.item(i)).getAttribute("name"));
        }
        Set<String> classes = new TreeSet<>();
        for (Class<?> c : Error.class.getDeclaredClasses()) {
            classes.add(c.getName().replace('$', '.'));
        }
        assertEquals(documented, classes);
    }

    /** "Name(in:s,out:o)" for each method or signal, sorted. */
    private static Set<String> members(Element iface, String tag) {
        Set<String> out = new TreeSet<>();
        NodeList nodes = iface.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element m = (Element) nodes.item(i);
            List<String> sig = new ArrayList<>();
            NodeList args = m.getElementsByTagName("arg");
            for (int j = 0; j < args.getLength(); j++) {
                Element a = (Element) args.item(j);
                String dir = tag.equals("signal") ? "out" : a.getAttribute("direction").isEmpty() ? "in" : a.getAttribute("direction");
                sig.add(dir + ":" + a.getAttribute("type"));
            }
            out.add(m.getAttribute("name") + sig);
        }
        return out;
    }

    private static Set<String> properties(Element iface) {
        Set<String> out = new TreeSet<>();
        NodeList nodes = iface.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element p = (Element) nodes.item(i);
            out.add(p.getAttribute("name") + ":" + p.getAttribute("type") + ":" + p.getAttribute("access"));
        }
        return out;
    }

    private static Set<String> declaredProperties(Class<?> iface) {
        Set<String> out = new TreeSet<>();
        for (DBusProperty p : iface.getAnnotationsByType(DBusProperty.class)) {
            String type = java.util.Map.<Class<?>, String>of(String.class, "s", Boolean.class, "b",
                    org.freedesktop.dbus.types.UInt32.class, "u", org.freedesktop.dbus.types.UInt64.class, "t",
                    Integer.class, "i").getOrDefault(p.type(), "?" + p.type());
            out.add(p.name() + ":" + type + ":" + (p.access() == DBusProperty.Access.READ ? "read" : "readwrite"));
        }
        return out;
    }

    private static Element interfaceElement(Document doc, String name) {
        NodeList ifaces = doc.getElementsByTagName("interface");
        for (int i = 0; i < ifaces.getLength(); i++) {
            Element e = (Element) ifaces.item(i);
            if (e.getAttribute("name").equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no interface " + name + " in " + Arrays.toString(new Object[] {doc}));
    }

    private static String resource(String path) throws Exception {
        try (InputStream in = ContractTest.class.getResourceAsStream(path)) {
            assertNotNull(in, path);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        // The files name the introspection DTD; never fetch it.
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }
}
