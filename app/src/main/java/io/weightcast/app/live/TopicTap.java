package io.weightcast.app.live;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the stack publishes into {@link Observations}: scores, alerts, features and run events
 * of this replay's runs (from the topics' end at start, resolved before anything is sent) and every
 * final-accuracy model version (the compacted models topic from its beginning). read_committed, as
 * any downstream consumer.
 */
public final class TopicTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicTap.class);

    private final Topics topics;
    private final String runPrefix;
    private final Observations into;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public TopicTap(String bootstrap, Topics topics, String runPrefix, Observations into) {
        this.topics = topics;
        this.runPrefix = runPrefix;
        this.into = into;
        this.consumer = new KafkaConsumer<>(KafkaConfigs.consumer(bootstrap, null), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> fromEnd = partitions(List.of(topics.scores(), topics.alerts(), topics.features(), topics.runs()));
        List<TopicPartition> models = partitions(List.of(topics.models()));
        List<TopicPartition> all = new ArrayList<>(fromEnd);
        all.addAll(models);
        consumer.assign(all);
        consumer.seekToEnd(fromEnd);
        consumer.seekToBeginning(models);
        all.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
        this.thread = new Thread(this::loop, "eval-live-tap");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private List<TopicPartition> partitions(List<String> names) {
        List<TopicPartition> out = new ArrayList<>();
        for (String t : names) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(p -> out.add(new TopicPartition(t, p.partition())));
        }
        return out;
    }

    private void loop() {
        while (running) {
            try {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    try {
                        accept(r, System.nanoTime());
                    } catch (RuntimeException e) {
                        LOG.debug("unreadable record on {}: {}", r.topic(), e.getMessage());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("eval-live tap poll failed", e);
            }
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r, long arrival) {
        if (r.value() == null || r.key() == null) {
            return;
        }
        String topic = r.topic();
        if (topic.equals(topics.models())) {
            if (r.key().equals(ModelVersion.ACCURACY_MODEL)) {
                into.model(Json.read(r.value(), ModelVersion.class), arrival);
            }
            return;
        }
        if (!r.key().startsWith(runPrefix)) {
            return;
        }
        if (topic.equals(topics.scores())) {
            into.score(Json.read(r.value(), Score.class), arrival);
        } else if (topic.equals(topics.alerts())) {
            into.alert(Json.read(r.value(), Alert.class));
        } else if (topic.equals(topics.features())) {
            into.feature(Json.read(r.value(), FeatureVector.class));
        } else if (topic.equals(topics.runs())) {
            RunEvent e = Json.read(r.value(), RunEvent.class);
            if (RunEvent.METRICS.equals(e.type()) && e.step() != null && e.metrics() != null) {
                into.metrics(r.key(), e.step(), new java.util.LinkedHashMap<>(e.metrics()));
            } else if (e.isFinished() && e.finalTestAccuracy() != null) {
                into.finished(r.key(), e.finalTestAccuracy());
            }
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
        consumer.close(Duration.ofSeconds(5));
    }
}
