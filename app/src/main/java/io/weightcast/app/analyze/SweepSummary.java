package io.weightcast.app.analyze;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weightcast.core.records.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code weightcast analyze} over many checkpoints (a sweep's directory) in one JVM: a line per checkpoint as it is
 * done (or, with {@code --json}, one JSON document at the end: every report and the totals), then the rate in
 * checkpoints per second and where the time went (read, statistics, spectra), summed over the checkpoints.
 */
final class SweepSummary {
    private static final String[] PHASES = {"read", "statistics", "spectra", "prediction"};

    private final int expected;
    private final boolean json;
    private final PrintWriter out;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final ArrayNode reports = Json.MAPPER.createArrayNode();
    private final ArrayNode failed = Json.MAPPER.createArrayNode();
    private int done;
    private long bytes;

    SweepSummary(int expected, boolean json, PrintWriter out, PrintWriter err) {
        this.expected = expected;
        this.json = json;
        this.out = out;
        this.err = err;
        if (!json) {
            out.printf(Locale.ROOT, "%-48s %8s %6s %12s %8s %8s %s%n", "checkpoint", "size", "layers", "parameters", "alpha", "seconds",
                    "flags");
        }
    }

    void add(CheckpointReport report) {
        done++;
        bytes += report.bytes();
        report.summary().seconds().forEach((phase, s) -> seconds.merge(phase, s, Double::sum));
        if (json) {
            reports.add(report.toJson());
            return;
        }
        CheckpointReport.Summary s = report.summary();
        String flags = (s.nonfiniteValues() > 0 ? s.nonfiniteValues() + " non-finite " : "")
                + (s.overTrained().isEmpty() ? "" : s.overTrained().size() + " over-trained ")
                + (s.underTrained().isEmpty() ? "" : s.underTrained().size() + " under-trained ")
                + (report.prediction() == null ? "" : String.format(Locale.ROOT, "predicted %.3f", report.prediction().predictedFinalAccuracy()));
        out.printf(Locale.ROOT, "%-48s %8s %6d %,12d %8s %8.2f %s%n", shorten(report.file()), size(report.bytes()), s.layers(), s.parameters(),
                s.alpha() == null ? "-" : String.format(Locale.ROOT, "%.3f", s.alpha()), s.seconds().getOrDefault("total", Double.NaN),
                flags.strip());
        out.flush();
    }

    void failed(Path file, String reason) {
        ObjectNode f = failed.addObject();
        f.put("file", file.toString());
        f.put("reason", reason);
        err.println("weightcast analyze: " + file + ": " + reason);
        err.flush();
    }

    int failures() {
        return failed.size();
    }

    void finish() {
        double wall = (System.nanoTime() - start) / 1e9;
        double rate = done / wall;
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.set("checkpoints", reports);
            root.set("failed", failed);
            ObjectNode totals = root.putObject("totals");
            totals.put("analysed", done);
            totals.put("bytes", bytes);
            totals.put("wall_seconds", wall);
            totals.put("checkpoints_per_second", rate);
            ObjectNode phases = totals.putObject("seconds");
            seconds.forEach(phases::put);
            out.println(Json.string(root));
        } else {
            StringBuilder where = new StringBuilder();
            for (String phase : PHASES) {
                if (seconds.containsKey(phase)) {
                    where.append(where.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f", phase, seconds.get(phase)));
                }
            }
            out.printf(Locale.ROOT, "%n%d of %d checkpoints (%s) in %.2f s: %.2f checkpoints/s (%s s)%n", done, expected, size(bytes), wall,
                    rate, where);
        }
        out.flush();
    }

    private static String shorten(String file) {
        return file.length() <= 48 ? file : "…" + file.substring(file.length() - 47);
    }

    private static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
