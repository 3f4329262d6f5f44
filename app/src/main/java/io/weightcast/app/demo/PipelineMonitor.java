package io.weightcast.app.demo;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.core.safetensors.SafeTensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every contract topic from the beginning (read_committed) and keeps counts and a per-run
 * view, so what the demo shows and summarises is what the topics really hold, not what a producer
 * believes it sent. Runs are filtered by a run-id predicate (the demo's own runs).
 */
public final class PipelineMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineMonitor.class);

    /** What the monitor knows of one run. */
    public static final class RunView {
        public final String runId;
        public volatile boolean finished;
        public volatile Double finalAccuracy;
        public volatile long checkpoints;
        public volatile Score lastScore;
        /** The dead fractions the loop measured at the run's latest featurised checkpoint (null: none reported). */
        public volatile Map<String, Double> measuredDeadFractions;
        public final Map<String, Integer> alerts = new ConcurrentHashMap<>();

        RunView(String runId) {
            this.runId = runId;
        }
    }

    private final Topics topics;
    private final Predicate<String> runFilter;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    /** Runs in the order they first appeared on a topic. */
    private final Map<String, RunView> runs = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    private final Map<String, Integer> alertsByKind = new ConcurrentHashMap<>();
    private final List<Double> latencies = new ArrayList<>();
    private volatile long checkpointRecords;
    private volatile long checkpoints;
    private volatile long features;
    private volatile long featuresWithEmbedding;
    private volatile Integer encoderVersion;
    private volatile long scores;
    private volatile long scoresWithModel;
    private volatile long deadLetters;
    private volatile ModelVersion model;

    public PipelineMonitor(String bootstrap, Topics topics, Predicate<String> runFilter) {
        this.topics = topics;
        this.runFilter = runFilter;
        this.consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : topics.all()) {
            consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::loop, "pipeline-monitor");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        while (running) {
            try {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    accept(r);
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("monitor poll failed", e);
            }
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        String topic = r.topic();
        if (topic.equals(topics.models())) {
            // the topic also carries other models (the dying-ReLU classifier) under their own keys
            if (ModelVersion.ACCURACY_MODEL.equals(r.key()) && r.value() != null) {
                model = Json.read(r.value(), ModelVersion.class);
            }
            return;
        }
        if (topic.equals(topics.encoders())) {
            if (r.value() != null) {
                encoderVersion = Json.read(r.value(), EncoderVersion.class).version();
            }
            return;
        }
        String run = r.key();
        if (run == null || !runFilter.test(run) || r.value() == null) {
            return;
        }
        try {
            if (topic.equals(topics.checkpoints())) {
                checkpointRecords++;
                if ("0".equals(SafeTensors.read(r.value()).metadata().getOrDefault("part", "0"))) {
                    checkpoints++;
                    view(run).checkpoints++;
                }
            } else if (topic.equals(topics.features())) {
                features++;
                FeatureVector fv = Json.read(r.value(), FeatureVector.class);
                if (fv.embedding() != null) {
                    featuresWithEmbedding++;
                }
                if (fv.health() != null && fv.health().measuredDeadFractions() != null) {
                    view(run).measuredDeadFractions = fv.health().measuredDeadFractions();
                }
            } else if (topic.equals(topics.scores())) {
                acceptScore(run, Json.read(r.value(), Score.class));
            } else if (topic.equals(topics.alerts())) {
                Alert a = Json.read(r.value(), Alert.class);
                alertsByKind.merge(a.kind(), 1, Integer::sum);
                view(run).alerts.merge(a.kind(), 1, Integer::sum);
            } else if (topic.equals(topics.deadLetters())) {
                deadLetters++;
            } else if (topic.equals(topics.runs())) {
                RunEvent e = Json.read(r.value(), RunEvent.class);
                RunView v = view(run);
                if (e.isFinished()) {
                    v.finished = true;
                    v.finalAccuracy = e.finalTestAccuracy();
                }
            }
        } catch (RuntimeException e) {
            // malformed records are the dead-letter path's business; the monitor only counts what it can read
            LOG.debug("monitor skipped an unreadable record on {}: {}", topic, e.getMessage());
        }
    }

    private void acceptScore(String run, Score s) {
        scores++;
        if (s.modelVersion() != null) {
            scoresWithModel++;
        }
        synchronized (latencies) {
            latencies.add((s.scoredAt() - s.checkpointTimestamp()) / 1000.0);
        }
        RunView v = view(run);
        if (v.lastScore == null || s.step() >= v.lastScore.step()) {
            v.lastScore = s;
        }
    }

    private RunView view(String run) {
        return runs.computeIfAbsent(run, RunView::new);
    }

    public List<RunView> runs() {
        synchronized (runs) {
            return new ArrayList<>(runs.values());
        }
    }

    public long runsFinished() {
        return runs().stream().filter(v -> v.finished).count();
    }

    public long checkpoints() {
        return checkpoints;
    }

    public long checkpointRecords() {
        return checkpointRecords;
    }

    public long features() {
        return features;
    }

    /** Feature vectors that carry an encoder's embedding z. */
    public long featuresWithEmbedding() {
        return featuresWithEmbedding;
    }

    /** The newest weight encoder on the encoders topic, or null. */
    public Integer encoderVersion() {
        return encoderVersion;
    }

    public long scores() {
        return scores;
    }

    public long scoresWithModel() {
        return scoresWithModel;
    }

    public long deadLetters() {
        return deadLetters;
    }

    public Map<String, Integer> alertsByKind() {
        return new TreeMap<>(alertsByKind);
    }

    public ModelVersion model() {
        return model;
    }

    /** Ingest→score latency percentile in seconds (checkpoint record timestamp to scored_at), NaN if none. */
    public double latencyPercentile(double q) {
        synchronized (latencies) {
            if (latencies.isEmpty()) {
                return Double.NaN;
            }
            double[] v = latencies.stream().mapToDouble(Double::doubleValue).toArray();
            return io.weightcast.core.model.RegressionMetrics.quantile(v, q);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
    }
}
