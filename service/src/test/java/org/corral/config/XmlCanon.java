package org.corral.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * A tiny canonical form for comparing XML in tests: element names with namespaces,
 * attributes as a sorted map (namespace declarations left out), trimmed text, children in
 * order. Two documents that differ only in quoting, indentation or attribute order are equal.
 */
final class XmlCanon {

    private XmlCanon() {
    }

    static String canonical(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = f.newDocumentBuilder().parse(new InputSource(new StringReader(xml))).getDocumentElement();
            StringBuilder sb = new StringBuilder();
            append(root, 0, sb);
            return sb.toString();
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + xml, e);
        }
    }

    private static void append(Element e, int depth, StringBuilder sb) {
        sb.append("  ".repeat(depth)).append('{').append(e.getNamespaceURI() == null ? "" : e.getNamespaceURI())
                .append('}').append(e.getLocalName());
        Map<String, String> attrs = new TreeMap<>();
        NamedNodeMap map = e.getAttributes();
        for (int i = 0; i < map.getLength(); i++) {
            Node a = map.item(i);
            if ("http://www.w3.org/2000/xmlns/".equals(a.getNamespaceURI())) {
                continue;
            }
            attrs.put("{" + (a.getNamespaceURI() == null ? "" : a.getNamespaceURI()) + "}" + a.getLocalName(),
                    a.getNodeValue());
        }
        sb.append(' ').append(attrs);
        StringBuilder text = new StringBuilder();
        List<Element> children = new ArrayList<>();
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element) {
                children.add((Element) c);
            } else if (c.getNodeType() == Node.TEXT_NODE || c.getNodeType() == Node.CDATA_SECTION_NODE) {
                text.append(c.getNodeValue());
            }
        }
        String t = text.toString().strip();
        if (!t.isEmpty()) {
            sb.append(" text=").append(t);
        }
        sb.append('\n');
        for (Element c : children) {
            append(c, depth + 1, sb);
        }
    }
}
