package io.weightcast.trainer;

import io.weightcast.core.kafka.KafkaConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's one producer for {@code models} and {@code encoders}, transactional under {@code trainer.transactional.id}:
 * each version is committed in a transaction of its own. A replica that {@link #claim claims} the id fences every
 * earlier producer with it (the broker aborts their open transaction), so two replicas can never both publish: the
 * older one's next publish fails with {@link ProducerFencedException} (or {@link InvalidProducerEpochException}), after
 * which this publisher refuses every publish ({@link LeadershipLostException}) for good. A fenced replica must not claim
 * the id back: it would fence the newer one at once, and two replicas would take turns.
 *
 * <p>Only the poll thread publishes. A failure that is not fencing aborts the transaction (its record is never seen by a
 * read_committed reader) and is thrown as {@link IllegalStateException}; the next publish tries again. An abort that
 * times out is retried before the next transaction. A producer error that leaves it unusable (authorization, say)
 * loses the leadership too: reopening the producer would claim the id again, possibly from a newer leader.
 *
 * <p>Every record carries the header {@value #PUBLISHER_HEADER}: the instance that committed it.
 */
final class TransactionalPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalPublisher.class);
    static final String PUBLISHER_HEADER = "weightcast-publisher";
    private static final long ACK_TIMEOUT_SECONDS = 60;

    private final Supplier<Producer<String, byte[]>> factory;
    private final String transactionalId;
    private final byte[] instance;
    private Producer<String, byte[]> producer;
    private boolean abortPending; // an abort timed out: retried before the next transaction
    private volatile String lost; // why this replica no longer publishes; null while it may

    TransactionalPublisher(Supplier<Producer<String, byte[]>> factory, String transactionalId, String instanceId) {
        this.factory = factory;
        this.transactionalId = transactionalId;
        this.instance = instanceId.getBytes(StandardCharsets.UTF_8);
    }

    /** The Kafka producer: the shared producer settings, the {@code kafka.*} overrides, then the transactional id. */
    static Supplier<Producer<String, byte[]>> kafka(String bootstrap, Map<String, String> overrides, String transactionalId) {
        return () -> {
            Properties p = KafkaConfigs.producer(bootstrap, "weightcast-trainer");
            p.putAll(overrides);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId); // reserved: overrides cannot set it
            return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        };
    }

    /**
     * Opens the producer and claims the transactional id ({@code initTransactions}): from now on an earlier replica with
     * it can commit nothing. Everything it committed is before the read_committed end offsets read after this returns.
     */
    void claim() {
        if (producer != null) {
            throw new IllegalStateException("transactional id " + transactionalId + " already claimed");
        }
        Producer<String, byte[]> p = factory.get();
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        producer = p;
    }

    /** True until this replica was fenced or its producer failed for good. */
    boolean leader() {
        return producer != null && lost == null;
    }

    /** Why this replica stopped publishing, or null. */
    String lostReason() {
        return lost;
    }

    /** Commits {@code record} in a transaction of its own; {@code what} names it in errors. */
    void send(ProducerRecord<String, byte[]> record, String what) {
        if (lost != null) {
            throw new LeadershipLostException(what + " not published: " + lost);
        }
        if (producer == null) {
            throw new IllegalStateException("transactional id " + transactionalId + " not claimed");
        }
        record.headers().remove(PUBLISHER_HEADER);
        record.headers().add(PUBLISHER_HEADER, instance);
        try {
            if (abortPending) {
                producer.abortTransaction();
                abortPending = false;
            }
            producer.beginTransaction();
            producer.send(record).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            producer.commitTransaction();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(e);
            throw new IllegalStateException("interrupted while publishing " + what, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (fencing(cause)) {
                lose("fenced: another trainer replica claimed transactional id " + transactionalId + " (" + cause + ")");
            } else {
                abort(cause);
            }
            if (lost != null) {
                throw new LeadershipLostException(what + " not published: " + lost, cause);
            }
            throw new IllegalStateException(what + " was not committed to " + record.topic() + ": " + cause.getMessage(), cause);
        }
    }

    private void abort(Throwable why) {
        if (abortPending) {
            return; // the transaction never began; the pending abort is retried next time
        }
        try {
            producer.abortTransaction();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            abortPending = true;
            LOG.warn("aborting the transaction after {} timed out; retried before the next publish", why.toString());
        } catch (KafkaException e) {
            lose(fencing(e) ? "fenced: another trainer replica claimed transactional id " + transactionalId + " (" + e + ")"
                    : "its producer failed for good after " + why + " (" + e + ")");
        }
    }

    private void lose(String reason) {
        if (lost == null) {
            lost = reason;
            producer.close(Duration.ZERO); // unusable now; nothing of it is pending that should be delivered
        }
    }

    /** Fencing, or anything caused by it: a newer producer holds the transactional id. */
    static boolean fencing(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException || c instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (producer != null && lost == null) {
            producer.close();
        }
    }

    /** This replica may no longer publish: it was fenced by a newer one, or its producer failed for good. */
    static final class LeadershipLostException extends RuntimeException {
        LeadershipLostException(String message) {
            super(message);
        }

        LeadershipLostException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
