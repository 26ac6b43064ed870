package org.corral.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BusLabelTest {

    @ParameterizedTest
    @CsvSource({
        "vm1, vm1",
        "web-1, web_2d1",
        "lxc-1234-demo, lxc_2d1234_2ddemo",
        "8675309, _38675309",
        "a.b_c, a_2eb_5fc",
        "_x, _5fx",
    })
    void escapesAsSdBusPathEncodeDoes(String name, String label) {
        assertEquals(label, BusLabel.escape(name));
        assertEquals(name, BusLabel.unescape(label));
    }

    @Test
    void emptyStringIsAnUnderscore() {
        assertEquals("_", BusLabel.escape(""));
        assertEquals("", BusLabel.unescape("_"));
    }

    @Test
    void nonAsciiIsEscapedBytewise() {
        assertEquals("caf_c3_a9", BusLabel.escape("caf\u00e9"));
        assertEquals("caf\u00e9", BusLabel.unescape("caf_c3_a9"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab_", "ab_4", "ab_zz"})
    void rejectsTruncatedOrBadEscapes(String label) {
        assertNull(BusLabel.unescape(label));
    }

    @Test
    void containerPathsLiveUnderTheCollection() {
        assertEquals("/org/corral1/container/web_2d1", ObjectPaths.container("web-1"));
    }
}
