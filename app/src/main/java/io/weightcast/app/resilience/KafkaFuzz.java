package io.weightcast.app.resilience;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.CheckpointMetadata;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.safetensors.SafeTensors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Phase 2 of {@code weightcast safety}: the same kinds of broken values written straight to the topics with a
 * plain producer, past ingest's validation (what a misbehaving SDK or a compromised client with write access
 * could do). Each injected record is remembered by topic, partition and offset, and each checkpoint also by its
 * unique run id, so that a dead letter (which names its source offset, or for an expired split group its run)
 * or a features record can be traced back to the input that caused it.
 */
final class KafkaFuzz implements AutoCloseable {
    /**
     * One injected record. {@code runId} is null for models records. {@code wellFormed}: core's reader takes the
     * checkpoint as it is (safetensors and metadata), checked here before sending: why a mutated one may be accepted.
     */
    record Injected(String topic, String kind, String runId, int partition, long offset, boolean wellFormed) {
    }

    /** What became of the injected records of one topic, per kind: injected, dead_lettered, accepted, unaccounted. */
    record TopicOutcome(long injected, long deadLettered, long accepted, long unaccounted, Map<String, Map<String, Long>> byKind) {
    }

    /** Why checkpoints were accepted, per kind and reason; {@code unexplained}: accepted though core's reader refuses them. */
    record Accepted(Map<String, Map<String, Long>> byKind, long unexplained, long nonFiniteFlagged, long nonFiniteNotFlagged) {
    }

    /**
     * The outcome per topic, the dead letters (all of them, not only ours) by source topic and by reason category,
     * and examples of unaccounted checkpoints.
     */
    record Result(TopicOutcome checkpoints, Accepted acceptedCheckpoints, TopicOutcome runs, TopicOutcome models, long deadLetters,
                  Map<String, Long> deadLettersBySourceTopic, Map<String, Long> deadLettersByReason, List<String> unaccountedExamples) {
    }

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;
    private final List<Injected> injected = new ArrayList<>();

    KafkaFuzz(String bootstrap, Topics topics) {
        this.topics = topics;
        this.producer = new KafkaProducer<>(KafkaConfigs.producer(bootstrap, "weightcast-safety-fuzz"), new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Writes {@code checkpoints} mutated checkpoints, {@code events} broken run events and {@code models} broken models; waits for the acks. */
    void inject(CheckpointMutations mutations, EventMutations broken, String runPrefix, int checkpoints, int events, int models)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<Injected> pending = new ArrayList<>();
        for (int i = 0; i < checkpoints; i++) {
            CheckpointMutations.Mutant m = mutations.mutant(i, runPrefix + "k" + i);
            // without metadata run_id the record key is the last place a run id could come from: leave it out too
            String key = m.kind().equals("missing_run_id") ? null : m.runId();
            acks.add(producer.send(new ProducerRecord<>(topics.checkpoints(), key, m.bytes())));
            pending.add(new Injected(topics.checkpoints(), m.kind(), m.runId(), -1, -1, wellFormed(m.bytes(), key)));
        }
        for (int i = 0; i < events; i++) {
            String run = runPrefix + "r" + i;
            EventMutations.Broken e = broken.event(i, run);
            acks.add(producer.send(new ProducerRecord<>(topics.runs(), run, e.bytes())));
            pending.add(new Injected(topics.runs(), e.kind(), run, -1, -1, false));
        }
        for (int i = 0; i < models; i++) {
            EventMutations.Broken m = broken.model(i);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.models(), "final-accuracy", m.bytes());
            if (m.kind().equals("bad_signature")) {
                record.headers().add(RecordSignature.HEADER, ("v1=" + "ab".repeat(32)).getBytes(StandardCharsets.US_ASCII));
            }
            acks.add(producer.send(record));
            pending.add(new Injected(topics.models(), m.kind(), null, -1, -1, false));
        }
        producer.flush();
        for (int i = 0; i < acks.size(); i++) {
            RecordMetadata md = acks.get(i).get();
            Injected p = pending.get(i);
            injected.add(new Injected(p.topic(), p.kind(), p.runId(), md.partition(), md.offset(), p.wellFormed()));
        }
    }

