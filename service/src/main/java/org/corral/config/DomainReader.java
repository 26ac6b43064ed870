package org.corral.config;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.UnmarshalException;
import jakarta.xml.bind.Unmarshaller;
import jakarta.xml.bind.ValidationEvent;
import jakarta.xml.bind.ValidationEventLocator;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.transform.sax.SAXSource;
import org.corral.config.model.Domain;
import org.corral.config.model.LxcNamespace;
import org.corral.core.CorralException;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.XMLFilterImpl;

/**
 * Turns domain XML text into the JAXB model, safely: no DTDs (so no external entities and no
 * entity-expansion bombs), no external resources, bounded nesting, and a {@code <domain
 * type='lxc'>} root checked before anything else is read. Validation of values happens later,
 * in {@link DomainValidator}.
 */
final class DomainReader {

    /**
     * Domain children that may appear once. JAXB would silently keep the last of two, while
     * libvirt reads the first; refusing duplicates avoids both surprises.
     */
    private static final Set<String> SINGLETONS = Set.of("name", "uuid", "title",
            "description", "metadata", "maxMemory", "memory", "currentMemory", "blkiotune", "memtune",
            "vcpu", "cputune", "numatune", "resource", "os", "idmap", "features", "clock", "on_poweroff",
            "on_reboot", "on_crash", "devices", "namespace");

    /** Real domain XML nests about 6 deep; the bound keeps recursive code (the writer) safe. */
    static final int MAX_DEPTH = 64;

    private static final SAXParserFactory FACTORY = secureFactory();

    /**
     * One parser per thread, reused: making one took a third of a parse (27 of 78 us in a hot
     * loop). SAX allows a reader to parse again once a parse has ended, also by an exception,
     * and the parser resets its state at the start of each parse.
     */
    private static final ThreadLocal<XMLReader> PARSERS = ThreadLocal.withInitial(DomainReader::newParser);

    private DomainReader() {
    }

    static Domain read(String xml) throws CorralException {
        return (Domain) unmarshal(Jaxb.context(), DomainFilter::new, "domain XML", xml);
    }

    /**
     * Parses {@code xml} with the secure parser, through the filter {@code filterFor} makes
     * (root checks, nesting bound), into {@code context}'s model. Every problem becomes
     * INVALID_CONFIG with line and column; {@code what} ("domain XML") names the document.
     */
    static Object unmarshal(JAXBContext context, Function<XMLReader, XMLFilterImpl> filterFor, String what,
            String xml) throws CorralException {
        XMLFilterImpl filter = filterFor.apply(PARSERS.get());
        ValidationEvent[] firstEvent = new ValidationEvent[1];
        try {
            Unmarshaller u = context.createUnmarshaller();
            // JAXB otherwise skips content it cannot bind (e.g. a child inside <memory>);
            // nothing may be dropped silently, so every event ends the parse.
            u.setEventHandler(event -> {
                firstEvent[0] = event;
                return false;
            });
            return u.unmarshal(new SAXSource(filter, new InputSource(new StringReader(xml))));
        } catch (UnmarshalException e) {
            throw translate(e, firstEvent[0], what);
        } catch (JAXBException e) {
            throw new IllegalStateException("JAXB failed unexpectedly", e);
        }
    }

