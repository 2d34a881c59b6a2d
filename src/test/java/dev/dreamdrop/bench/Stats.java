package dev.dreamdrop.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Medians and percentiles over repeated measurements. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile. */
    static double percentile(List<Double> values, double percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** "median (min..max)": the spread shows how noisy the machine was. */
    static String spread(List<Double> values, String format) {
        if (values.isEmpty()) {
            return "-";
        }
        String median = String.format(format, median(values));
        if (values.size() == 1) {
            return median;
        }
        return median + " (" + String.format(format, Collections.min(values)) + ".."
                + String.format(format, Collections.max(values)) + ")";
    }
}
