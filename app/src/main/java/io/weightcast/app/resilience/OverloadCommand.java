package io.weightcast.app.resilience;

import io.weightcast.app.cli.SettingsOptions;
import io.weightcast.app.load.LoadHarness;
import io.weightcast.app.stack.ScratchDirs;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weightcast overload}: offers the ingest gateway far more HTTP checkpoints than the pipeline
 * sustains (default 10× of 500/s) between a baseline and an after phase, and reports the 429s and their
 * Retry-After, the ingest JVM's heap and RSS during and after, and how long until the p99 latencies were
 * back to the baseline's. Writes {@code bench/results/overload-<time>.json}.
 */
@Command(name = "overload", mixinStandardHelpOptions = true,
        description = "Overload the ingest gateway over HTTP (baseline, overload, after) and measure admission control and recovery.")
public final class OverloadCommand implements Callable<Integer> {
    @Option(names = "--warmup-seconds", defaultValue = "20",
            description = "Baseline-rate load first, not reported, then until it is scored: warm JVMs for the baseline. Default: ${DEFAULT-VALUE}")
    double warmupSeconds;

    @Option(names = "--baseline-rate", defaultValue = "50", description = "Checkpoints/s before and after the overload. Default: ${DEFAULT-VALUE}")
    double baselineRate;

    @Option(names = "--baseline-seconds", defaultValue = "15", description = "Default: ${DEFAULT-VALUE}")
    double baselineSeconds;

    @Option(names = "--offered", defaultValue = "5000", description = "Checkpoints/s offered during the overload. Default: ${DEFAULT-VALUE}")
    double offered;

    @Option(names = "--seconds", defaultValue = "30", description = "Length of the overload. Default: ${DEFAULT-VALUE}")
    double seconds;

    @Option(names = "--after-seconds", defaultValue = "60", description = "Baseline rate again, for the recovery. Default: ${DEFAULT-VALUE}")
    double afterSeconds;

    @Option(names = "--drain", defaultValue = "240", description = "Seconds to wait afterwards for outstanding scores. Default: ${DEFAULT-VALUE}")
    double drain;

    @Option(names = "--max-in-flight", defaultValue = "4000",
            description = "The client's own cap on unanswered requests (above the gateway's 512, so the gateway is what refuses). "
                    + "Default: ${DEFAULT-VALUE}")
    int maxInFlight;

    @Option(names = "--runs", defaultValue = "200", description = "Distinct run ids. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--jvm-opts", defaultValue = "-Xmx768m", split = " ", description = "Options of every child JVM. Default: ${DEFAULT-VALUE}")
    List<String> jvmOptions;

    @Mixin
    HarnessDirs dirs = new HarnessDirs();

    @Option(names = "--seed", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}")
    long seed;

    @Mixin
    SettingsOptions settings;

    OverloadReport report;
    Path written;

    @Override
    public Integer call() throws Exception {
        Path data = dirs.data("overload");
        Map<String, String> s = new LinkedHashMap<>();
        s.put("topics.partitions", "4");
        s.putAll(settings.overrides);
        OverloadRun.Options options = new OverloadRun.Options(warmupSeconds, baselineRate, baselineSeconds, offered, seconds, afterSeconds, drain,
                maxInFlight, runs, seed, jvmOptions, s, data);
        try {
            report = new OverloadRun(options, System.err).run();
        } finally {
            if (dirs.dataDir == null) { // a measurement, not a check: nothing to keep for a post-mortem
                ScratchDirs.delete(data);
            }
        }
        print(System.out, report);
        written = dirs.write("overload", report);
        System.out.println("results: " + written.toAbsolutePath());
        return 0;
    }

    static void print(PrintStream out, OverloadReport r) {
        out.printf("%n%-9s %8s %7s %7s %9s %8s %8s %6s %9s %9s %9s %10s %10s%n", "phase", "offered", "sent", "skipped", "accepted",
                "acc/s", "429", "other", "202 p50", "202 p99", "429 p99", "score p50", "score p99");
        for (OverloadReport.Phase p : r.phases()) {
            long other = p.sent() - p.accepted() - p.rejected429();
            out.printf(Locale.ROOT, "%-9s %7s/s %7d %7d %9d %8s %8d %6d %8sms %8sms %8sms %9sms %9sms%n", p.name(),
                    LoadHarness.format(p.offeredRate()), p.sent(), p.skippedAtClient(), p.accepted(), LoadHarness.format(p.acceptedRate()),
                    p.rejected429(), other, v(p.acceptedLatencyMs().p50()), v(p.acceptedLatencyMs().p99()), v(p.rejectedLatencyMs().p99()),
                    v(p.scoreLatencyMs().p50()), v(p.scoreLatencyMs().p99()));
        }
        for (OverloadReport.Phase p : r.phases()) {
            out.println(p.name() + " statuses " + p.statuses() + (p.retryAfter().isEmpty() ? "" : ", Retry-After " + p.retryAfter()));
        }
        OverloadReport.Memory m = r.ingestMemory();
        out.printf(Locale.ROOT, "ingest RSS  MB: baseline %d, max during overload %d, at the end %d%n", m.rssBaselineBytes() >> 20,
                m.rssMaxDuringOverloadBytes() >> 20, m.rssAtEndBytes() >> 20);
        out.printf(Locale.ROOT, "ingest heap MB: baseline %d, max during overload %d, at the end %d, live after a full GC %d (max heap %d)%n",
                m.heapBaselineBytes() >> 20, m.heapMaxDuringOverloadBytes() >> 20, m.heapAtEndBytes() >> 20, m.heapAfterGcBytes() >> 20,
                m.maxHeapBytes() >> 20);
        out.printf(Locale.ROOT, "ingest in-flight gauges, max: %d requests, %d MB%n", m.maxInflightRequests(), m.maxInflightBytes() >> 20);
        OverloadReport.Recovery rec = r.recovery();
        out.printf(Locale.ROOT, "recovery (p99 within %sx baseline for %d s in a row): 202 latency after %s s (baseline p99 %s ms); "
                        + "send->score after %s s (baseline p99 %s ms); backlog scored %s s after the overload%n",
                LoadHarness.format(rec.boundFactor()), rec.stableWindows(), v(rec.acceptedP99RecoveredAfterSeconds()), v(rec.baselineAcceptedP99Ms()),
                v(rec.scoreP99RecoveredAfterSeconds()), v(rec.baselineScoreP99Ms()), v(rec.backlogScoredAfterSeconds()));
        out.println("harness read lag of scores (ms): p50 " + v(r.scoreReadLagMs().p50()) + ", p99 " + v(r.scoreReadLagMs().p99()));
        out.println("machine load average: " + r.loadAverageAtStart() + " at start, " + r.loadAverageAtEnd() + " at end");
        r.notes().forEach(n -> out.println("note: " + n));
    }

    private static String v(Double d) {
        return d == null ? "-" : LoadHarness.format(d);
    }
}
