package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookPosterTest {
    private HttpServer server;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> headers = new CopyOnWriteArrayList<>();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(500);
    private volatile String retryAfter;
    private volatile long answerAfterMillis;

    @BeforeEach
    void startReceiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            arrivals.add(System.nanoTime());
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            headers.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " "
                    + ex.getRequestHeaders().getFirst("User-Agent"));
            if (answerAfterMillis > 0) {
                try {
                    Thread.sleep(answerAfterMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            boolean fail = failuresLeft.getAndDecrement() > 0;
            if (fail && retryAfter != null) {
                ex.getResponseHeaders().add("Retry-After", retryAfter);
            }
            ex.sendResponseHeaders(fail ? status.get() : 204, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopReceiver() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Test
    void deliversTheJsonWithItsHeaders() throws Exception {
        WebhookPoster.Delivery d = new WebhookPoster(5, 10, Duration.ofSeconds(5)).post(url(), "{\"kind\":\"X\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.delivered()).isTrue();
        assertThat(d.attempts()).isEqualTo(1);
        assertThat(bodies).containsExactly("{\"kind\":\"X\"}");
        assertThat(headers).containsExactly("POST application/json weightcast");
    }

    @Test
    void retriesWithExponentialBackOffUntilTheReceiverAccepts() throws Exception {
        failuresLeft.set(2);
        WebhookPoster.Delivery d = new WebhookPoster(5, 100, Duration.ofSeconds(5)).post(url(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.delivered()).isTrue();
        assertThat(d.attempts()).isEqualTo(3);
        assertThat(bodies).hasSize(3);
        // jittered: retry n waits between half and all of 100 ms · 2^(n-1)
        assertThat(gapMillis(0)).isGreaterThanOrEqualTo(50);
        assertThat(gapMillis(1)).isGreaterThanOrEqualTo(100);
    }

    @Test
    void theJitterIsDrawnPerRetry() throws Exception {
        failuresLeft.set(2);
        RetryBackoff backoff = new RetryBackoff(5, Duration.ofMillis(400), Duration.ofSeconds(10));
        WebhookPoster.Delivery d = new WebhookPoster(backoff, Duration.ofSeconds(5), () -> 0.0).post(url(), new byte[0]);
        assertThat(d.delivered()).isTrue();
        assertThat(gapMillis(0)).as("the lowest jitter: half of 400 ms").isBetween(200L, 390L);
        assertThat(gapMillis(1)).as("half of 800 ms").isBetween(400L, 790L);
    }

    @Test
    void aRetryAfterLongerThanTheBackOffIsWaitedFor() throws Exception {
        failuresLeft.set(1);
        status.set(503);
        retryAfter = "1";
        WebhookPoster.Delivery d = new WebhookPoster(5, 10, Duration.ofSeconds(5)).post(url(), new byte[0]);
        assertThat(d.delivered()).isTrue();
        assertThat(d.attempts()).isEqualTo(2);
        assertThat(gapMillis(0)).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aRetryAfterAsAnHttpDateIsWaitedFor() throws Exception {
        failuresLeft.set(1);
        status.set(429);
        retryAfter = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(2));
        WebhookPoster.Delivery d = new WebhookPoster(5, 10, Duration.ofSeconds(5)).post(url(), new byte[0]);
        assertThat(d.delivered()).isTrue();
        assertThat(gapMillis(0)).as("whole seconds: at least the second boundary after now + 1 s").isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aRetryAfterPastTheBudgetEndsTheDeliveryAtOnce() throws Exception {
        failuresLeft.set(100);
        status.set(503);
        retryAfter = "120";
        long start = System.nanoTime();
        WebhookPoster.Delivery d = new WebhookPoster(new RetryBackoff(5, Duration.ofMillis(10), Duration.ofSeconds(2)), Duration.ofSeconds(5))
                .post(url(), new byte[0]);
        assertThat(d.delivered()).isFalse();
        assertThat(d.attempts()).isEqualTo(1);
        assertThat(d.lastError()).isEqualTo("HTTP 503 (Retry-After 120 s is past the retry budget of 2000 ms)");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1500);
    }

    @Test
    void aDeadHookCostsAtMostTheBudget() throws Exception {
        failuresLeft.set(Integer.MAX_VALUE);
        long start = System.nanoTime();
        WebhookPoster.Delivery d = new WebhookPoster(new RetryBackoff(1000, Duration.ofMillis(20), Duration.ofMillis(800)), Duration.ofSeconds(5))
                .post(url(), new byte[0]);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(d.delivered()).isFalse();
        assertThat(d.lastError()).isEqualTo("HTTP 500 (retry budget of 800 ms spent)");
        assertThat(d.attempts()).isBetween(3, 20);
        assertThat(tookMillis).isLessThan(800 + 400);
    }

    @Test
    void aSlowHooksRequestTimeoutIsCutToTheBudgetLeft() throws Exception {
        answerAfterMillis = 3000;
        long start = System.nanoTime();
        WebhookPoster.Delivery d = new WebhookPoster(new RetryBackoff(5, Duration.ofMillis(20), Duration.ofMillis(700)), Duration.ofSeconds(10))
                .post(url(), new byte[0]);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(d.delivered()).isFalse();
        assertThat(d.lastError()).contains("HttpTimeoutException");
        assertThat(tookMillis).as("not the 10 s request timeout").isLessThan(700 + 500);
    }

    private long gapMillis(int i) {
        return (arrivals.get(i + 1) - arrivals.get(i)) / 1_000_000;
    }

    @Test
    void givesUpAfterTheRetriesWithTheLastError() throws Exception {
        failuresLeft.set(100);
        WebhookPoster.Delivery d = new WebhookPoster(3, 5, Duration.ofSeconds(5)).post(url(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.delivered()).isFalse();
        assertThat(d.attempts()).isEqualTo(4);
        assertThat(d.lastError()).isEqualTo("HTTP 500");
        assertThat(bodies).hasSize(4);
    }

    @Test
    void anUnreachableReceiverIsAFailureNotAnException() throws Exception {
        int port = server.getAddress().getPort();
        server.stop(0);
        WebhookPoster.Delivery d = new WebhookPoster(1, 5, Duration.ofSeconds(2))
                .post("http://127.0.0.1:" + port + "/hook", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(d.delivered()).isFalse();
        assertThat(d.lastError()).contains("ConnectException");
        assertThat(new WebhookPoster(1, 5, Duration.ofSeconds(2)).post("not a url", new byte[0]).lastError()).startsWith("invalid webhook URL");
    }
}
