package io.weightcast.app.load;

import io.weightcast.app.stack.ProcessStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench against a pipeline of separate JVMs with {@code instances} streams and scorer instances
 * ({@link ProcessStack}), so that 1 and 2 instances compare like with like: the same broker, trainer and
 * harness in JVMs of their own, only the instance count differs. Sends over Kafka (the Java SDK).
 */
final class ScaleBench {
    /** How long the busiest window is: the {@code --max} step's length, or less. */
    static final double BUSIEST_WINDOW_SECONDS = 10;
    private static final long STARTUP_TIMEOUT_MS = 240_000;

    record Options(int instances, int partitions, List<String> jvmOptions, Map<String, String> settings, Path dataDir) {
    }

    private final Options options;

    ScaleBench(Options options) {
        this.options = options;
    }

    ScaleReport run(LoadHarness.Options load, long deadlineNanos, PrintStream out) throws Exception {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        String loadAtStart = BenchMachine.loadAverage();
        Map<String, String> settings = new LinkedHashMap<>(options.settings());
        settings.put("topics.partitions", Integer.toString(options.partitions()));
        try (ProcessStack stack = new ProcessStack(options.dataDir(), List.of("streams", "scorer", "trainer"), settings,
                options.jvmOptions(), options.instances())) {
            out.println("Starting the broker, " + options.instances() + " streams and " + options.instances()
                    + " scorer instance(s) and the trainer as separate JVMs (data in " + options.dataDir() + ") ...");
            stack.start(options.partitions(), STARTUP_TIMEOUT_MS);
            Map<String, Long> pids = new LinkedHashMap<>();
            List<String> processes = new ArrayList<>();
            for (String name : stack.names()) {
                pids.put(name, stack.process(name).pid());
                processes.add(name + " (pid " + stack.process(name).pid() + ")");
            }
            pids.put("harness", ProcessHandle.current().pid());
            BenchReport report;
            CpuSampler.Usage whole;
            CpuSampler.Usage busiest;
            try (CpuSampler cpu = new CpuSampler(pids);
                 CheckpointSender sender = new KafkaCheckpointSender(stack.bootstrap(), stack.topics())) {
                LoadHarness.Target target = new LoadHarness.Target(stack.bootstrap(), stack.topics(), sender,
                        new PipelineProbe(Map.of(), List.of()), "separate JVMs: broker, " + options.instances() + "x streams, "
                        + options.instances() + "x scorer, trainer; harness in its own JVM", pipelineSettings(settings));
                report = new LoadHarness(load, target, deadlineNanos, out).run();
                cpu.close();
                whole = cpu.whole();
                busiest = cpu.busiest(BUSIEST_WINDOW_SECONDS);
            }
            return new ScaleReport("scale", options.instances(), options.partitions(), started.toString(), Instant.now().toString(),
                    Math.round((System.nanoTime() - t0) / 1e7) / 100.0, BenchMachine.describe(), loadAtStart, BenchMachine.loadAverage(),
                    processes, options.jvmOptions(), report.totals().maxScoredRate(), report.totals().everyCheckpointScoredOnce(),
                    whole, BUSIEST_WINDOW_SECONDS, busiest, report);
        }
    }

    private Map<String, String> pipelineSettings(Map<String, String> settings) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("instances", Integer.toString(options.instances()));
        m.put("topics.partitions", Integer.toString(options.partitions()));
        m.put("processing.guarantee", "exactly_once_v2");
        m.put("streams.threads", settings.getOrDefault("streams.threads", "1"));
        m.put("scorer.threads", settings.getOrDefault("scorer.threads", "1"));
        return m;
    }
}
