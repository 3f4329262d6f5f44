package io.weightcast.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The publisher's states on a mock producer: leader, a failed publish that keeps it, fenced or failed for good. */
class TransactionalPublisherTest {
    private MockProducer<String, byte[]> mock;
    private TransactionalPublisher publisher;

    @BeforeEach
    void claimed() {
        mock = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        publisher = new TransactionalPublisher(() -> mock, "t.trainer", "pod-a");
        assertThat(publisher.leader()).as("not before the claim").isFalse();
        publisher.claim();
    }

    private static ProducerRecord<String, byte[]> record(int version) {
        return new ProducerRecord<>("t.models", "accuracy", ("v" + version).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachPublishIsATransactionOfItsOwnStampedWithThePublisher() {
        assertThat(mock.transactionInitialized()).isTrue();
        publisher.send(record(1), "v1");
        publisher.send(record(2), "v2");
        assertThat(mock.commitCount()).isEqualTo(2);
        assertThat(mock.history()).hasSize(2).allSatisfy(r -> assertThat(
                new String(r.headers().lastHeader(TransactionalPublisher.PUBLISHER_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo("pod-a"));
        assertThat(publisher.leader()).isTrue();
        assertThatThrownBy(publisher::claim).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fencedItStopsPublishingForGood() {
        publisher.send(record(1), "v1");
        mock.fenceProducer(); // a newer replica called initTransactions with the same id
        assertThatThrownBy(() -> publisher.send(record(2), "v2")).isInstanceOf(TransactionalPublisher.LeadershipLostException.class)
                .hasMessageContaining("fenced");
        assertThat(publisher.leader()).isFalse();
        assertThat(publisher.lostReason()).contains("fenced", "t.trainer");
        assertThat(mock.closed()).isTrue();
        // for good: no further attempt reaches the producer
        assertThatThrownBy(() -> publisher.send(record(3), "v3")).isInstanceOf(TransactionalPublisher.LeadershipLostException.class);
        assertThat(mock.commitCount()).isEqualTo(1);
        assertThat(mock.history()).hasSize(1);
    }

    @Test
    void anInvalidEpochAtCommitIsFencingToo() {
        mock.commitTransactionException = new KafkaException("in an error state", new InvalidProducerEpochException("old epoch"));
        assertThatThrownBy(() -> publisher.send(record(1), "v1")).isInstanceOf(TransactionalPublisher.LeadershipLostException.class);
        assertThat(publisher.leader()).isFalse();
        assertThat(mock.commitCount()).isZero();
    }

    @Test
    void fencingFoundByTheAbortIsFencing() {
        mock.sendException = new KafkaException("send failed");
        mock.abortTransactionException = new ProducerFencedException("there is a newer epoch");
        assertThatThrownBy(() -> publisher.send(record(1), "v1")).isInstanceOf(TransactionalPublisher.LeadershipLostException.class);
        assertThat(publisher.lostReason()).contains("fenced");
    }

    @Test
    void aFailedPublishIsAbortedAndTheNextOneCommits() {
        mock.sendException = new RecordTooLargeException("too large");
        assertThatThrownBy(() -> publisher.send(record(1), "v1")).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TransactionalPublisher.LeadershipLostException.class).hasMessageContaining("t.models");
        assertThat(mock.transactionAborted()).isTrue();
        assertThat(publisher.leader()).isTrue();
        mock.sendException = null;
        publisher.send(record(2), "v2");
        assertThat(mock.commitCount()).isEqualTo(1);
    }

    @Test
    void anAbortThatTimesOutIsRetriedBeforeTheNextTransaction() {
        mock.sendException = new KafkaException("send failed");
        mock.abortTransactionException = new TimeoutException("coordinator unreachable");
        assertThatThrownBy(() -> publisher.send(record(1), "v1")).isInstanceOf(IllegalStateException.class);
        assertThat(publisher.leader()).isTrue();
        assertThat(mock.transactionAborted()).isFalse();
        mock.sendException = null;
        mock.abortTransactionException = null;
        publisher.send(record(2), "v2");
        assertThat(mock.commitCount()).isEqualTo(1);
        assertThat(mock.history()).hasSize(1);
    }

    @Test
    void aProducerThatCannotAbortLosesTheLeadershipRatherThanClaimingTheIdAgain() {
        mock.sendException = new TransactionalIdAuthorizationException("no Write on t.trainer");
        mock.abortTransactionException = new TransactionalIdAuthorizationException("no Write on t.trainer");
        assertThatThrownBy(() -> publisher.send(record(1), "v1")).isInstanceOf(TransactionalPublisher.LeadershipLostException.class);
        assertThat(publisher.lostReason()).contains("failed for good").doesNotContain("fenced");
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void aClaimThatFailsClosesItsProducer() {
        MockProducer<String, byte[]> other = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        other.initTransactionException = new TimeoutException("no coordinator");
        TransactionalPublisher p = new TransactionalPublisher(() -> other, "t.trainer", "pod-b");
        assertThatThrownBy(p::claim).isInstanceOf(TimeoutException.class);
        assertThat(other.closed()).isTrue();
        assertThat(p.leader()).isFalse();
    }
}
