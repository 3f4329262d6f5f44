package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchMachine;
import io.weightcast.app.stack.ProcessStack;
import io.weightcast.app.stack.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code weightcast safety}: the pipeline as separate JVMs ({@link ProcessStack}) with a pod-like heap, then
 * HTTP fuzz ({@link IngestFuzz}), Kafka fuzz past ingest's validation ({@link KafkaFuzz}), duplicate sends
 * ({@link DuplicateSends}), a wait until every input is accounted for on the output topics ({@link Observed}),
 * and a liveness check, while {@link HeapSampler} watches every JVM's heap.
 */
final class SafetyHarness {
    private static final Logger LOG = LoggerFactory.getLogger(SafetyHarness.class);
    private static final long STARTUP_TIMEOUT_MS = 240_000;

    record Options(int fuzz, int events, int models, int duplicates, int partitions, double settleTimeoutSeconds, double quietSeconds,
                   long seed, List<String> jvmOptions, Map<String, String> settings, Path dataDir) {
    }

    private final Options options;
    private final PrintStream progress;
    private final String runPrefix;
    private final CheckpointMutations mutations;
    private final EventMutations broken;
    private final List<String> notes = new ArrayList<>();

    SafetyHarness(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.runPrefix = "safety" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-";
        this.mutations = new CheckpointMutations(options.seed());
        this.broken = new EventMutations(options.seed());
    }

    SafetyReport run() throws Exception {
        Instant started = Instant.now();
        String loadAtStart = ChaosReport.loadAverage();
        long wall0 = System.nanoTime();
        List<String> services = List.of("streams", "scorer", "trainer", "ingest");
        try (ProcessStack stack = new ProcessStack(options.dataDir(), services, options.settings(), options.jvmOptions())) {
            progress.println("safety: starting broker + " + services + " as separate JVMs (" + options.jvmOptions() + ") ...");
            stack.start(options.partitions(), STARTUP_TIMEOUT_MS);
            double startup = (System.nanoTime() - wall0) / 1e9;
            progress.printf(Locale.ROOT, "safety: ready in %.1f s%n", startup);
            String base = "http://127.0.0.1:" + stack.port("ingest");
            try (HeapSampler heap = new HeapSampler(stack, 1000);
                 TopicReader reader = new TopicReader(stack.bootstrap(), "weightcast-safety-reader",
                         List.of(stack.topics().features(), stack.topics().scores(), stack.topics().deadLetters()));
                 KafkaFuzz kafka = new KafkaFuzz(stack.bootstrap(), stack.topics())) {
                Observed seen = new Observed(stack.topics(), runPrefix);
                progress.printf("safety: 1/4 POSTing %d mutated checkpoints and %d broken events to ingest ...%n", options.fuzz(), options.events());
                IngestFuzz.Result http = new IngestFuzz(base).run(mutations, broken, runPrefix, options.fuzz(), options.events());
                progress.println("safety:     statuses " + http.checkpointStatuses() + ", events " + http.eventStatuses());
                progress.printf("safety: 2/4 writing %d mutated checkpoints, %d broken run events and %d broken models straight to Kafka ...%n",
                        options.fuzz(), options.events(), options.models());
                kafka.inject(mutations, broken, runPrefix, options.fuzz(), options.events(), options.models());
                long injectedAt = System.nanoTime();
                progress.printf("safety: 3/4 sending %d valid checkpoints three times (HTTP + same Idempotency-Key, Kafka copy) ...%n",
                        options.duplicates());
                DuplicateSends.Sent dup = new DuplicateSends(base).run(mutations, kafka, runPrefix, options.duplicates());
                double settleSeconds = settle(reader, seen, kafka, dup, injectedAt);
                progress.printf(Locale.ROOT, "safety:     outputs settled after %.1f s%n", settleSeconds);
                progress.println("safety: 4/4 liveness: /ready, processes, a fresh run's score ...");
                SafetyReport.Liveness liveness = liveness(stack, reader, seen, base);
                heap.close();
                heap.sampleOnce(); // the final values, after everything
                KafkaFuzz.Result kafkaResult = kafka.result(seen);
                SafetyReport.Duplicates duplicates = duplicates(dup, seen);
                Map<String, SafetyReport.Heap> heaps = heaps(heap);
                if (seen.unreadable() > 0) {
                    notes.add(seen.unreadable() + " records on features/scores/dead-letters could not be read");
                }
                List<String> failures = failures(http, kafkaResult, duplicates, liveness, heaps);
                return new SafetyReport("safety", started.toString(), Instant.now().toString(), round((System.nanoTime() - wall0) / 1e9),
                        BenchMachine.describe(), loadAtStart, ChaosReport.loadAverage(), config(stack), round(startup), http, kafkaResult,
                        duplicates, liveness, heaps, failures.isEmpty(), failures, List.copyOf(notes));
            }
        }
    }

