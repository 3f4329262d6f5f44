package io.weightcast.scorer.http;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.core.records.SpectralSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the committed scores, alerts and run events, and the per-layer spectra of the features and spectra records,
 * from the beginning into a {@link RunsView}.
 * No consumer group: every instance reads every partition, so any scorer instance answers for all runs
 * and a restart rebuilds the view from the topics.
 */
public final class RunsViewFeeder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunsViewFeeder.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topics topics;
    private final RunsView view;
    private final Thread thread;
    private volatile boolean running = true;

    public RunsViewFeeder(String bootstrap, Topics topics, RunsView view) {
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, topics.prefix() + "scorer-view");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = topics;
        this.view = view;
        this.thread = new Thread(this::run, "scorer-view-feeder");
        this.thread.setDaemon(true);
    }

    public void start() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.runs(), topics.scores(), topics.alerts(), topics.features(), topics.spectra())) {
            consumer.partitionsFor(topic).forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("run view feeder stopped: {}", e.toString(), e);
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.topic().equals(topics.scores())) {
                view.onScore(Json.read(r.value(), Score.class));
            } else if (r.topic().equals(topics.alerts())) {
                view.onAlert(Json.read(r.value(), Alert.class));
            } else if (r.topic().equals(topics.features())) {
                FeatureVector f = Json.read(r.value(), FeatureVector.class);
                view.onSpectra(f.runId(), f.step(), f.health() == null ? null : f.health().spectra());
            } else if (r.topic().equals(topics.spectra())) {
                SpectralSummary s = Json.read(r.value(), SpectralSummary.class);
                view.onSpectra(s.runId(), s.step(), s.layers());
            } else if (r.key() != null) {
                view.onRunEvent(r.key(), Json.read(r.value(), RunEvent.class).validate());
            }
        } catch (MalformedRecordException e) {
            // The stream app dead-letters bad run events; the view just skips them.
            LOG.debug("view skips {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
