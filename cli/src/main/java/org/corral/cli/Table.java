package org.corral.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain text table like virsh's: a leading blank, columns three blanks apart, a dashed rule. */
final class Table {
    private final String[] header;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        this.header = header;
        this.rightAligned = new boolean[header.length];
    }

    Table right(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    void add(String... row) {
        rows.add(row);
    }

    String render() {
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            w[c] = header[c].length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c].length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, header, w);
        int total = 1;
        for (int c = 0; c < w.length; c++) {
            total += w[c] + (c < w.length - 1 ? 3 : 0);
        }
        b.append("-".repeat(total + 1)).append('\n');
        for (String[] r : rows) {
            line(b, r, w);
        }
        return b.toString();
    }

    private void line(StringBuilder b, String[] cells, int[] w) {
        StringBuilder l = new StringBuilder(" ");
        for (int c = 0; c < cells.length; c++) {
            String cell = cells[c];
            String pad = " ".repeat(w[c] - cell.length());
            l.append(rightAligned[c] ? pad + cell : (c == cells.length - 1 ? cell : cell + pad));
            if (c < cells.length - 1) {
                l.append("   ");
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
