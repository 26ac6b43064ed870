package org.corral.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.corral.config.model.LxcNamespace;
import org.xml.sax.Attributes;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Receives JAXB's marshalling events and writes XML the way libvirt's dumpxml does: attributes
 * in single quotes and in the order given, two-space indentation, {@code <x/>} for empty
 * elements, text inline, no XML declaration, a newline at the end.
 *
 * <p>Events are first collected into a small tree because namespace declarations depend on the
 * whole document: libvirt declares {@code xmlns:lxc} on {@code <domain>} only when an lxc element
 * follows, and JAXB would otherwise declare every namespace it knows on the root.
 */
final class LibvirtXmlWriter extends DefaultHandler {

    private static final class Node {
        final String uri;
        final String local;
        final String prefix;
        final List<String[]> attributes = new ArrayList<>(); // {uri, local, prefix, value}
        final List<Object> children = new ArrayList<>();     // Node or StringBuilder (text)

        Node(String uri, String local, String prefix) {
            this.uri = uri;
            this.local = local;
            this.prefix = prefix;
        }

        String qName() {
            return prefix.isEmpty() ? local : prefix + ":" + local;
        }

        boolean hasElementChildren() {
            return children.stream().anyMatch(c -> c instanceof Node);
        }

        boolean uses(String namespace) {
            if (namespace.equals(uri) || attributes.stream().anyMatch(a -> namespace.equals(a[0]))) {
                return true;
            }
            return children.stream().anyMatch(c -> c instanceof Node && ((Node) c).uses(namespace));
        }
    }

    private final List<Node> stack = new ArrayList<>();
    private Node root;

    @Override
    public void startElement(String uri, String local, String qName, Attributes atts) {
        Node node = new Node(uri, local, prefixFor(uri, qName));
        for (int i = 0; i < atts.getLength(); i++) {
            String aq = atts.getQName(i);
            if (aq.equals("xmlns") || aq.startsWith("xmlns:")) {
                continue; // declarations are computed in write()
            }
            String auri = atts.getURI(i);
            node.attributes.add(new String[] {auri, atts.getLocalName(i), prefixFor(auri, aq), atts.getValue(i)});
        }
        if (stack.isEmpty()) {
            root = node;
        } else {
            top().children.add(node);
        }
        stack.add(node);
    }

    @Override
    public void endElement(String uri, String local, String qName) {
        stack.remove(stack.size() - 1);
    }

    @Override
    public void characters(char[] ch, int start, int length) {
        List<Object> children = top().children;
        Object last = children.isEmpty() ? null : children.get(children.size() - 1);
        if (last instanceof StringBuilder) {
            ((StringBuilder) last).append(ch, start, length);
        } else {
            children.add(new StringBuilder().append(ch, start, length));
        }
    }

    private Node top() {
        return stack.get(stack.size() - 1);
    }

    /** libvirt always spells its LXC namespace {@code lxc:}; other prefixes are kept. */
    private static String prefixFor(String uri, String qName) {
        if (LxcNamespace.URI.equals(uri)) {
            return "lxc";
        }
        int colon = qName.indexOf(':');
        return colon < 0 ? "" : qName.substring(0, colon);
    }

    /** The collected document as libvirt-style text. */
    String result() {
        StringBuilder out = new StringBuilder();
        Map<String, String> scope = new HashMap<>();
        scope.put("", "");
        Map<String, String> rootDecls = new LinkedHashMap<>();
        if (root.uses(LxcNamespace.URI)) {
            rootDecls.put("lxc", LxcNamespace.URI);
        }
        write(root, 0, scope, rootDecls, out);
        return out.toString();
    }

    private static void write(Node node, int depth, Map<String, String> parentScope,
                              Map<String, String> decls, StringBuilder out) {
        Map<String, String> scope = new HashMap<>(parentScope);
        scope.putAll(decls);
        declare(node.prefix, node.uri, scope, decls);
        for (String[] a : node.attributes) {
            if (!a[0].isEmpty()) {
                declare(a[2], a[0], scope, decls);
            }
        }
        String indent = "  ".repeat(depth);
        out.append(indent).append('<').append(node.qName());
        for (String[] a : node.attributes) {
            String q = a[2].isEmpty() ? a[1] : a[2] + ":" + a[1];
            out.append(' ').append(q).append("='").append(escape(a[3], true)).append('\'');
        }
        for (Map.Entry<String, String> d : decls.entrySet()) {
            out.append(d.getKey().isEmpty() ? " xmlns" : " xmlns:" + d.getKey())
                    .append("='").append(escape(d.getValue(), true)).append('\'');
        }
        if (!node.hasElementChildren()) {
            String text = node.children.isEmpty() ? "" : concatText(node);
            if (text.isEmpty()) {
                out.append("/>\n");
            } else {
                out.append('>').append(escape(text, false)).append("</").append(node.qName()).append(">\n");
            }
            return;
        }
        out.append(">\n");
        for (Object child : node.children) {
            if (child instanceof Node) {
                write((Node) child, depth + 1, scope, new LinkedHashMap<>(), out);
            } else if (!child.toString().isBlank()) {
                // Mixed content only occurs in preserved foreign XML; keep the text, trimmed.
                out.append(indent).append("  ").append(escape(child.toString().strip(), false)).append('\n');
            }
        }
        out.append(indent).append("</").append(node.qName()).append(">\n");
    }

    private static String concatText(Node node) {
        StringBuilder sb = new StringBuilder();
        node.children.forEach(sb::append);
        return sb.toString();
    }

    private static void declare(String prefix, String uri, Map<String, String> scope, Map<String, String> decls) {
        if (!uri.equals(scope.get(prefix))) {
            scope.put(prefix, uri);
            decls.put(prefix, uri);
        }
    }

    /** Escapes as libvirt does ({@code ' "} too); in attributes also keeps tabs and newlines. */
    static String escape(String s, boolean attribute) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': sb.append("&amp;"); break;
                case '<': sb.append("&lt;"); break;
                case '>': sb.append("&gt;"); break;
                case '\'': sb.append("&apos;"); break;
                case '"': sb.append("&quot;"); break;
                case '\r': sb.append("&#13;"); break;
                case '\n': sb.append(attribute ? "&#10;" : "\n"); break;
                case '\t': sb.append(attribute ? "&#9;" : "\t"); break;
                default: sb.append(c);
            }
        }
        return sb.toString();
    }
}