    /** Finds the most precise cause (our rejection, the parser's error, or a JAXB event). */
    private static CorralException translate(UnmarshalException e, ValidationEvent event, String what) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof Rejection) {
                return CorralException.invalidConfig(t.getMessage());
            }
            if (t instanceof SAXParseException) {
                SAXParseException p = (SAXParseException) t;
                String reason = p.getMessage();
                if (reason != null && reason.contains("disallow-doctype-decl")) {
                    // The parser's text names a feature URI; say what it means for the user.
                    reason = "DTDs are not allowed in " + what + " (<!DOCTYPE> found); "
                            + "remove the DOCTYPE and any entity declarations";
                }
                return CorralException.invalidConfig(
                        at(p.getLineNumber(), p.getColumnNumber()) + "malformed XML: " + reason);
            }
        }
        if (event != null) {
            ValidationEventLocator l = event.getLocator();
            String where = l == null ? "" : at(l.getLineNumber(), l.getColumnNumber());
            return CorralException.invalidConfig(where + "unsupported content: " + event.getMessage());
        }
        return CorralException.invalidConfig("cannot read " + what + ": " + e);
    }

    private static Throwable next(Throwable t) {
        if (t instanceof UnmarshalException && ((UnmarshalException) t).getLinkedException() != null
                && ((UnmarshalException) t).getLinkedException() != t) {
            return ((UnmarshalException) t).getLinkedException();
        }
        if (t instanceof SAXException && ((SAXException) t).getException() != null
                && ((SAXException) t).getException() != t) {
            return ((SAXException) t).getException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    /** "line L, column C: " or "" when unknown. */
    static String at(int line, int column) {
        if (line <= 0) {
            return "";
        }
        return column > 0 ? "line " + line + ", column " + column + ": " : "line " + line + ": ";
    }

    static String at(Locator l) {
        return l == null ? "" : at(l.getLineNumber(), l.getColumnNumber());
    }

    private static XMLReader newParser() {
        try {
            XMLReader parser;
            synchronized (FACTORY) { // factories are not guaranteed to be thread-safe
                parser = FACTORY.newSAXParser().getXMLReader();
            }
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return parser;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("cannot create a secure XML parser", e);
        }
    }

    private static SAXParserFactory secureFactory() {
        SAXParserFactory f = SAXParserFactory.newInstance();
        f.setNamespaceAware(true);
        f.setValidating(false);
        f.setXIncludeAware(false);
        try {
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            // Refusing any DOCTYPE rules out XXE and entity bombs at the source.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the XML parser lacks a required security feature", e);
        }
        return f;
    }

    /** A refusal decided by corral (not a syntax error); its message is complete. */
    static final class Rejection extends SAXException {
        Rejection(String message) {
            super(message);
        }
    }

    /**
     * Checks the root element early, bounds nesting, and moves unprefixed children of
     * {@code <lxc:namespace>} into the lxc namespace: libvirt's parser accepts both spellings.
     */
    private static final class DomainFilter extends XMLFilterImpl {
        private final Deque<String> uris = new ArrayDeque<>();
        private final Map<String, Integer> seenAtTop = new HashMap<>();
        private Locator locator;
        private boolean inLxcNamespace;

        DomainFilter(XMLReader parent) {
            super(parent);
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
            super.setDocumentLocator(locator);
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes atts) throws SAXException {
            if (uris.isEmpty()) {
                checkRoot(uri, local, atts);
            }
            if (uris.size() >= MAX_DEPTH) {
                throw new Rejection(at(locator) + "<" + qName + "> is nested more than " + MAX_DEPTH
                        + " elements deep");
            }
            if (uris.size() == 1 && SINGLETONS.contains(local)) {
                Integer line = seenAtTop.putIfAbsent(uri + " " + local, locator == null ? 0 : locator.getLineNumber());
                if (line != null) {
                    throw new Rejection(at(locator) + "<" + qName + "> appears twice in <domain> (first on line "
                            + line + "); it may appear only once");
                }
            }
            boolean parentIsNs = LxcNamespace.URI.equals(uris.peek()) && inLxcNamespace
                    && uris.size() == 2;
            if (uris.size() == 1 && LxcNamespace.URI.equals(uri) && local.equals("namespace")) {
                inLxcNamespace = true;
            }
            if (parentIsNs && uri.isEmpty()) {
                uri = LxcNamespace.URI;
                qName = "lxc:" + local;
            }
            uris.push(uri);
            super.startElement(uri, local, qName, atts);
        }

        @Override
        public void endElement(String uri, String local, String qName) throws SAXException {
            String actual = uris.pop();
            if (!actual.equals(uri)) {
                uri = actual;
                qName = "lxc:" + local;
            }
            if (uris.size() == 1) {
                inLxcNamespace = false;
            }
            super.endElement(uri, local, qName);
        }

        private void checkRoot(String uri, String local, Attributes atts) throws Rejection {
            if (!local.equals("domain")) {
                throw new Rejection(at(locator) + "the root element must be <domain>, not <" + local + ">");
            }
            if (!uri.isEmpty()) {
                throw new Rejection(at(locator) + "<domain> must not be in an XML namespace (found '"
                        + uri + "')");
            }
            String type = atts.getValue("", "type");
            if (type == null) {
                throw new Rejection(at(locator) + "<domain> has no type attribute: corral runs only type='lxc'");
            }
            if (!type.equals("lxc")) {
                throw new Rejection(at(locator) + "domain type '" + type
                        + "' is not supported: corral runs only type='lxc'");
            }
        }
    }
}
