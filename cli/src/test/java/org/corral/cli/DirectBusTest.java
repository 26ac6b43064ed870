package org.corral.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DirectBusTest {

    @Test
    void aPlainSocketPathIsTakenWithItsEscapesUndone() {
        assertEquals("/run/dbus/system_bus_socket", DirectBus.socketPath("unix:path=/run/dbus/system_bus_socket"));
        assertEquals("/tmp/a b", DirectBus.socketPath("unix:path=/tmp/a%20b,guid=0123456789abcdef0123456789abcdef"));
    }

    @Test
    void everyOtherAddressIsLeftToDbusJava() {
        assertNull(DirectBus.socketPath("unix:abstract=/tmp/dbus-x"));
        assertNull(DirectBus.socketPath("tcp:host=localhost,port=1234"));
        assertNull(DirectBus.socketPath("unix:path=/a;unix:path=/b"));
        assertNull(DirectBus.socketPath("unix:tmpdir=/tmp"));
    }
}
