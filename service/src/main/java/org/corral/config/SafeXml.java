package org.corral.config;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.corral.config.model.Located;
import org.corral.core.CorralException;
import org.xml.sax.Attributes;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.XMLFilterImpl;

/**
 * The domain parser's safety and libvirt-style formatting for other libvirt documents (network
 * XML): a size cap, no DTDs or external entities, bounded nesting, a checked root element,
 * children that may appear once, and INVALID_CONFIG messages with line and column. The rules
 * and their reasons are those of {@link DomainReader} and {@link DomainXml}; this class only
 * lets other packages use them.
 */
public final class SafeXml {

    private SafeXml() {
    }

    /**
     * Parses {@code xml} into {@code type}, the root class of {@code context}.
     *
     * @param root       the required root element (no XML namespace)
     * @param singletons children of the root that may appear at most once
     * @param what       the document's name in messages, e.g. "network XML"
     * @param maxBytes   the largest document accepted, in UTF-8 bytes
     */
    public static <T> T read(JAXBContext context, Class<T> type, String root, Set<String> singletons, String what,
            int maxBytes, String xml) throws CorralException {
        if (xml == null || xml.isBlank()) {
            throw CorralException.invalidConfig("the " + what + " is empty");
        }
        long size = DomainXml.utf8Length(xml);
        if (size > maxBytes) {
            throw CorralException.invalidConfig("the " + what + " is " + size + " bytes, more than the limit of "
                    + maxBytes + " bytes");
        }
        Object o = DomainReader.unmarshal(context, parser -> new RootFilter(parser, root, singletons), what, xml);
        return type.cast(o);
    }

    /** Formats as libvirt does: single quotes, two-space indent, {@code <x/>}, trailing newline. */
    public static String format(JAXBContext context, Object root) {
        LibvirtXmlWriter writer = new LibvirtXmlWriter();
        try {
            context.createMarshaller().marshal(root, writer);
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot format " + root.getClass().getSimpleName(), e);
        }
        return writer.result();
    }

    /** "line L, column C: " where the element was parsed, or "" when built in code. */
    public static String where(Located element) {
        return element == null ? "" : DomainReader.at(element.locator());
    }

    /** Quotes a user-given value for a message, control characters made visible. */
    public static String quote(String s) {
        return Problem.quote(s);
    }

    /** INVALID_CONFIG "line L, column C: path: message". */
    public static CorralException problem(Located element, String path, String message) {
        return Problem.at(element, path, message);
    }

    /** Root check, nesting bound and once-only children, as the domain parser has them. */
    private static final class RootFilter extends XMLFilterImpl {
        private final String root;
        private final Set<String> singletons;
        private final Deque<String> open = new ArrayDeque<>();
        private final Map<String, Integer> seenAtTop = new HashMap<>();
        private Locator locator;

        RootFilter(XMLReader parent, String root, Set<String> singletons) {
            super(parent);
            this.root = root;
            this.singletons = singletons;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
            super.setDocumentLocator(locator);
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes atts) throws SAXException {
            if (open.isEmpty()) {
                if (!local.equals(root)) {
                    throw new DomainReader.Rejection(DomainReader.at(locator) + "the root element must be <" + root
                            + ">, not <" + local + ">");
                }
                if (!uri.isEmpty()) {
                    throw new DomainReader.Rejection(DomainReader.at(locator) + "<" + root
                            + "> must not be in an XML namespace (found '" + uri + "')");
                }
            }
            if (open.size() >= DomainReader.MAX_DEPTH) {
                throw new DomainReader.Rejection(DomainReader.at(locator) + "<" + qName + "> is nested more than "
                        + DomainReader.MAX_DEPTH + " elements deep");
            }
            if (open.size() == 1 && uri.isEmpty() && singletons.contains(local)) {
                Integer line = seenAtTop.putIfAbsent(local, locator == null ? 0 : locator.getLineNumber());
                if (line != null) {
                    throw new DomainReader.Rejection(DomainReader.at(locator) + "<" + qName + "> appears twice in <"
                            + root + "> (first on line " + line + "); it may appear only once");
                }
            }
            open.push(local);
            super.startElement(uri, local, qName, atts);
        }

        @Override
        public void endElement(String uri, String local, String qName) throws SAXException {
            open.pop();
            super.endElement(uri, local, qName);
        }
    }
}
