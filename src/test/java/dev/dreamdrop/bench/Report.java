package dev.dreamdrop.bench;

import java.util.ArrayList;
import java.util.List;

/** The results table, and what went wrong: a lost or duplicated item makes the whole run fail. */
final class Report {

    record Row(String figure, String dreamDrop, String reference, String ratio, String target) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(String figure, String dreamDrop, String reference, String ratio, String target) {
        rows.add(new Row(figure, dreamDrop, reference, ratio, target));
        print(figure, dreamDrop, reference, ratio, target);
    }

    /** A figure with a target, marked met or not met. */
    void add(String figure, String dreamDrop, String reference, String ratio, String target, boolean met) {
        add(figure, dreamDrop, reference, ratio, target + (met ? ": **met**" : ": **not met**"));
    }

    private static void print(String figure, String dreamDrop, String reference, String ratio, String target) {
        System.out.printf("  %-58s %-28s %-34s %-14s %s%n", figure, dreamDrop, reference, ratio, target);
    }

    void fail(String what) {
        failures.add(what);
        System.out.println("  FAILED: " + what);
    }

    /** Checks that a run lost and duplicated nothing. */
    void expect(String what, long expected, long actual) {
        if (expected != actual) {
            fail(what + ": expected " + expected + ", got " + actual);
        }
    }

    void note(String note) {
        notes.add(note);
    }

    List<String> failures() {
        return failures;
    }

    String markdown(String title, String machine, String date, String command) {
        StringBuilder md = new StringBuilder("# " + title + "\n\n");
        md.append("Produced by `").append(command).append("` on ").append(date).append(".\n");
        md.append("Machine: ").append(machine).append(".\n\n");
        md.append("Each figure is the median over the rounds, with the range in brackets; DreamDrop and its reference"
                + " ran alternately in the same invocation.\n\n");
        md.append("| figure | DreamDrop | reference | ratio | target | machine | date |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            md.append("| ").append(String.join(" | ", row.figure(), row.dreamDrop(), row.reference(), row.ratio(),
                    row.target(), machine, date)).append(" |\n");
        }
        md.append("\n");
        if (!failures.isEmpty()) {
            md.append("## Failures\n\n");
            failures.forEach(failure -> md.append("- ").append(failure).append("\n"));
            md.append("\n");
        }
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            notes.forEach(note -> md.append("- ").append(note).append("\n"));
        }
        return md.toString();
    }
}
