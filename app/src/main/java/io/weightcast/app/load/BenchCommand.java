package io.weightcast.app.load;

import io.weightcast.app.cli.SettingsOptions;
import io.weightcast.app.stack.LocalStack;
import io.weightcast.app.stack.ScratchDirs;
import io.weightcast.core.config.Settings;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weightcast bench}: the end-to-end load harness (design §8). Checkpoints/s through ingest,
 * features and scoring, and ingest→score latency percentiles, in local mode (or against a running
 * cluster with {@code --bootstrap}); writes {@code bench/results/e2e-<time>.json} and {@code e2e-latest.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "End-to-end load test: offer checkpoints at fixed rates (or --max), follow each to its score, "
                + "report throughput and latency percentiles, write bench/results/e2e-*.json.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--rates", split = ",", defaultValue = "50,100,200,500",
            description = "Offered rates in checkpoints/s, one step each, in this order. Default: ${DEFAULT-VALUE}")
    List<Double> rates;

    @Option(names = "--seconds", defaultValue = "20", description = "Seconds of load per rate (and of --max). Default: ${DEFAULT-VALUE}")
    double seconds;

    @Option(names = "--drain", defaultValue = "30",
            description = "Seconds to wait after each step for its outstanding scores. Default: ${DEFAULT-VALUE}")
    double drain;

    @Option(names = "--runs", defaultValue = "100", description = "Distinct run ids; steps increase per run. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--params", defaultValue = "4970",
            description = "Parameters per checkpoint: 4970 is the digits CNN; more builds square linear layers of about that many "
                    + "(e.g. 25000000: ~100 MB, split into parts). Default: ${DEFAULT-VALUE}")
    long params;

    @Option(names = "--via", defaultValue = "kafka", description = "kafka (the Java SDK) or http (the ingest gateway). Default: ${DEFAULT-VALUE}")
    String via;

    @Option(names = "--max", description = "Instead of --rates: send as fast as the sender allows for --seconds, report the scored throughput.")
    boolean max;

    @Option(names = "--max-in-flight", defaultValue = "128", description = "Checkpoints sent but not yet acked, at most. Default: ${DEFAULT-VALUE}")
    int maxInFlight;

    @Option(names = "--warmup-rate", description = "Warm-up rate, reported apart (default: 20/s, or the first rate if lower).")
    Double warmupRate;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "Warm-up length; 0 skips it. Default: ${DEFAULT-VALUE}")
    double warmupSeconds;

    @Option(names = "--continue-after-saturation", description = "Run the higher rates even after a step did not drain.")
    boolean continueAfterSaturation;

    @Option(names = "--bootstrap", description = "Bench a running Weightcast at these Kafka bootstrap servers instead of a local stack.")
    String bootstrap;

    @Option(names = "--ingest-url", description = "With --via http and --bootstrap: the gateway's base URL, e.g. http://127.0.0.1:8080.")
    String ingestUrl;

    @Option(names = "--token", description = "Bearer token for the gateway (when ingest.tokens is set).")
    String token;

    @Option(names = "--instances",
            description = "Bench a stack of separate JVMs instead of the one-JVM local stack: the broker, this many streams and "
                    + "scorer instances each, and the trainer (via kafka). Writes bench/results/scale-x<N>-<time>.json with who used "
                    + "the CPU. Compare --instances 1 and 2.")
    Integer instances;

    @Option(names = "--partitions", defaultValue = "8", description = "With --instances: partitions per topic. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--jvm-opts", defaultValue = "-Xmx768m", split = " ",
            description = "With --instances: options of every child JVM (space-separated). Default: ${DEFAULT-VALUE}")
    List<String> jvmOptions;

    @Option(names = "--data-dir", description = "Local stack's data dir (default: a temp dir, deleted afterwards).")
    Path dataDir;

    @Option(names = "--out-dir", defaultValue = "bench/results", description = "Where the JSON results go. Default: ${DEFAULT-VALUE}")
    Path outDir;

    @Option(names = "--time-limit", description = "Hard bound on the whole bench in seconds (default: from the steps, drains and start-up).")
    Integer timeLimit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic weights. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--no-watchdog", hidden = true, description = "Do not halt the JVM when the time limit is overrun (tests).")
    boolean noWatchdog;

    @Mixin
    SettingsOptions settings;

    private static final int STARTUP_SECONDS = 180;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (!via.equals("kafka") && !via.equals("http")) {
            System.err.println("--via must be kafka or http, was " + via);
            return 2;
        }
        long start = System.nanoTime();
        int limit = timeLimit != null ? timeLimit : defaultTimeLimit();
        long deadline = start + (limit - 30) * 1_000_000_000L; // keep 30 s to close the stack and write the report
        if (!noWatchdog) {
            startWatchdog(start + (limit + 60) * 1_000_000_000L, limit);
        }
        if (instances != null) {
            return scale(deadline);
        }
        boolean local = bootstrap == null;
        Path data = local ? (dataDir != null ? dataDir.toAbsolutePath() : Files.createTempDirectory("weightcast-bench")) : null;
        LocalStack stack = null;
        try {
            Settings effective;
            if (local) {
                out.println("Starting the Kafka broker and the four services (data in " + data + ") ...");
                stack = LocalStack.start(data, 0, 0, settings.merged(Map.of()));
                if (!stack.awaitReady(STARTUP_SECONDS * 1000L)) {
                    out.println("the local stack did not become ready within " + STARTUP_SECONDS + " s");
                    return 1;
                }
                effective = stack.settings();
            } else {
                effective = Settings.load(Map.of(), null, Map.of(), settings.merged(Map.of(Settings.BOOTSTRAP, bootstrap)));
            }
            String kafka = local ? stack.bootstrapServers() : bootstrap;
            String runPrefix = "bench" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-";
            LoadHarness.Options options = new LoadHarness.Options(List.copyOf(rates), max, seconds, drain, runs, params,
                    maxInFlight, warmupRate(), warmupSeconds, continueAfterSaturation, seed, runPrefix);
            BenchReport report;
            try (CheckpointSender sender = sender(stack, kafka, effective)) {
                LoadHarness.Target target = new LoadHarness.Target(kafka, effective.topics(), sender, probe(stack, effective),
                        local ? "local stack (one JVM: broker + 4 services + harness)" : bootstrap, pipelineSettings(effective, local));
                report = new LoadHarness(options, target, deadline, out).run();
            }
            BenchTable.print(out, report);
            Path written = write(report);
            out.println("results: " + written.toAbsolutePath());
            return report.totals().duplicates() > 0 || (report.warmup() != null && !report.warmup().drained()) ? 1 : 0;
        } finally {
            if (stack != null) {
                stack.close();
            }
            if (local && dataDir == null) {
                ScratchDirs.delete(data);
            }
        }
    }

    /** {@code --instances}: the bench on separate JVMs ({@link ScaleBench}), its report as {@code scale-x<N>-<time>.json}. */
    private int scale(long deadline) throws Exception {
        if (instances < 1 || !via.equals("kafka") || bootstrap != null) {
            System.err.println("--instances needs a count of at least 1, --via kafka and no --bootstrap");
            return 2;
        }
        Path data = dataDir != null ? dataDir.toAbsolutePath() : Files.createTempDirectory("weightcast-scale");
        try {
            String runPrefix = "scale" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-";
            LoadHarness.Options options = new LoadHarness.Options(List.copyOf(rates), max, seconds, drain, runs, params,
                    maxInFlight, warmupRate(), warmupSeconds, continueAfterSaturation, seed, runPrefix);
            ScaleReport report = new ScaleBench(new ScaleBench.Options(instances, partitions, jvmOptions, settings.merged(Map.of()), data))
                    .run(options, deadline, System.out);
            BenchTable.print(System.out, report.e2e());
            System.out.printf(java.util.Locale.ROOT, "%d instance(s): %s scored/s; cores used over the busiest %.0f s: %s (machine %s of %d)%n",
                    report.instances(), report.scoredPerSecond(), report.busiestWindowSeconds(), report.cpuBusiestWindow().coresByProcess(),
                    report.cpuBusiestWindow().machineCores(), report.machine().cores());
            Files.createDirectories(outDir);
            String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path file = outDir.resolve("scale-x" + instances + "-" + stamp + ".json");
            Files.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
            System.out.println("results: " + file.toAbsolutePath());
            return report.everyCheckpointScoredOnce() ? 0 : 1;
        } finally {
            if (dataDir == null) {
                ScratchDirs.delete(data);
            }
        }
    }

    private double warmupRate() {
        if (warmupRate != null) {
            return warmupRate;
        }
        return max || rates.isEmpty() ? 20 : Math.min(20, rates.get(0));
    }

    private CheckpointSender sender(LocalStack stack, String kafka, Settings effective) {
        if (via.equals("http")) {
            String url = ingestUrl != null ? ingestUrl : stack != null ? "http://127.0.0.1:" + stack.ingest().port() : null;
            if (url == null) {
                throw new IllegalArgumentException("--via http with --bootstrap needs --ingest-url");
            }
            return new HttpCheckpointSender(url, token);
        }
        return new KafkaCheckpointSender(kafka, effective.topics());
    }

    private static PipelineProbe probe(LocalStack stack, Settings s) {
        if (stack == null) {
            return new PipelineProbe(Map.of(), List.of());
        }
        String prefix = s.topics().prefix();
        return new PipelineProbe(
                Map.of("ingest", stack.ingest().registry(), "streams", stack.streams().metrics().registry(),
                        "scorer", stack.scorer().metrics().registry(), "trainer", stack.trainer().registry()),
                List.of(s.get("streams.application.id", prefix + "streams"), s.get("scorer.application.id", prefix + "scorer")));
    }

    /** The settings that shape throughput, with the defaults the services apply when unset. */
    private static Map<String, String> pipelineSettings(Settings s, boolean local) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!local) {
            m.put("note", "remote cluster: its settings are not visible to the bench");
            return m;
        }
        m.put("topics.partitions", s.get("topics.partitions", "4"));
        m.put("processing.guarantee", "exactly_once_v2");
        m.put("streams.threads", s.get("streams.threads", "1"));
        m.put("scorer.threads", s.get("scorer.threads", "1"));
        m.put("streams.commit.interval.ms", s.get("streams.kafka.commit.interval.ms", "100 (Kafka Streams default under exactly-once)"));
        m.put("scorer.commit.interval.ms", s.get("scorer.kafka.commit.interval.ms", "100 (Kafka Streams default under exactly-once)"));
        m.put("producer.linger.ms", "5");
        m.put("producer.compression", "lz4");
        return m;
    }

    private Path write(BenchReport report) throws IOException {
        Files.createDirectories(outDir);
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path file = outDir.resolve("e2e-" + stamp + (max ? "-max" : "") + ".json");
        Path tmp = outDir.resolve("e2e-latest.json.tmp");
        Files.write(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
        Files.copy(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, outDir.resolve("e2e-latest.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private int defaultTimeLimit() {
        int steps = max ? 1 : rates.size();
        return (int) Math.ceil(STARTUP_SECONDS + warmupSeconds + 60 + steps * (seconds + drain) + 30);
    }

    /** The last resort of the hard bound: a hung close or broker must not keep the bench alive. */
    private static void startWatchdog(long haltAtNanos, int limit) {
        Thread t = new Thread(() -> {
            long wait;
            while ((wait = haltAtNanos - System.nanoTime()) > 0) {
                try {
                    Thread.sleep(Math.max(1, wait / 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("weightcast bench: time limit of " + limit + " s overrun by 60 s; halting");
            Runtime.getRuntime().halt(3);
        }, "bench-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