    /**
     * Until every Kafka-injected checkpoint is accounted for (dead letter or features), every duplicated key has its
     * features, and nothing new arrived for the quiet time; or the timeout. Incomplete split groups wait for
     * {@code streams.parts.ttl.ms} of stream time, which only records move: ticks push it on every partition.
     */
    private double settle(TopicReader reader, Observed seen, KafkaFuzz kafka, DuplicateSends.Sent dup, long injectedAt)
            throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (options.settleTimeoutSeconds() * 1e9);
        long ttlNanos = Long.parseLong(options.settings().getOrDefault("streams.parts.ttl.ms", "3600000")) * 1_000_000L;
        long lastNew = System.nanoTime();
        long nextTick = injectedAt + ttlNanos + 1_000_000_000L;
        int ticks = 0;
        while (System.nanoTime() < deadline) {
            if (seen.accept(reader.drain()) > 0) {
                lastNew = System.nanoTime();
            }
            boolean accounted = kafka.settled(seen) && dupComplete(dup, seen);
            if (accounted && (System.nanoTime() - lastNew) / 1e9 >= options.quietSeconds()) {
                return (System.nanoTime() - t0) / 1e9;
            }
            if (!kafka.settled(seen) && System.nanoTime() >= nextTick && ticks < 20) {
                kafka.tick(mutations::valid, runPrefix, ticks++);
                nextTick = System.nanoTime() + ttlNanos + 1_000_000_000L;
            }
            Thread.sleep(500);
        }
        notes.add("outputs not settled within " + options.settleTimeoutSeconds() + " s: the counts are what had arrived by then");
        return (System.nanoTime() - t0) / 1e9;
    }

    private static boolean dupComplete(DuplicateSends.Sent dup, Observed seen) {
        for (int i = 0; i < dup.runIds().size(); i++) {
            if (seen.features(dup.runIds().get(i), dup.steps().get(i)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static SafetyReport.Duplicates duplicates(DuplicateSends.Sent dup, Observed seen) {
        long records = 0;
        long duplicates = 0;
        long missing = 0;
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < dup.runIds().size(); i++) {
            int n = seen.features(dup.runIds().get(i), dup.steps().get(i));
            records += n;
            duplicates += n > 1 ? 1 : 0;
            missing += n == 0 ? 1 : 0;
            if (n != 1 && examples.size() < 10) {
                examples.add(dup.runIds().get(i) + " step " + dup.steps().get(i) + ": " + n + " features records");
            }
        }
        return new SafetyReport.Duplicates(dup.runIds().size(), dup.statuses().group("first"), dup.statuses().group("second"),
                dup.replayed(), dup.kafkaResent(), records, duplicates, missing, examples);
    }

    /** Every process ready, alive, never restarted; then a fresh valid run's checkpoint must get a score (120 s at most). */
    private SafetyReport.Liveness liveness(ProcessStack stack, TopicReader reader, Observed seen, String base) throws Exception {
        Map<String, Boolean> ready = new LinkedHashMap<>();
        Map<String, Boolean> alive = new LinkedHashMap<>();
        Map<String, Integer> starts = new LinkedHashMap<>();
        for (String name : stack.names()) {
            ServiceProcess p = stack.process(name);
            alive.put(name, p.alive());
            starts.put(name, p.starts());
            ready.put(name, stack.ready(name));
        }
        String runId = runPrefix + "live";
        long t0 = System.nanoTime();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + runId + "/checkpoints?step=1"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mutations.valid(runId, 1))).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                notes.add("the fresh run's checkpoint was answered " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            notes.add("the fresh run's checkpoint got no answer: " + e);
        }
        long deadline = t0 + 120_000_000_000L;
        while (seen.scoresOfRun(runId) == 0 && System.nanoTime() < deadline) {
            seen.accept(reader.drain());
            Thread.sleep(200);
        }
        boolean scored = seen.scoresOfRun(runId) > 0;
        LOG.info("fresh run {} scored: {}", runId, scored);
        return new SafetyReport.Liveness(ready, alive, starts, scored, scored ? round((System.nanoTime() - t0) / 1e9) : null);
    }

    private Map<String, SafetyReport.Heap> heaps(HeapSampler sampler) {
        String xmx = options.jvmOptions().stream().filter(o -> o.startsWith("-Xmx")).reduce((a, b) -> b).orElse("(JVM default)");
        Map<String, SafetyReport.Heap> out = new LinkedHashMap<>();
        sampler.heaps().forEach((name, h) -> out.put(name, new SafetyReport.Heap(xmx, h.peak, h.last, mib(h.peak), mib(h.last),
                h.samples, h.jstatSamples, h.failures)));
        return out;
    }

    private static List<String> failures(IngestFuzz.Result http, KafkaFuzz.Result kafka, SafetyReport.Duplicates dup,
                                         SafetyReport.Liveness live, Map<String, SafetyReport.Heap> heaps) {
        List<String> f = new ArrayList<>();
        if (http.serverErrors() > 0) {
            f.add(http.serverErrors() + " 5xx answers from ingest to fuzzed input");
        }
        if (http.connectionFailures() > 0) {
            f.add(http.connectionFailures() + " fuzzed requests got no answer (connection failure or timeout)");
        }
        if (http.acceptedUnexplained() > 0) {
            f.add(http.acceptedUnexplained() + " mutated checkpoints got a 202 though core's reader refuses them: " + http.acceptedWhy());
        }
        if (kafka.checkpoints().unaccounted() > 0) {
            f.add(kafka.checkpoints().unaccounted() + " Kafka-injected checkpoints neither dead-lettered nor turned into features: "
                    + kafka.unaccountedExamples());
        }
        if (kafka.acceptedCheckpoints().unexplained() > 0) {
            f.add(kafka.acceptedCheckpoints().unexplained() + " Kafka-injected checkpoints accepted though core's reader refuses them");
        }
        if (kafka.acceptedCheckpoints().nonFiniteNotFlagged() > 0) {
            f.add(kafka.acceptedCheckpoints().nonFiniteNotFlagged() + " checkpoints with NaN/Inf weights accepted without health.nonfinite_values");
        }
        if (dup.duplicates() > 0) {
            f.add(dup.duplicates() + " duplicated (run_id, step) on the features topic: " + dup.examples());
        }
        if (dup.missing() > 0) {
            f.add(dup.missing() + " (run_id, step) without a features record: " + dup.examples());
        }
        live.ready().forEach((name, ok) -> {
            if (!ok) {
                f.add(name + " not ready at the end");
            }
        });
        live.alive().forEach((name, ok) -> {
            if (!ok) {
                f.add(name + " died");
            }
        });
        live.starts().forEach((name, n) -> {
            if (n != 1) {
                f.add(name + " was started " + n + " times");
            }
        });
        if (!live.freshRunScored()) {
            f.add("a fresh run's checkpoint got no score within 120 s");
        }
        heaps.forEach((name, h) -> {
            if (h.peakBytes() <= 0) {
                f.add("no heap sample of " + name);
            }
        });
        return f;
    }

    private SafetyReport.Config config(ProcessStack stack) {
        return new SafetyReport.Config(options.fuzz(), options.events(), options.fuzz(), options.events(), options.models(), options.duplicates(),
                options.seed(), options.jvmOptions(), options.partitions(), stack.names(), runPrefix, CheckpointMutations.KINDS,
                EventMutations.EVENT_KINDS, EventMutations.MODEL_KINDS, options.settings());
    }

    private static double mib(long bytes) {
        return bytes < 0 ? -1 : round(bytes / (1024.0 * 1024.0));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
