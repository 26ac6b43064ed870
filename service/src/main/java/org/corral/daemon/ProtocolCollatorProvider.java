package org.corral.daemon;

import java.text.CollationKey;
import java.text.Collator;
import java.text.spi.CollatorProvider;
import java.util.Locale;

/**
 * corrald's collator for every locale: case-insensitive comparison of the strings as they are.
 *
 * <p>The only Collator user in corrald is dbus-java's SASL, which compares protocol words and
 * hex data of the authentication exchange with one. The JDK builds a Collator for the default
 * locale by parsing its full collation rules, about 25 ms of CPU on the thread that connects to
 * the bus, which bus activation waits for. The corrald wrapper puts this provider first
 * ({@code -Djava.locale.providers=SPI,CLDR}); it is found as a service of the class path.
 */
public final class ProtocolCollatorProvider extends CollatorProvider {

    @Override
    public Collator getInstance(Locale locale) {
        return new CaseInsensitiveCollator();
    }

    @Override
    public Locale[] getAvailableLocales() {
        return new Locale[] {Locale.ROOT};
    }

    @Override
    public boolean isSupportedLocale(Locale locale) {
        return true;
    }

    /** Equal strength for letters that differ in case only; no decomposition, no accents. */
    static final class CaseInsensitiveCollator extends Collator {

        @Override
        public int compare(String source, String target) {
            return source.compareToIgnoreCase(target);
        }

        @Override
        public CollationKey getCollationKey(String source) {
            return source == null ? null : new Key(source);
        }

        @Override
        public int hashCode() {
            return CaseInsensitiveCollator.class.hashCode();
        }

        @Override
        public boolean equals(Object that) {
            return that instanceof CaseInsensitiveCollator;
        }
    }

    private static final class Key extends CollationKey {
        private final String folded;

        Key(String source) {
            super(source);
            this.folded = source.toLowerCase(Locale.ROOT);
        }

        @Override
        public int compareTo(CollationKey target) {
            return folded.compareTo(((Key) target).folded);
        }

        @Override
        public byte[] toByteArray() {
            return folded.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
