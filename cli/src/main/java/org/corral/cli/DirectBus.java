package org.corral.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A D-Bus client of exactly what {@code corralctl list} needs, on the JDK's own Unix socket:
 * SASL EXTERNAL, Hello, method calls without arguments or with strings, and replies of type
 * {@code a(ssso)} or {@code v} holding a {@code u}. Every other verb uses dbus-java.
 *
 * <p>Why hand-written: {@code list} is what scripts and unit files run most, its start-up target
 * is 150 ms, and a dbus-java connection costs about 120 ms of start-up (its threads, junixsocket's
 * JNI library, SASL's collator, proxies) for two method calls; this class costs a few. Calls are
 * sent at once and the replies read by serial. Addresses other than {@code unix:path=} (abstract
 * sockets, tcp, lists) return null from {@link #connectIfSimple}, and dbus-java takes over.
 */
final class DirectBus implements AutoCloseable, ContainerList.Source {
    private static final byte METHOD_CALL = 1;
    private static final byte METHOD_RETURN = 2;
    private static final byte ERROR = 3;

    private final SocketChannel channel;
    private final String address;
    private int serial;
    /** Bytes read but not yet taken. */
    private ByteBuffer in = ByteBuffer.allocate(0);

    private DirectBus(SocketChannel channel, String address) {
        this.channel = channel;
        this.address = address;
    }

    /** The socket path of a plain {@code unix:path=...} address, else null. */
    static String socketPath(String address) {
        if (!address.startsWith("unix:") || address.contains(";")) {
            return null;
        }
        String path = null;
        for (String kv : address.substring("unix:".length()).split(",")) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                return null;
            }
            String key = kv.substring(0, eq);
            if (key.equals("path")) {
                path = unescape(kv.substring(eq + 1));
            } else if (!key.equals("guid")) {
                return null; // abstract=, tmpdir=, runtime=: leave them to dbus-java
            }
        }
        return path;
    }

    /** D-Bus address values escape bytes as %xx. */
    private static String unescape(String v) {
        if (v.indexOf('%') < 0) {
            return v;
        }
        ByteBuffer b = ByteBuffer.allocate(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%' && i + 2 < v.length()) {
                b.put((byte) Integer.parseInt(v.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.put((byte) c);
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** Connects and authenticates, or returns null when the address is not a plain socket path. */
    static DirectBus connectIfSimple(String address) {
        String path = socketPath(address);
        if (path == null) {
            return null;
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            DirectBus bus = new DirectBus(ch, address);
            bus.authenticate();
            bus.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello");
            return bus;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new BusError(null, "cannot connect to the bus at " + address + ": " + why, e);
        }
    }

    private void authenticate() throws IOException {
        String uid = Integer.toString(uid());
        StringBuilder hex = new StringBuilder();
        for (byte b : uid.getBytes(StandardCharsets.US_ASCII)) {
            hex.append(String.format("%02x", b));
        }
        write(ByteBuffer.wrap(("\0AUTH EXTERNAL " + hex + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        String answer = readLine();
        if (!answer.startsWith("OK ")) {
            throw new IOException("the bus refused authentication as uid " + uid + ": " + answer);
        }
        write(ByteBuffer.wrap("BEGIN\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    private static int uid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no Uid: line in /proc/self/status");
    }

    /** Sends a call with string arguments (signature "s..."); returns its serial. */
    int call(String destination, String path, String iface, String member, String... args) throws IOException {
        int s = ++serial;
        Writer body = new Writer();
        for (String a : args) {
            body.string(a);
        }
        Writer m = new Writer();
        m.bytes((byte) 'l', METHOD_CALL, (byte) 0, (byte) 1);
        m.u32(body.size());
        m.u32(s);
        int fields = m.arrayStart();
        m.field(1, "o", path);
        m.field(2, "s", iface);
        m.field(3, "s", member);
        m.field(6, "s", destination);
        if (args.length > 0) {
            m.field(8, "g", "s".repeat(args.length));
        }
        m.arrayEnd(fields);
        m.align(8);
        m.append(body);
        write(m.buffer());
        return s;
    }

    /** Manager.ListContainers: (name, uuid, state, object path) per container. */
    @Override
    public List<String[]> containers() {
        try {
            int s = call(Corral1.BUS_NAME, Corral1.MANAGER_PATH, Corral1.MANAGER_IFACE, "ListContainers");
            Reader r = reply(s, "a(ssso)");
            List<String[]> out = new ArrayList<>();
            int end = r.u32();
            r.align(8);
            end += r.position();
            while (r.position() < end) {
                r.align(8);
                out.add(new String[] {r.string(), r.string(), r.string(), r.string()});
            }
            return out;
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Each container's Leader property, in the order of {@code paths}; "-" when it has none. */
    @Override
    public List<String> leaders(List<String> paths) {
        try {
            List<Integer> serials = new ArrayList<>();
            for (String p : paths) {
                serials.add(call(Corral1.BUS_NAME, p, "org.freedesktop.DBus.Properties", "Get", Corral1.CONTAINER_IFACE,
                        "Leader"));
            }
            List<String> out = new ArrayList<>();
            for (int s : serials) {
                try {
                    Reader r = reply(s, "v");
                    String sig = r.signature();
                    long leader = sig.equals("u") ? Integer.toUnsignedLong(r.u32()) : 0;
                    out.add(leader == 0 ? "-" : Long.toString(leader));
                } catch (BusError e) {
                    out.add("-"); // gone or stopped meanwhile
                }
            }
            return out;
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private BusError failed(IOException e) {
        return new BusError(null, "the bus connection at " + address + " failed: " + e.getMessage(), e);
    }

    /** Reads messages until the reply to {@code serial}; an error reply becomes a BusError. */
    private Reader reply(int serial, String expected) throws IOException {
        while (true) {
            Reader m = readMessage();
            if (m.type != METHOD_RETURN && m.type != ERROR || m.replySerial != serial) {
                continue; // NameAcquired, or a reply to another call
            }
            if (m.type == ERROR) {
                String text = m.signature.startsWith("s") ? m.string() : m.errorName;
                throw new BusError(m.errorName, text);
            }
            if (!m.signature.equals(expected)) {
                throw new IOException("reply of type '" + m.signature + "', not '" + expected + "'");
            }
            return m;
        }
    }

    private Reader readMessage() throws IOException {
        ByteBuffer fixed = take(16);
        ByteOrder order = fixed.get(0) == 'B' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        fixed.order(order);
        byte type = fixed.get(1);
        int bodyLength = fixed.getInt(4);
        int fieldsLength = fixed.getInt(12);
        int headerEnd = 16 + fieldsLength;
        int bodyStart = (headerEnd + 7) & ~7;
        ByteBuffer rest = take(bodyStart - 16 + bodyLength);
        ByteBuffer whole = ByteBuffer.allocate(bodyStart + bodyLength).order(order);
        whole.put(fixed.rewind()).put(rest).flip();
        Reader r = new Reader(whole, type);
        r.seek(16);
        while (r.position() < headerEnd) {
            r.align(8);
            int code = r.u8();
            String sig = r.signature();
            switch (code) {
                case 4 -> r.errorName = r.string();
                case 5 -> r.replySerial = r.u32();
                case 8 -> r.signature = r.signature();
                default -> r.skip(sig);
            }
        }
        r.seek(bodyStart);
        return r;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            byte b = take(1).get();
            if (b == '\n') {
                return line.toString().trim();
            }
            line.append((char) b);
        }
    }

    /** Exactly n bytes from the socket (beyond what is buffered). */
    private ByteBuffer take(int n) throws IOException {
        while (in.remaining() < n) {
            ByteBuffer more = ByteBuffer.allocate(in.remaining() + Math.max(4096, n));
            more.put(in);
            if (channel.read(more) < 0) {
                throw new IOException("the bus closed the connection");
            }
            more.flip();
            in = more;
        }
        ByteBuffer out = in.slice(in.position(), n);
        in.position(in.position() + n);
        return out;
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** The names corralctl list calls, from the contract in interfaces/. */
    private static final class Corral1 {
        static final String BUS_NAME = org.corral1.Manager.BUS_NAME;
        static final String MANAGER_PATH = org.corral1.Manager.OBJECT_PATH;
        static final String MANAGER_IFACE = "org.corral1.Manager";
        static final String CONTAINER_IFACE = "org.corral1.Container";
    }

    /** Marshals little-endian; alignment is relative to the message start. */
    private static final class Writer {
        private ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        int size() {
            return b.position();
        }

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }

        void align(int n) {
            while (b.position() % n != 0) {
                bytes((byte) 0);
            }
        }

        void bytes(byte... v) {
            room(v.length);
            b.put(v);
        }

        void u32(int v) {
            align(4);
            room(4);
            b.putInt(v);
        }

        void string(String s) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            u32(v.length);
            bytes(v);
            bytes((byte) 0);
        }

        void signature(String s) {
            bytes((byte) s.length());
            bytes(s.getBytes(StandardCharsets.US_ASCII));
            bytes((byte) 0);
        }

        /** A header field: (code, variant of type sig). */
        void field(int code, String sig, String value) {
            align(8);
            bytes((byte) code);
            signature(sig);
            if (sig.equals("g")) {
                signature(value);
            } else {
                string(value);
            }
        }

        /** Starts an array of structs; returns where its length goes. */
        int arrayStart() {
            u32(0);
            int lengthAt = b.position() - 4;
            align(8);
            return lengthAt;
        }

        /** The length counts from the first element, after the padding. */
        void arrayEnd(int lengthAt) {
            int first = (lengthAt + 4 + 7) & ~7;
            b.putInt(lengthAt, b.position() - first);
        }

        void append(Writer body) {
            room(body.size());
            b.put(body.b.array(), 0, body.size());
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(b.array(), 0, b.position());
        }
    }

    /** Unmarshals one message, in its own byte order. */
    private static final class Reader {
        private final ByteBuffer b;
        final byte type;
        int replySerial;
        String errorName = "";
        String signature = "";

        Reader(ByteBuffer b, byte type) {
            this.b = b;
            this.type = type;
        }

        int position() {
            return b.position();
        }

        void seek(int p) {
            b.position(p);
        }

        void align(int n) {
            b.position((b.position() + n - 1) / n * n);
        }

        int u8() {
            return b.get() & 0xff;
        }

        int u32() {
            align(4);
            return b.getInt();
        }

        String string() {
            int n = u32();
            String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
            b.position(b.position() + n + 1);
            return s;
        }

        String signature() {
            int n = u8();
            String s = new String(b.array(), b.position(), n, StandardCharsets.US_ASCII);
            b.position(b.position() + n + 1);
            return s;
        }

        /** Skips a header field value of a basic type. */
        void skip(String sig) {
            switch (sig) {
                case "s", "o" -> string();
                case "g" -> signature();
                case "u" -> u32();
                default -> throw new IllegalStateException("unexpected header field type " + sig);
            }
        }
    }
}