    /** Whether core's reader takes the value as a checkpoint (its structure and metadata; the weights are not judged). */
    static boolean wellFormed(byte[] value, String key) {
        try {
            CheckpointMetadata.parse(SafeTensors.read(value).metadata(), key);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Writes one record as is (the duplicates phase's byte-identical copy of what ingest wrote). */
    void resend(String runId, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topics.checkpoints(), runId, value)).get();
    }

    /**
     * A valid checkpoint into every partition of the checkpoints topic: Kafka Streams' stream time moves only with
     * records, per partition, and the expiry of incomplete split groups runs on stream time.
     */
    void tick(java.util.function.BiFunction<String, Long, byte[]> valid, String runPrefix, int round) throws Exception {
        int partitions = producer.partitionsFor(topics.checkpoints()).size();
        for (int p = 0; p < partitions; p++) {
            String run = runPrefix + "tick" + round + "p" + p;
            producer.send(new ProducerRecord<>(topics.checkpoints(), p, run, valid.apply(run, 1L))).get();
        }
    }

    /** Whether every injected checkpoint is accounted for (a dead letter or a features record). */
    boolean settled(Observed seen) {
        return outcome(topics.checkpoints(), seen, new ArrayList<>()).unaccounted() == 0;
    }

    Result result(Observed seen) {
        List<String> examples = new ArrayList<>();
        TopicOutcome cp = outcome(topics.checkpoints(), seen, examples);
        Map<String, Long> bySource = new TreeMap<>();
        Tally reasons = new Tally();
        for (DeadLetter d : seen.deadLetters()) {
            bySource.merge(d.sourceTopic() == null ? "(none: expired split group)" : d.sourceTopic(), 1L, Long::sum);
            reasons.add("all", d.service() + " " + d.sourceTopic() + ": " + Tally.category(d.reason()));
        }
        return new Result(cp, accepted(seen), outcome(topics.runs(), seen, new ArrayList<>()), outcome(topics.models(), seen, new ArrayList<>()),
                seen.deadLetters().size(), bySource, reasons.totals(), examples);
    }

    /**
     * The reason of each accepted checkpoint: the kind's own (NaN weights are well-formed: then its features must flag
     * them), or that the mutation left a file core's reader takes (a flipped byte inside a string, say); anything else
     * is unexplained.
     */
    private Accepted accepted(Observed seen) {
        Tally why = new Tally();
        long unexplained = 0;
        long flagged = 0;
        long notFlagged = 0;
        for (Injected i : injected) {
            if (!i.topic().equals(topics.checkpoints()) || seen.featuresOfRun(i.runId()) == 0) {
                continue;
            }
            String reason;
            if (i.kind().equals("nan_inf_weights")) {
                boolean f = seen.flaggedNonFinite(i.runId());
                flagged += f ? 1 : 0;
                notFlagged += f ? 0 : 1;
                reason = f ? CheckpointMutations.ACCEPTABLE.get(i.kind()) + "; flagged" : "NaN/Inf weights NOT flagged by its features";
            } else if (CheckpointMutations.ACCEPTABLE.containsKey(i.kind())) {
                reason = CheckpointMutations.ACCEPTABLE.get(i.kind());
            } else if (i.wellFormed()) {
                reason = "the mutation left a checkpoint core's reader takes";
            } else {
                unexplained++;
                reason = "UNEXPLAINED: accepted though core's reader refuses it";
            }
            why.add(i.kind(), reason);
        }
        return new Accepted(why.all(), unexplained, flagged, notFlagged);
    }

    private TopicOutcome outcome(String topic, Observed seen, List<String> examples) {
        Map<String, Boolean> lettered = new HashMap<>();
        for (DeadLetter d : seen.deadLetters()) {
            if (d.sourceTopic() != null) {
                lettered.put(d.sourceTopic() + "/" + d.partition() + "/" + d.offset(), true);
            } else if (d.key() != null) {
                lettered.put("run/" + d.key(), true); // an expired split group names no offset, only its run
            }
        }
        Tally byKind = new Tally();
        long total = 0;
        long dead = 0;
        long accepted = 0;
        long unaccounted = 0;
        for (Injected i : injected) {
            if (!i.topic().equals(topic)) {
                continue;
            }
            total++;
            boolean letter = lettered.containsKey(i.topic() + "/" + i.partition() + "/" + i.offset())
                    || (i.topic().equals(topics.checkpoints()) && lettered.containsKey("run/" + i.runId()));
            boolean features = i.topic().equals(topics.checkpoints()) && seen.featuresOfRun(i.runId()) > 0;
            String outcome;
            if (letter) {
                dead++;
                outcome = "dead_lettered";
            } else if (features || !i.topic().equals(topics.checkpoints())) {
                accepted++; // runs and models records without a dead letter were taken (or ignored) by their consumers
                outcome = i.topic().equals(topics.checkpoints()) ? "accepted" : "no_dead_letter";
            } else {
                unaccounted++;
                outcome = "unaccounted";
                if (examples.size() < 10) {
                    examples.add(i.kind() + " " + i.runId() + " at " + i.partition() + "@" + i.offset());
                }
            }
            byKind.add(i.kind(), outcome);
        }
        return new TopicOutcome(total, dead, accepted, unaccounted, byKind.all());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
