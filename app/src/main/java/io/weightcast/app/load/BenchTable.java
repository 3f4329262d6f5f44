package io.weightcast.app.load;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The bench's human-readable output: one line per step, then the totals. */
final class BenchTable {
    private static final String FEATURE_HISTOGRAM = "weightcast_streams_feature_duration_seconds";
    private static final String HEADER = String.format(Locale.ROOT, "%-10s %8s %7s %9s %7s %9s %6s %4s %4s  %-27s  %-27s %5s %6s %8s %s",
            "step", "offered", "sent", "produced", "scored", "scored/s", "miss", "dup", "DL",
            "record->score p50/p95/p99/max", "send->seen p50/p95/p99/max", "jvm", "others", "feat ms", "drained");

    private BenchTable() {
    }

    static String header() {
        return HEADER;
    }

    static String line(BenchReport.PhaseResult r) {
        PipelineProbe.HistogramDelta feature = r.serviceHistograms().get(FEATURE_HISTOGRAM);
        return String.format(Locale.ROOT, "%-10s %8s %7d %9s %7d %9s %6d %4d %4d  %-27s  %-27s %5s %6s %8s %s",
                r.name(), r.offeredRate() == null ? "max" : LoadHarness.format(r.offeredRate()), r.sent(),
                number(r.achievedProduceRate()), r.scored(), number(r.scoredRate()), r.missing(), r.duplicates(), r.deadLetters(),
                percentiles(r.latencyMs().recordToScore()), percentiles(r.latencyMs().sendToScoreSeen()),
                number(r.cpuDuringSend().processCores()), number(r.cpuDuringSend().otherProcessesCores()),
                feature == null ? "-" : number(feature.meanMillis()),
                (r.drained() ? "yes" : "NO") + " (" + LoadHarness.format(r.drainSeconds()) + " s)");
    }

    static void print(PrintStream out, BenchReport report) {
        out.println();
        out.println("End-to-end bench: " + report.settings().mode() + " via " + report.settings().via() + " against "
                + report.settings().target() + ", " + report.settings().parameters() + " parameters ("
                + report.settings().checkpointBytes() + " bytes) per checkpoint, " + report.settings().runs() + " runs; "
                + report.machine().cores() + " cores, Java " + report.machine().javaVersion());
        out.println("rates in checkpoints/s, latencies in ms; jvm/others = CPU cores used by this JVM / by other processes while sending; feat ms = mean feature time");
        out.println(HEADER);
        if (report.warmup() != null) {
            out.println(line(report.warmup()));
        }
        report.results().forEach(r -> out.println(line(r)));
        BenchReport.Totals t = report.totals();
        out.printf(Locale.ROOT, "totals: %d sent, %d acked, %d scored, %d duplicates, %d unscored, %d dead letters; every checkpoint scored once: %s%n",
                t.sent(), t.acked(), t.scored(), t.duplicates(), t.missing(), t.deadLetters(), t.everyCheckpointScoredOnce());
        out.println("max sustained offered rate: " + (t.maxSustainedRate() == null ? "none" : LoadHarness.format(t.maxSustainedRate()) + "/s")
                + "; best scored rate: " + (t.maxScoredRate() == null ? "none" : number(t.maxScoredRate()) + "/s") + "; " + t.saturation());
        report.results().stream().reduce((a, b) -> b).ifPresent(last -> {
            if (last.cpuDuringSend() != null && !last.cpuDuringSend().threadGroupCores().isEmpty()) {
                out.println("busiest threads in step " + last.name() + " (cores): " + compact(last.cpuDuringSend().threadGroupCores()));
            }
        });
        report.notes().forEach(n -> out.println("note: " + n));
    }

    private static String compact(Map<String, Double> groups) {
        StringBuilder b = new StringBuilder();
        groups.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }

    private static String percentiles(LatencyRecorder.Summary s) {
        if (s == null || s.count() == 0) {
            return "-";
        }
        return number(s.p50()) + "/" + number(s.p95()) + "/" + number(s.p99()) + "/" + number(s.max());
    }

    private static String number(Double v) {
        if (v == null) {
            return "-";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 || a == 0 ? "%.1f" : "%.2f", v);
    }
}
