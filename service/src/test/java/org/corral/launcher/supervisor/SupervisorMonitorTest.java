package org.corral.launcher.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketPair;

/** The monitor over real socket pairs standing in for supervisors. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SupervisorMonitorTest {

    private static final class Recorder implements SupervisorConnection.Listener {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void line(String line) {
            lines.add(line);
        }

        @Override
        public void closed() {
            closed.countDown();
        }
    }

    private static void write(AFUNIXSocketChannel peer, String text) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            peer.write(b);
        }
    }

    @Test
    void linesInOrderAcrossWritesThenClosedOnceAtEof() throws Exception {
        try (SupervisorMonitor monitor = new SupervisorMonitor()) {
            AFUNIXSocketPair<AFUNIXSocketChannel> pair = AFUNIXSocketPair.open();
            Recorder r = new Recorder();
            SupervisorConnection c = monitor.watch(pair.getSocket1(), r);
            write(pair.getSocket2(), "started 1 2 3 4\nexi");
            assertEquals("started 1 2 3 4", r.lines.poll(5, TimeUnit.SECONDS));
            write(pair.getSocket2(), "ted 0 0\n");
            assertEquals("exited 0 0", r.lines.poll(5, TimeUnit.SECONDS));
            c.send("status");
            ByteBuffer in = ByteBuffer.allocate(64);
            pair.getSocket2().read(in);
            assertEquals("status\n", new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            pair.getSocket2().close();
            assertTrue(r.closed.await(5, TimeUnit.SECONDS), "closed() at EOF");
            assertTrue(!pair.getSocket1().isOpen(), "the monitor closed its end");
        }
    }

    /** A thousand idle connections; each one's line still arrives, and a closed one is forgotten. */
    @Test
    void aThousandConnections() throws Exception {
        try (SupervisorMonitor monitor = new SupervisorMonitor()) {
            List<AFUNIXSocketPair<AFUNIXSocketChannel>> pairs = new ArrayList<>();
            List<Recorder> recorders = new ArrayList<>();
            List<SupervisorConnection> conns = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    AFUNIXSocketPair<AFUNIXSocketChannel> p = AFUNIXSocketPair.open();
                    Recorder r = new Recorder();
                    pairs.add(p);
                    recorders.add(r);
                    conns.add(monitor.watch(p.getSocket1(), r));
                }
                for (int i = 0; i < 1000; i += 7) {
                    write(pairs.get(i).getSocket2(), "line " + i + "\n");
                }
                for (int i = 0; i < 1000; i += 7) {
                    assertEquals("line " + i, recorders.get(i).lines.poll(5, TimeUnit.SECONDS));
                }
                // Closed by its owner: no closed() call, and its fd number can serve a new connection.
                conns.get(3).close();
                AFUNIXSocketPair<AFUNIXSocketChannel> again = AFUNIXSocketPair.open();
                pairs.add(again);
                Recorder r = new Recorder();
                monitor.watch(again.getSocket1(), r);
                write(again.getSocket2(), "hello\n");
                assertEquals("hello", r.lines.poll(5, TimeUnit.SECONDS));
                assertEquals(1, recorders.get(3).closed.getCount(), "closed() is for the peer's end only");
            } finally {
                for (AFUNIXSocketPair<AFUNIXSocketChannel> p : pairs) {
                    p.getSocket1().close();
                    p.getSocket2().close();
                }
            }
        }
    }
}
