package io.weightcast.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Milliseconds per checkpoint seen of the hyper-representation encoder's training step (issue 23, item 1):
 * the digits zoo's checkpoints (default encoder configuration, batch 64 checkpoints = 128 views per step),
 * a warm-up pass, then timed passes. Reports where a step's wall time goes: building the views, SameDiff's
 * step (split by {@link OpTimer} into forward ops, backward ops, updater and session bookkeeping, by op type),
 * freeing; and the JVM's GC time. Writes {@code bench/results/ssl-step-*.json} with the
 * load average beside the figures (and CPU time: the process's, and the training thread's, which on a shared
 * machine say more than wall time), the epoch losses and a few checkpoints' z (to compare two builds' models).
 * <pre>
 * OPENBLAS_CORETYPE=Haswell OMP_NUM_THREADS=1 java -cp 'bench/target/weightcast-bench.jar:bench/target/lib/*' \
 *     io.weightcast.bench.SslTrainingBenchmark --zoo /work/zoos/digits-1300 --checkpoints 384 --epochs 2 [--ops]
 * </pre>
 * {@code --ops} times every op through a SameDiff listener (which itself costs a little); without it, the phases only.
 * {@code OMP_NUM_THREADS} sets the threads of ND4J's ops and OpenBLAS (recorded in the results).
 */
public final class SslTrainingBenchmark {
    private SslTrainingBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        boolean ops = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--ops")) {
                ops = true;
            } else if (i + 1 < args.length) {
                opts.put(args[i].replaceFirst("^--", ""), args[++i]);
            }
        }
        Path zoo = Path.of(opts.getOrDefault("zoo", "/work/zoos/digits-1300"));
        int count = Integer.parseInt(opts.getOrDefault("checkpoints", "384"));
        int epochs = Integer.parseInt(opts.getOrDefault("epochs", "2"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "64"));
        Path out = Path.of(opts.getOrDefault("out", "bench/results/ssl-step-"
                + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
                .format(Instant.now()) + ".json"));

        List<WeightTokens> checkpoints = load(zoo, count);
        EncoderConfig config = EncoderConfig.defaults().withBatchSize(batch);
        String loadBefore = loadAverage();
        long wall0 = System.nanoTime();
        HyperRepresentation encoder = HyperRepresentation.create(checkpoints, config);
        List<HyperRepresentation.EpochLoss> warm = encoder.train(checkpoints, 1, e -> { });
        OpTimer timer = ops ? new OpTimer() : null;
        if (timer != null) {
            encoder.listeners(timer);
        }
        long steps0 = encoder.stepTimes().steps();
        long cps0 = encoder.stepTimes().checkpoints();
        long[] phases0 = phases(encoder.stepTimes());
        long gc0 = gcMillis();
        long cpu0 = processCpuNanos();
        long thread0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        List<HyperRepresentation.EpochLoss> timed = encoder.train(checkpoints, epochs, e -> { });
        long elapsed = System.nanoTime() - t0;
        long threadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - thread0;
        long cpu = processCpuNanos() - cpu0;
        long gc = gcMillis() - gc0;
        long[] phases1 = phases(encoder.stepTimes());
        long steps = encoder.stepTimes().steps() - steps0;
        long seen = encoder.stepTimes().checkpoints() - cps0;
        encoder.listeners();
        float[][] z = encoder.embed(checkpoints.subList(0, 4));

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "ssl-training-step");
        r.put("generated", Instant.now().toString());
        r.put("zoo", zoo.toString());
        r.put("architecture", encoder.architecture());
        r.put("config", config);
        r.put("omp_num_threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("op_listener", ops);
        r.put("training_checkpoints", checkpoints.size());
        r.put("timed_steps", steps);
        r.put("timed_checkpoints_seen", seen);
        r.put("timed_seconds", elapsed / 1e9);
        r.put("ms_per_step", elapsed / 1e6 / steps);
        r.put("ms_per_checkpoint_seen", elapsed / 1e6 / seen);
        r.put("process_cpu_ms_per_checkpoint_seen", cpu / 1e6 / seen);
        r.put("training_thread_cpu_ms_per_checkpoint_seen", threadCpu / 1e6 / seen);
        Map<String, Double> phaseMs = new LinkedHashMap<>();
        String[] names = {"views", "fit", "release"};
        for (int i = 0; i < names.length; i++) {
            phaseMs.put(names[i], (phases1[i] - phases0[i]) / 1e6 / steps);
        }
        r.put("ms_per_step_by_phase", phaseMs);
        r.put("gc_ms_per_step", (double) gc / steps);
        if (timer != null) {
            r.put("fit_ms_per_step_by_part", timer.parts(steps));
            r.put("op_ms_per_step_top", timer.topOps(steps, 20));
        }
        r.put("load_average_before", loadBefore);
        r.put("load_average_after", loadAverage());
        r.put("wall_seconds_total", (System.nanoTime() - wall0) / 1e9);
        r.put("warmup_epoch", warm);
        r.put("timed_epochs", timed);
        r.put("z_first_4", z);
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json + "\n");
        System.out.println(json);
        System.out.println("wrote " + out);
        System.exit(0);
    }

    /** The first {@code count} checkpoints of the zoo's runs in name order, every epoch of each run. */
    static List<WeightTokens> load(Path zoo, int count) throws IOException {
        List<WeightTokens> out = new ArrayList<>();
        List<Path> runs;
        try (Stream<Path> s = Files.list(zoo.resolve("runs"))) {
            runs = s.sorted().toList();
        }
        for (Path run : runs) {
            List<Path> files;
            try (Stream<Path> s = Files.list(run)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            }
            for (Path f : files) {
                if (out.size() == count) {
                    return out;
                }
                out.add(WeightTokens.of(SafeTensors.read(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    private static long[] phases(HyperRepresentation.StepTimes t) {
        return new long[] {t.viewsNanos(), t.fitNanos(), t.releaseNanos()};
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, b.getCollectionTime());
        }
        return sum;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
