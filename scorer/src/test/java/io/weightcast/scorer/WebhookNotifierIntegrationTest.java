package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The notifier cannot die (issue 21 item 4), on a real broker with the real ScorerService: a hook that always
 * answers 500 next to a healthy one, 10 alerts, and the notifier consumer's {@code max.poll.interval.ms} at 5 s
 * (one dead hook's retries used to take 6.2 s per alert on the polling thread, so the first commit failed and the
 * thread ended silently). The healthy hook gets all 10, the dead one's 10 alerts are dead-lettered with the reason,
 * and the notifier stays alive through it, as /ready says; once it is gone, /ready says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookNotifierIntegrationTest {
    private static final Topics TOPICS = new Topics("nd.");
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ALERTS = 10;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;
    private static HttpServer receiver;
    private static final List<String> healthy = new CopyOnWriteArrayList<>();
    private static final AtomicInteger deadRequests = new AtomicInteger();

    @BeforeAll
    static void startEverything() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/healthy", ex -> {
            healthy.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.createContext("/dead", ex -> {
            ex.getRequestBody().readAllBytes();
            deadRequests.incrementAndGet();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        receiver.start();
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Map<String, String> s = new HashMap<>(Map.of(
                Settings.BOOTSTRAP, KAFKA.bootstrapServers(),
                Settings.TOPIC_PREFIX, TOPICS.prefix(),
                "scorer.port", "0",
                "scorer.auth", "none",
                "scorer.state.dir", EmbeddedKafka.tempDir().toString(),
                "kafka.max.poll.interval.ms", "5000",
                // "dead" sorts first: before the fix its retries ran ahead of the healthy hook on the one thread
                "scorer.hook.dead.url", base + "/dead",
                "scorer.hook.healthy.url", base + "/healthy"));
        scorer = new ScorerService(Settings.of(s));
        scorer.start();
        Await.until("scorer ready", WAIT, scorer::ready);
        for (int i = 0; i < ALERTS; i++) {
            Alert a = new Alert("run-" + i, i, Alert.DYING_RELU, "warning", Map.of("layer", "fc1"), 1, "nd-study", System.currentTimeMillis());
            KAFKA.writer().send(TOPICS.alerts(), a.runId(), Json.bytes(a));
        }
    }

    @AfterAll
    static void stopEverything() {
        if (scorer != null) {
            scorer.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private static int ready() throws Exception {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + scorer.port() + "/ready"))).statusCode();
    }

    @Test
    @Order(1)
    void aDeadHookNeitherDelaysTheHealthyOneNorKillsTheNotifier() throws Exception {
        Await.until("the healthy hook has all 10 alerts", WAIT, () -> healthy.size() >= ALERTS);
        assertThat(healthy.stream().map(b -> Json.read(b.getBytes(StandardCharsets.UTF_8), Alert.class).runId()).collect(Collectors.toSet()))
                .isEqualTo(IntStream.range(0, ALERTS).mapToObj(i -> "run-" + i).collect(Collectors.toSet()));

        List<DeadLetter> letters = KAFKA.reader().until(TOPICS.deadLetters(), DeadLetter.class, l -> l.size() >= ALERTS, WAIT);
        assertThat(letters).hasSize(ALERTS);
        assertThat(letters).allSatisfy(d -> {
            assertThat(d.service()).isEqualTo("scorer-webhooks");
            assertThat(d.sourceTopic()).isEqualTo(TOPICS.alerts());
            assertThat(d.reason()).startsWith("webhook 'dead' (http://127.0.0.1:" + receiver.getAddress().getPort() + ") gave up after ")
                    // its last answer: the 500, or, on a loaded machine, no answer within the request timeout
                    .containsAnyOf("attempts: HTTP 500", "attempts: HttpTimeoutException");
        });
        Set<String> deadLettered = letters.stream().map(d -> Json.read(Base64.getDecoder().decode(d.valueBase64()), Alert.class).runId())
                .collect(Collectors.toSet());
        assertThat(deadLettered).hasSize(ALERTS);
        assertThat(deadRequests.get()).as("retried, within the budget").isGreaterThan(ALERTS);

        assertThat(scorer.webhooks().alive()).isTrue();
        assertThat(ready()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void aStoppedNotifierFailsReadiness() throws Exception {
        assertThat(ready()).isEqualTo(200);
        scorer.webhooks().close();
        Await.until("/ready 503 once the notifier is gone", WAIT, Await.ignoringFailures(() -> ready() == 503));
        assertThat(scorer.ready()).isFalse();
    }
}
