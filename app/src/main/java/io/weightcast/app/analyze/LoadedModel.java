package io.weightcast.app.analyze;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The accuracy model {@code weightcast analyze} predicts with: a ModelVersion JSON file, or the latest one on the models topic. */
record LoadedModel(ModelVersion version, AccuracyModel model, String source) implements AutoCloseable {

    /** A file holding one ModelVersion JSON, as found on the models topic. Anything else is bad input (exit 2). */
    static LoadedModel fromFile(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw AnalyzeFailure.badInput("model file " + path + ": no such file", e);
        } catch (IOException e) {
            throw AnalyzeFailure.badInput("model file " + path + " cannot be read: " + e.getMessage(), e);
        }
        ModelVersion mv;
        try {
            mv = Json.read(bytes, ModelVersion.class);
        } catch (MalformedRecordException e) {
            throw AnalyzeFailure.badInput("model file " + path + ": " + e.getMessage(), e);
        }
        return load(mv, "file " + path, AnalyzeFailure.BAD_INPUT);
    }

    /**
     * The latest {@code final-accuracy} value of the compacted models topic, read from the beginning to
     * its end (read_committed) with a plain consumer within {@code timeout}. A broker that does not
     * answer, a missing topic or no model yet each get their own message (exit 1). With a signing key, records without
     * its valid signature are passed over (and counted in the message when no signed one is left).
     */
    static LoadedModel fromTopic(String bootstrap, String topic, Duration timeout, RecordSignature signature) {
        Properties p = KafkaConfigs.consumer(bootstrap, null);
        int ms = (int) timeout.toMillis();
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weightcast-analyze");
        String where = "topic " + topic + " at " + bootstrap;
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] latest = null;
        int refused = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw AnalyzeFailure.unavailable(where + " does not exist (is Weightcast running there, with this --topic-prefix?)", null);
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw AnalyzeFailure.unavailable("timed out after " + timeout.toSeconds() + " s reading " + where, null);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!ModelVersion.ACCURACY_MODEL.equals(r.key()) || r.value() == null) {
                        continue;
                    }
                    if (signature.verify(r.headers(), topic, r.key(), r.value()).accepted()) {
                        latest = r.value();
                    } else {
                        refused++;
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw AnalyzeFailure.unavailable("no answer from Kafka at " + bootstrap + " within " + timeout.toSeconds() + " s", e);
        } catch (KafkaException e) {
            throw AnalyzeFailure.unavailable("reading " + where + " failed: " + e.getMessage(), e);
        }
        if (latest == null && refused > 0) {
            throw AnalyzeFailure.unavailable("none of the " + refused + " '" + ModelVersion.ACCURACY_MODEL + "' models on " + where
                    + " carries a valid signature of the --signing-key-file key", null);
        }
        if (latest == null) {
            throw AnalyzeFailure.unavailable("no '" + ModelVersion.ACCURACY_MODEL + "' model on " + where
                    + " yet (the trainer publishes one once trainer.min.runs runs have finished)", null);
        }
        ModelVersion mv;
        try {
            mv = Json.read(latest, ModelVersion.class);
        } catch (MalformedRecordException e) {
            throw AnalyzeFailure.unavailable("the latest model on " + where + " is unreadable: " + e.getMessage(), e);
        }
        return load(mv, where, AnalyzeFailure.UNAVAILABLE);
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }

    private static LoadedModel load(ModelVersion mv, String source, int exitCode) {
        if (mv.modelText() == null || mv.featureNames() == null || mv.featureNames().isEmpty()) {
            throw failure(exitCode, source + " is not a usable model version (no model_text or feature_names)", null);
        }
        try {
            return new LoadedModel(mv, AccuracyModel.load(mv), source);
        } catch (IllegalArgumentException e) {
            throw failure(exitCode, source + ": " + e.getMessage(), e);
        }
    }

    private static AnalyzeFailure failure(int exitCode, String message, Throwable cause) {
        return exitCode == AnalyzeFailure.BAD_INPUT ? AnalyzeFailure.badInput(message, cause) : AnalyzeFailure.unavailable(message, cause);
    }

    @Override
    public void close() {
        model.close();
    }
}
