package io.weightcast.app.resilience;

import io.weightcast.app.cli.SettingsOptions;
import java.io.IOException;
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
 * {@code weightcast safety}: what hostile or broken input does to the pipeline, measured. The broker and the
 * services run as separate JVMs with a pod-like heap; mutated checkpoints and broken events go to ingest over
 * HTTP and straight into the topics past its validation; valid checkpoints are sent three times. Then: no 5xx,
 * every injected checkpoint dead-lettered or taken, no duplicate or missing features, every process alive and
 * ready, a fresh run still scored; heap peaks per JVM. Writes {@code bench/results/safety-<time>.json}; exits 1
 * when an expectation fails.
 *
 * <p>{@code streams.parts.ttl.ms} is 5 s unless {@code -s} says otherwise, so that the incomplete split groups the
 * fuzz leaves behind are dead-lettered during the run rather than after the default hour.
 */
@Command(name = "safety", mixinStandardHelpOptions = true,
        description = "Fuzz ingest (HTTP) and the topics (Kafka) with malformed checkpoints, events and models, send duplicates, "
                + "and verify: no 5xx, dead letters for the malformed, no duplicate features, services alive; heap peaks per JVM.")
public final class SafetyCommand implements Callable<Integer> {
    @Option(names = "--fuzz", defaultValue = "1000",
            description = "Mutated checkpoints POSTed to ingest, and as many written straight to the checkpoints topic. Default: ${DEFAULT-VALUE}")
    int fuzz;

    @Option(names = "--events", defaultValue = "200",
            description = "Broken run events POSTed to ingest, and as many written straight to the runs topic. Default: ${DEFAULT-VALUE}")
    int events;

    @Option(names = "--models", defaultValue = "50", description = "Garbage and unsigned records written to the models topic. Default: ${DEFAULT-VALUE}")
    int models;

    @Option(names = "--duplicates", defaultValue = "100",
            description = "Valid checkpoints each sent twice over HTTP with one Idempotency-Key and once more to Kafka. Default: ${DEFAULT-VALUE}")
    int duplicates;

    @Option(names = "--jvm-opts", defaultValue = "-Xmx512m", split = " ",
            description = "Options of every child JVM (space-separated): a pod's heap. Default: ${DEFAULT-VALUE}")
    List<String> jvmOptions;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions per topic. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--settle-timeout", defaultValue = "240",
            description = "Seconds to wait for every input to show on the output topics. Default: ${DEFAULT-VALUE}")
    double settleTimeout;

    @Option(names = "--quiet", defaultValue = "5",
            description = "Seconds without a new output record that count as settled (late duplicates would show here). Default: ${DEFAULT-VALUE}")
    double quiet;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every mutation (a run is reproducible input by input). Default: ${DEFAULT-VALUE}")
    long seed;

    @Mixin
    HarnessDirs dirs = new HarnessDirs();

    @Mixin
    SettingsOptions settings;

    /** The report of the last run (tests read it). */
    SafetyReport report;
    Path written;

    @Override
    public Integer call() throws Exception {
        Path data = dirs.data("safety");
        Map<String, String> serviceSettings = new LinkedHashMap<>();
        serviceSettings.put("streams.parts.ttl.ms", "5000");
        serviceSettings.put("topics.partitions", Integer.toString(partitions));
        serviceSettings.putAll(settings.overrides);
        SafetyHarness.Options options = new SafetyHarness.Options(fuzz, events, models, duplicates, partitions, settleTimeout, quiet, seed,
                jvmOptions, serviceSettings, data);
        boolean passed = false;
        try {
            report = new SafetyHarness(options, System.err).run();
            passed = report.passed();
        } finally {
            dirs.cleanUp(data, passed, "safety");
        }
        print(System.out, report);
        written = write(report);
        System.out.println("results: " + written.toAbsolutePath());
        return report.passed() ? 0 : 1;
    }

    static void print(PrintStream out, SafetyReport r) {
        IngestFuzz.Result h = r.ingestFuzz();
        KafkaFuzz.Result k = r.kafkaFuzz();
        SafetyReport.Duplicates d = r.duplicates();
        SafetyReport.Liveness l = r.liveness();
        out.printf(Locale.ROOT, "%nsafety: %d mutated checkpoints + %d broken events over HTTP, the same to Kafka (+ %d broken models), "
                + "%d checkpoints sent 3 times; JVMs %s%n", h.checkpointsSent(), h.eventsSent(), r.config().kafkaModels(), d.checkpoints(),
                String.join(" ", r.config().jvmOptions()));
        row(out, "HTTP checkpoints", h.checkpointStatuses().toString());
        row(out, "HTTP events", h.eventStatuses().toString());
        row(out, "  202 because", h.acceptedWhy().toString());
        row(out, "5xx / no answer", h.serverErrors() + " / " + h.connectionFailures());
        row(out, "Kafka checkpoints", outcome(k.checkpoints()));
        row(out, "  taken because", k.acceptedCheckpoints().byKind().toString());
        row(out, "Kafka run events", outcome(k.runs()));
        row(out, "Kafka models", outcome(k.models()));
        row(out, "dead letters", k.deadLetters() + " " + k.deadLettersBySourceTopic());
        row(out, "duplicates", d.featureRecords() + " features for " + d.checkpoints() + " keys: " + d.duplicates() + " duplicated, "
                + d.missing() + " missing (second HTTP answers replayed: " + d.replayed() + ")");
        row(out, "ready / alive", l.ready() + " / " + l.alive());
        row(out, "fresh run scored", l.freshRunScored() ? "yes, after " + l.freshRunScoreSeconds() + " s" : "NO");
        r.heap().forEach((name, heap) -> row(out, "heap " + name, String.format(Locale.ROOT, "peak %.0f MiB, final %.0f MiB of %s (%d samples)",
                heap.peakMib(), heap.finalMib(), heap.xmx(), heap.samples())));
        row(out, "wall", r.wallSeconds() + " s (startup " + r.startupSeconds() + " s)");
        row(out, "machine load average", r.loadAverageAtStart() + " at start, " + r.loadAverageAtEnd() + " at end (" + r.machine().cores()
                + " cores)");
        r.notes().forEach(n -> out.println("note: " + n));
        if (r.passed()) {
            out.println("SAFE: every expectation held");
        } else {
            r.failures().forEach(f -> out.println("FAILED: " + f));
        }
    }

    private static String outcome(KafkaFuzz.TopicOutcome o) {
        return o.injected() + " injected: " + o.deadLettered() + " dead-lettered, " + o.accepted() + " taken, " + o.unaccounted() + " unaccounted";
    }

    private static void row(PrintStream out, String label, Object value) {
        out.printf("%-22s %s%n", label, value);
    }

    private Path write(SafetyReport r) throws IOException {
        return dirs.write("safety", r);
    }
}
