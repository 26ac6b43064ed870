package org.corral.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Collator;
import java.util.Locale;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;

/** The collator dbus-java's SASL gets in corrald: what its comparisons need, found as a service. */
class ProtocolCollatorProviderTest {

    private final Collator c = new ProtocolCollatorProvider().getInstance(Locale.getDefault());

    @Test
    void comparesProtocolWordsLikeAPrimaryStrengthCollator() {
        Collator jdk = Collator.getInstance(Locale.ROOT);
        jdk.setStrength(Collator.PRIMARY);
        jdk.setDecomposition(Collator.FULL_DECOMPOSITION);
        for (String[] pair : new String[][] {{"AUTH", "auth"}, {"OK", "ok"}, {"DATA", "DATA"}, {"REJECTED", "rejected"},
                {"EXTERNAL", "DBUS_COOKIE_SHA1"}, {"3130", "3131"}, {"BEGIN", "AGREE_UNIX_FD"}, {"", "ERROR"}}) {
            assertEquals(Integer.signum(jdk.compare(pair[0], pair[1])), Integer.signum(c.compare(pair[0], pair[1])),
                    pair[0] + " against " + pair[1]);
        }
        assertNotEquals(0, c.compare("abc", "abd"));
        assertEquals(0, c.getCollationKey("Begin").compareTo(c.getCollationKey("BEGIN")));
        assertEquals(c, c.clone(), "Collator.getInstance hands out clones");
    }

    @Test
    void isAServiceOfTheClassPathForEveryLocale() {
        assertTrue(ServiceLoader.load(java.text.spi.CollatorProvider.class).stream()
                .anyMatch(p -> p.type() == ProtocolCollatorProvider.class), "META-INF/services names it");
        ProtocolCollatorProvider p = new ProtocolCollatorProvider();
        assertTrue(p.isSupportedLocale(Locale.ENGLISH) && p.isSupportedLocale(Locale.GERMANY) && p.isSupportedLocale(Locale.ROOT));
    }
}
