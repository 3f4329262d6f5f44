package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import io.weightcast.scorer.DeadLetterSink;
import io.weightcast.scorer.ScorerMetrics;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.MetricsText;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The notifier's loop against Kafka's MockConsumer (failures a real broker produces only by timing) and real HTTP
 * receivers: it survives failed commits and poll errors, commits only after dead letters are acked, keeps a slow
 * hook from delaying a fast one, and reports a dead loop through {@link WebhookNotifier#alive()}.
 */
class WebhookNotifierTest {
    private static final String TOPIC = "alerts";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private HttpServer server;
    private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
    private final Map<String, List<String>> received = Map.of("fast", new CopyOnWriteArrayList<>(), "slow", new CopyOnWriteArrayList<>(),
            "down", new CopyOnWriteArrayList<>());
    private final ScorerMetrics metrics = new ScorerMetrics();
    private final TestConsumer consumer = new TestConsumer();
    private WebhookNotifier notifier;

    /**
     * A MockConsumer that idles in poll like a real one (no busy loop), can fail commits, and keeps its records
     * so a seek back delivers them again (MockConsumer forgets a record once polled).
     */
    static final class TestConsumer extends MockConsumer<String, byte[]> {
        final AtomicInteger commitFailures = new AtomicInteger();
        private final List<ConsumerRecord<String, byte[]>> log = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void addRecord(ConsumerRecord<String, byte[]> record) {
            log.add(record);
            super.addRecord(record);
        }

        @Override
        public synchronized void seek(TopicPartition partition, long offset) {
            super.seek(partition, offset);
            log.stream().filter(r -> r.partition() == partition.partition() && r.offset() >= offset).forEach(super::addRecord);
        }

        TestConsumer() {
            super("earliest");
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            ConsumerRecords<String, byte[]> records = super.poll(timeout);
            if (records.isEmpty()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new org.apache.kafka.common.errors.InterruptException(e);
                }
            }
            return records;
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (commitFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new CommitFailedException("test: the group rebalanced");
            }
            super.commitSync(offsets);
        }

        long committed() {
            OffsetAndMetadata o = committed(Set.of(P0)).get(P0);
            return o == null ? -1 : o.offset();
        }
    }

    @BeforeEach
    void startReceivers() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        received.forEach((path, bodies) -> server.createContext("/" + path, ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            if (path.equals("slow")) {
                sleep(1500);
            }
            ex.sendResponseHeaders(path.equals("down") ? 500 : 200, -1);
            ex.close();
        }));
        server.start();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        server.stop(0);
        handlers.shutdownNow();
    }

    private Hook hook(String name) {
        return new Hook(name, "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name, HookFormat.JSON, HookFilter.ALL, null);
    }

    private void start(DeadLetterSink sink, String... hooks) {
        WebhookPoster poster = new WebhookPoster(new RetryBackoff(1, Duration.ofMillis(10), Duration.ofSeconds(2)), Duration.ofSeconds(5));
        NotifierDeadLetters letters = new NotifierDeadLetters(sink, metrics);
        List<HookWorker> workers = java.util.Arrays.stream(hooks)
                .map(h -> new HookWorker(hook(h), poster, new HookBodies("http://scorer"), metrics, letters)).toList();
        notifier = new WebhookNotifier(consumer, Duration.ofSeconds(8), TOPIC, workers, metrics, sink);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        notifier.start();
        consumer.rebalance(List.of(P0));
    }

    private void alerts(int from, int to) {
        consumer.schedulePollTask(() -> {
            for (int i = from; i < to; i++) {
                Alert a = new Alert("run-" + i, i, Alert.DYING_RELU, "warning", Map.of(), 1, "s", 0L);
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, i, "run-" + i, Json.bytes(a)));
            }
        });
    }

    private double errors(String type) {
        return MetricsText.valueOrNaN(metrics.registry(), "weightcast_webhook_notifier_errors_total{error=\"" + type + "\"}");
    }

    /** A sink whose acknowledged publish is {@code ack}; the unacknowledged one must not be used. */
    private static DeadLetterSink acked(java.util.function.Function<DeadLetter, CompletableFuture<Void>> ack) {
        return new DeadLetterSink() {
            @Override
            public void publish(String key, DeadLetter letter) {
                throw new AssertionError("the notifier must wait for the ack");
            }

            @Override
            public CompletableFuture<Void> publishAcked(String key, DeadLetter letter) {
                return ack.apply(letter);
            }
        };
    }

    @Test
    void aFailedCommitAndAPollErrorAreLoggedCountedAndSurvived() {
        consumer.commitFailures.set(1);
        start((k, l) -> { }, "fast");
        alerts(0, 3);
        Await.until("the three alerts delivered and committed", WAIT, () -> received.get("fast").size() == 3 && consumer.committed() == 3);
        consumer.setPollException(new KafkaException("test: broker trouble"));
        alerts(3, 5);
        Await.until("the next two after the poll error", WAIT, () -> received.get("fast").size() == 5 && consumer.committed() == 5);
        assertThat(notifier.alive()).isTrue();
        assertThat(errors("CommitFailedException")).isEqualTo(1.0);
        assertThat(errors("KafkaException")).isEqualTo(1.0);
    }

    @Test
    void theOffsetIsCommittedOnlyAfterTheDeadLetterIsAcked() throws Exception {
        List<CompletableFuture<Void>> acks = new CopyOnWriteArrayList<>();
        List<DeadLetter> letters = new CopyOnWriteArrayList<>();
        DeadLetterSink sink = acked(letter -> {
            letters.add(letter);
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            return ack;
        });
        start(sink, "down");
        alerts(0, 1);
        Await.until("the dead letter sent", WAIT, () -> acks.size() == 1);
        Thread.sleep(600); // a few polls and commit rounds
        assertThat(consumer.committed()).as("nothing committed before the ack").isEqualTo(-1);
        assertThat(letters.get(0).reason()).contains("webhook 'down'").contains("gave up after 2 attempts: HTTP 500");
        acks.get(0).complete(null);
        Await.until("committed after the ack", WAIT, () -> consumer.committed() == 1);
    }

    @Test
    void aDeadLetterThatFailsIsNotCommittedPastButDeliveredAgain() {
        AtomicInteger sends = new AtomicInteger();
        DeadLetterSink sink = acked(letter -> sends.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new KafkaException("test: not stored")) : CompletableFuture.completedFuture(null));
        start(sink, "down");
        alerts(0, 1);
        Await.until("the alert tried again and committed after its dead letter was stored", WAIT,
                () -> sends.get() == 2 && consumer.committed() == 1);
        assertThat(received.get("down")).as("two attempts per delivery, two deliveries").hasSize(4);
        assertThat(errors("dead_letter_not_stored")).isEqualTo(1.0);
        assertThat(notifier.alive()).isTrue();
    }

    @Test
    void aSlowHookDoesNotDelayAFastOne() {
        start((k, l) -> { }, "fast", "slow");
        alerts(0, 5);
        Await.until("the fast hook has all five", Duration.ofSeconds(2), () -> received.get("fast").size() == 5);
        assertThat(received.get("slow")).as("the slow hook is still at its first or second").hasSizeLessThan(3);
        assertThat(consumer.committed()).as("committed only what both hooks have").isLessThan(3);
    }

    @Test
    void aLoopKilledByAnErrorIsNotAlive() {
        start((k, l) -> { }, "fast");
        Await.until("polling", WAIT, () -> !consumer.assignment().isEmpty());
        assertThat(notifier.alive()).isTrue();
        consumer.schedulePollTask(() -> {
            throw new StackOverflowError("test");
        });
        Await.until("not alive", WAIT, () -> !notifier.alive());
        assertThat(errors("StackOverflowError")).isEqualTo(1.0);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
