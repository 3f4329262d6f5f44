package io.weightcast.app.load;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the time goes, for the bottleneck question: this JVM's CPU (all of it in local mode: broker,
 * services and harness), CPU per thread group (thread names with ids folded, e.g.
 * {@code weightcast.streams-*-StreamThread-#}), the services' own histograms (feature time, ingest→score)
 * and, through JMX, the Kafka Streams thread ratios (process/commit/poll) and the transactional
 * producers' commit time: the cost of exactly-once. Against a remote cluster only this JVM is visible.
 */
final class PipelineProbe {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineProbe.class);
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final List<String> THREAD_ATTRIBUTES = List.of("process-rate", "process-latency-avg", "process-records-avg",
            "poll-records-avg", "commit-rate", "commit-latency-avg", "commit-latency-max", "process-ratio", "commit-ratio",
            "poll-ratio", "punctuate-ratio");
    private static final List<String> PRODUCER_ATTRIBUTES = List.of("record-send-rate", "request-latency-avg",
            "records-per-request-avg", "batch-size-avg", "record-queue-time-avg", "requests-in-flight", "bufferpool-wait-ratio");

    /** Counters at one moment. */
    record Snapshot(long wallNanos, long processCpuNanos, long systemBusyNanos, long gcMillis, Map<String, Long> threadCpuNanos,
                    Map<String, double[]> histograms, Map<String, Double> txnCommitNanos) {
    }

    /**
     * CPU between two snapshots; cores = CPU seconds per wall second. {@code otherProcessesCores}: the
     * machine's busy CPU outside this JVM (null off Linux): anything else running skews the numbers.
     * {@code jvmInternalCores}: CPU of no Java thread (GC and JIT compiler threads);
     * {@code gcPauseFraction}: share of wall time the collectors report as collection time.
     */
    record Cpu(double processCores, double utilization, Double otherProcessesCores, double jvmInternalCores,
               double gcPauseFraction, Map<String, Double> threadGroupCores) {
    }

    /** A service histogram between two snapshots. */
    record HistogramDelta(long count, Double meanMillis) {
    }

    private final Map<String, PrometheusRegistry> registries;
    private final List<String> streamsAppIds;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    private final int cores = Runtime.getRuntime().availableProcessors();

    /**
     * @param registries    the services' metric registries (local mode), by service name
     * @param streamsAppIds Kafka Streams application ids to read thread metrics of (local mode)
     */
    PipelineProbe(Map<String, PrometheusRegistry> registries, List<String> streamsAppIds) {
        this.registries = registries;
        this.streamsAppIds = streamsAppIds;
        if (threads.isThreadCpuTimeSupported() && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    Snapshot snapshot() {
        return new Snapshot(System.nanoTime(), processCpuNanos(), systemBusyNanos(), gcMillis(), threadCpu(), histograms(),
                txnCommitNanos());
    }

    Cpu cpu(Snapshot from, Snapshot to, int topGroups) {
        double wall = Math.max(1, to.wallNanos() - from.wallNanos());
        double processCores = (to.processCpuNanos() - from.processCpuNanos()) / wall;
        Map<String, Double> groups = new HashMap<>();
        double javaThreads = 0;
        for (Map.Entry<String, Long> e : to.threadCpuNanos().entrySet()) {
            double used = Math.max(0, e.getValue() - from.threadCpuNanos().getOrDefault(e.getKey(), 0L)) / wall;
            javaThreads += used;
            if (used > 0.005) {
                groups.put(e.getKey(), round(used));
            }
        }
        Map<String, Double> top = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(topGroups)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        Double others = from.systemBusyNanos() < 0 || to.systemBusyNanos() < 0 ? null
                : round(Math.max(0, (to.systemBusyNanos() - from.systemBusyNanos()) / wall - processCores));
        double internal = round(Math.max(0, processCores - javaThreads));
        double gc = round((to.gcMillis() - from.gcMillis()) * 1e6 / wall);
        return new Cpu(round(processCores), round(processCores / cores), others, internal, gc, top);
    }

    Map<String, HistogramDelta> histograms(Snapshot from, Snapshot to) {
        Map<String, HistogramDelta> out = new TreeMap<>();
        to.histograms().forEach((name, v) -> {
            double[] before = from.histograms().getOrDefault(name, new double[2]);
            long count = Math.round(v[1] - before[1]);
            out.put(name, new HistogramDelta(count, count == 0 ? null : round((v[0] - before[0]) / count * 1000)));
        });
        return out;
    }

    /** Seconds spent in transaction commits between the snapshots, per Kafka Streams application. */
    Map<String, Double> txnCommitSeconds(Snapshot from, Snapshot to) {
        Map<String, Double> out = new TreeMap<>();
        to.txnCommitNanos().forEach((app, nanos) -> out.put(app, round((nanos - from.txnCommitNanos().getOrDefault(app, 0.0)) / 1e9)));
        return out;
    }

    /**
     * The current Kafka client metrics that explain throughput (their own windowed averages): Kafka
     * Streams thread ratios and latencies per application, and the producers' request pipeline (the
     * bench's own and the applications' transactional ones), keyed by folded thread or client id.
     */
    Map<String, Map<String, Double>> kafkaMetrics() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        collect(out, "kafka.streams:type=stream-thread-metrics,*", "thread-id", THREAD_ATTRIBUTES);
        collect(out, "kafka.producer:type=producer-metrics,*", "client-id", PRODUCER_ATTRIBUTES);
        return out;
    }

    private void collect(Map<String, Map<String, Double>> out, String pattern, String idKey, List<String> attributes) {
        try {
            for (ObjectName name : jmx.queryNames(new ObjectName(pattern), null)) {
                String id = unquote(name.getKeyProperty(idKey));
                if (id == null || (app(id) == null && !id.equals(KafkaCheckpointSender.CLIENT_ID))) {
                    continue;
                }
                Map<String, Double> values = new LinkedHashMap<>();
                for (String attribute : attributes) {
                    Double v = number(name, attribute);
                    if (v != null) {
                        values.put(attribute, round(v));
                    }
                }
                // a stream thread has a second MBean (tagged process-id) with its state only: merge, don't overwrite
                out.computeIfAbsent(fold(id), k -> new LinkedHashMap<>()).putAll(values);
            }
        } catch (Exception e) {
            LOG.debug("no Kafka metrics for {}: {}", pattern, e.toString());
        }
    }

    private long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** Busy CPU time of the whole machine from /proc/stat (USER_HZ = 100 on Linux), or -1. */
    private static long systemBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal (not idle, iowait)
                busy += Long.parseLong(f[i]);
            }
            return busy * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private Map<String, Long> threadCpu() {
        Map<String, Long> out = new HashMap<>();
        if (!threads.isThreadCpuTimeSupported()) {
            return out;
        }
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (infos[i] != null && cpu > 0) {
                out.merge(fold(infos[i].getThreadName()), cpu, Long::sum);
            }
        }
        return out;
    }

    private Map<String, double[]> histograms() {
        Map<String, double[]> out = new HashMap<>();
        registries.forEach((service, registry) -> {
            for (MetricSnapshot m : registry.scrape()) {
                if (m instanceof HistogramSnapshot h) {
                    double sum = 0;
                    double count = 0;
                    for (HistogramSnapshot.HistogramDataPointSnapshot p : h.getDataPoints()) {
                        sum += p.getSum();
                        count += p.getCount();
                    }
                    out.put(h.getMetadata().getName(), new double[] {sum, count});
                }
            }
        });
        return out;
    }

    private Map<String, Double> txnCommitNanos() {
        Map<String, Double> out = new HashMap<>();
        try {
            Set<ObjectName> names = jmx.queryNames(new ObjectName("kafka.producer:type=producer-metrics,*"), null);
            for (ObjectName name : names) {
                String app = app(unquote(name.getKeyProperty("client-id")));
                Double v = app == null ? null : number(name, "txn-commit-time-ns-total");
                if (v != null) {
                    out.merge(app, v, Double::sum);
                }
            }
        } catch (Exception e) {
            LOG.debug("no producer metrics: {}", e.toString());
        }
        return out;
    }

    private String app(String id) {
        return id == null ? null : streamsAppIds.stream().filter(a -> id.startsWith(a + "-")).findFirst().orElse(null);
    }

    private static String unquote(String id) {
        return id != null && id.startsWith("\"") ? ObjectName.unquote(id) : id;
    }

    private Double number(ObjectName name, String attribute) {
        try {
            Object v = jmx.getAttribute(name, attribute);
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
        } catch (Exception e) {
            // attribute absent in this Kafka version: leave it out
        }
        return null;
    }

    static String fold(String threadName) {
        return DIGITS.matcher(UUID.matcher(threadName).replaceAll("*")).replaceAll("#");
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
