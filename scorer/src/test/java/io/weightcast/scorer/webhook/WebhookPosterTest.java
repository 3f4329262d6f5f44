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

    @BeforeEach
    void startReceiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            arrivals.add(System.nanoTime());
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            headers.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type") + " "
                    + ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(failuresLeft.getAndDecrement() > 0 ? 500 : 204, -1);
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
        long firstGap = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
        long secondGap = (arrivals.get(2) - arrivals.get(1)) / 1_000_000;
        assertThat(firstGap).isGreaterThanOrEqualTo(100);
        assertThat(secondGap).isGreaterThanOrEqualTo(200);
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
