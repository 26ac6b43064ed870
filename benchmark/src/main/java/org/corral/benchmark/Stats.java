package org.corral.benchmark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples in milliseconds; median and p90 by nearest rank, as floor.c computes them. */
final class Stats {
    private final List<Double> ms = new ArrayList<>();

    void addNanos(long nanos) {
        ms.add(nanos / 1e6);
    }

    void addMs(double v) {
        ms.add(v);
    }

    int count() {
        return ms.size();
    }

    double median() {
        return rank(0.5);
    }

    double p90() {
        return rank(0.9);
    }

    double min() {
        return ms.isEmpty() ? Double.NaN : Collections.min(ms);
    }

    double max() {
        return ms.isEmpty() ? Double.NaN : Collections.max(ms);
    }

    private double rank(double q) {
        if (ms.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return s.get((int) (s.size() * q));
    }
}
