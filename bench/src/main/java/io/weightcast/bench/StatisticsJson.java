package io.weightcast.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightcast.core.features.CheckpointAnalyzer;
import io.weightcast.core.features.CheckpointFeatures;
import io.weightcast.core.features.LayerFeatures;
import io.weightcast.core.safetensors.SafeTensors;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints core's per-layer statistics of a checkpoint as JSON (layer → feature → value, plus the non-finite
 * count), for {@code bench/stats-vs-numpy.py} to compare with numpy's on the same file; with
 * {@code --cpu-time N} instead the median wall and thread-CPU seconds of N analyses after N of warm-up
 * (CPU time is what one core gives while others share the machine; JMH's {@link StatisticsBenchmark} gives wall time).
 * Usage: {@code java -cp 'bench/target/weightcast-bench.jar:bench/target/lib/*' io.weightcast.bench.StatisticsJson FILE [--cpu-time N]}
 */
public final class StatisticsJson {
    private StatisticsJson() {
    }

    public static void main(String[] args) throws Exception {
        byte[] bytes = Files.readAllBytes(Path.of(args[0]));
        if (args.length > 2 && args[1].equals("--cpu-time")) {
            time(bytes, Integer.parseInt(args[2]));
            return;
        }
        CheckpointFeatures f = CheckpointAnalyzer.analyze(SafeTensors.read(bytes), "relu");
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Map<String, Double>> layers = new LinkedHashMap<>();
        for (LayerFeatures l : f.layers()) {
            layers.put(l.name(), l.values());
        }
        out.put("layers", layers);
        out.put("nonfinite", f.nonfiniteValues());
        // NaN (a layer without bias) as null: JSON has no NaN
        System.out.println(new ObjectMapper().writeValueAsString(out).replace("\"NaN\"", "null"));
    }

    private static void time(byte[] bytes, int n) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] wall = new double[n];
        double[] cpu = new double[n];
        for (int i = -n; i < n; i++) {
            long w = System.nanoTime();
            long c = threads.getCurrentThreadCpuTime();
            CheckpointAnalyzer.analyze(SafeTensors.read(bytes), "relu");
            if (i >= 0) {
                cpu[i] = (threads.getCurrentThreadCpuTime() - c) / 1e9;
                wall[i] = (System.nanoTime() - w) / 1e9;
            }
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.println("{\"wall_seconds\":" + wall[n / 2] + ",\"cpu_seconds\":" + cpu[n / 2] + "}");
    }
}
