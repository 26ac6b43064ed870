package org.corral.machined;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.corral.network.PlumbedInterface;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MachinesTest {

    @Test
    void theIdIsTheUuidsSixteenBytesInOrder() {
        assertArrayEquals(new byte[] {(byte) 0x83, 0x69, (byte) 0xf1, (byte) 0xac, 0x7e, 0x46, (byte) 0xe8, 0x69, 0x4c,
                (byte) 0xa5, 0x75, (byte) 0x9d, 0x51, 0x47, (byte) 0x80, 0x66},
                Machines.uuidBytes("8369f1ac-7e46-e869-4ca5-759d51478066"));
    }

    @Test
    void ifindicesAreTheHostEndsThatHaveOne() {
        List<PlumbedInterface> nics = List.of(
                new PlumbedInterface("network", "vnet0", 17, "eth0", "default", "br0", "", true, false),
                new PlumbedInterface("bridge", "vnet1", 0, "eth1", "", "br1", "", false, false));
        assertArrayEquals(new int[] {17}, Machines.ifindices(nics));
    }
}
