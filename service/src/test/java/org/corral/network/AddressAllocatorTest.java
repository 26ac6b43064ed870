package org.corral.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.corral.core.CorralException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AddressAllocatorTest {

    /** 192.168.122.2 - .254, bridge .1 (the built-in default). */
    static final AddressAllocator.Pool DEFAULT = NetworkXml.ipv4(NetworkXml.builtInDefault()).pool();

    @Test
    void sameContainerGetsTheSameAddressEveryTime() throws Exception {
        String uuid = "8369f1ac-7e46-e869-4ca5-759d51478066";
        int a = AddressAllocator.allocate("default", DEFAULT, uuid, Set.of());
        assertEquals(a, AddressAllocator.allocate("default", DEFAULT, uuid, Set.of()));
        assertEquals(a, AddressAllocator.allocate("default", DEFAULT, uuid.toUpperCase().replace("-", ""), Set.of()),
                "case and dashes do not matter");
        assertTrue(DEFAULT.contains(a));
        int other = AddressAllocator.allocate("default", DEFAULT, "e21987a5-e98e-9c99-0e35-803e4d9ad1fe", Set.of());
        assertNotEquals(a, other, "different containers usually start at different addresses");
    }

    @Test
    void anAddressInUseIsNeverGivenAgain() throws Exception {
        Set<Integer> inUse = new HashSet<>();
        for (int i = 0; i < DEFAULT.size(); i++) {
            int a = AddressAllocator.allocate("default", DEFAULT, UUID.randomUUID().toString(), inUse);
            assertTrue(DEFAULT.contains(a), Ipv4.format(a));
            assertTrue(inUse.add(a), "given twice: " + Ipv4.format(a));
        }
        assertEquals(253, inUse.size());
        CorralException e = assertThrows(CorralException.class,
                () -> AddressAllocator.allocate("default", DEFAULT, UUID.randomUUID().toString(), inUse));
        assertEquals(CorralException.Kind.FAILED, e.kind());
        assertTrue(e.getMessage().contains("network 'default' has no free address"), e.getMessage());
        assertTrue(e.getMessage().contains("192.168.122.2 - 192.168.122.254"), e.getMessage());
    }

    @Test
    void takenFirstCandidateMovesToTheNextFreeOne() throws Exception {
        String uuid = UUID.randomUUID().toString();
        int first = AddressAllocator.allocate("n", DEFAULT, uuid, Set.of());
        int second = AddressAllocator.allocate("n", DEFAULT, uuid, Set.of(first));
        assertNotEquals(first, second);
        assertTrue(first == Ipv4.parse("192.168.122.254") ? second == Ipv4.parse("192.168.122.2") : second == first + 1,
                "linear probe, wrapping around: " + Ipv4.format(first) + " then " + Ipv4.format(second));
    }

    @Test
    void theBridgeAddressIsNeverHandedOut() throws Exception {
        int bridge = Ipv4.parse("198.18.9.1");
        AddressAllocator.Pool tiny = new AddressAllocator.Pool(
                List.<int[]>of(new int[] {Ipv4.parse("198.18.9.1"), Ipv4.parse("198.18.9.2")}), bridge);
        assertEquals(Ipv4.parse("198.18.9.2"), AddressAllocator.allocate("t", tiny, UUID.randomUUID().toString(), Set.of()));
        assertThrows(CorralException.class, () -> AddressAllocator.allocate("t", tiny, UUID.randomUUID().toString(),
                Set.of(Ipv4.parse("198.18.9.2"))));
    }
}
