package org.corral.launcher;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What corral-supervisor is to do, as computed by Java: header records for the supervisor and
 * step records that the container's init executes in order between clone and exec. The wire
 * format (service/src/main/c/README.md) is a list of records, each a list of NUL-terminated
 * strings ended by an empty string; the C side has no policy of its own.
 */
public final class Plan {

    private final List<List<String>> header = new ArrayList<>();
    private final List<List<String>> steps = new ArrayList<>();

    public Plan header(String op, Object... args) {
        header.add(record(op, args));
        return this;
    }

    public Plan step(String op, Object... args) {
        steps.add(record(op, args));
        return this;
    }

    /** Appends another plan's steps (its header is not used). */
    public Plan steps(Plan more) {
        steps.addAll(more.steps);
        return this;
    }

    /** Step records in order; a {@code failed} report names a step by its index in this list. */
    public List<List<String>> steps() {
        return Collections.unmodifiableList(steps);
    }

    public List<List<String>> header() {
        return Collections.unmodifiableList(header);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        for (List<List<String>> part : List.of(header, steps)) {
            for (List<String> rec : part) {
                for (String s : rec) {
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    out.write(b, 0, b.length);
                    out.write(0);
                }
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    private static List<String> record(String op, Object... args) {
        List<String> rec = new ArrayList<>(args.length + 1);
        rec.add(op);
        for (Object a : args) {
            String s = String.valueOf(a);
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("NUL byte in plan argument of " + op);
            }
            rec.add(s);
        }
        return rec;
    }
}
