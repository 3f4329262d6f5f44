package io.weightcast.app.resilience;

import io.weightcast.app.load.CheckpointSender;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends checkpoints through the ingest gateway the way a robust training loop would: 202 is success;
 * a refused connection (ingest down), 429/503 (honouring Retry-After) and a broken connection are
 * retried until {@code giveUpMillis}; any other status fails at once.
 *
 * <p>A retry after a BROKEN connection (reset, timeout) may repeat a checkpoint the gateway already
 * handed to Kafka before it died: HTTP is at-least-once under retries, which is why the chaos harness
 * checks exactly-once from the checkpoints topic onward and counts such repeats apart. A refused
 * connection or a 429 never reached Kafka, so its retry cannot duplicate.
 */
final class RetryingHttpSender implements CheckpointSender {
    private final HttpClient client;
    private final ScheduledExecutorService retries;
    private final String baseUrl;
    private final long giveUpMillis;
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong retriedAfterBrokenConnection = new AtomicLong();

    RetryingHttpSender(String baseUrl, long giveUpMillis) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.giveUpMillis = giveUpMillis;
        this.retries = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "chaos-http-retry");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public CompletableFuture<?> send(String runId, long step, byte[] safetensors) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/runs/"
                        + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "/checkpoints?step=" + step))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .header("Idempotency-Key", java.util.UUID.randomUUID().toString()) // the same on every retry of this request
                .POST(HttpRequest.BodyPublishers.ofByteArray(safetensors)).build();
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(request, System.currentTimeMillis() + giveUpMillis, done);
        return done;
    }

    private void attempt(HttpRequest request, long giveUpAt, CompletableFuture<Void> done) {
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            if (error == null && response.statusCode() == 202) {
                done.complete(null);
                return;
            }
            long delay;
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (!(cause instanceof IOException)) {
                    done.completeExceptionally(cause);
                    return;
                }
                if (!(cause instanceof ConnectException)) {
                    retriedAfterBrokenConnection.incrementAndGet();
                }
                delay = 250;
            } else if (response.statusCode() == 409 || response.statusCode() == 429 || response.statusCode() == 503) {
                delay = 1000L * response.headers().firstValueAsLong("Retry-After").orElse(1);
            } else {
                done.completeExceptionally(new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body()));
                return;
            }
            if (System.currentTimeMillis() + delay > giveUpAt) {
                done.completeExceptionally(new IllegalStateException("gave up after retrying for " + giveUpMillis + " ms: "
                        + (error != null ? error : "HTTP " + response.statusCode())));
                return;
            }
            retried.incrementAndGet();
            retries.schedule(() -> attempt(request, giveUpAt, done), delay, TimeUnit.MILLISECONDS);
        });
    }

    long retried() {
        return retried.get();
    }

    long retriedAfterBrokenConnection() {
        return retriedAfterBrokenConnection.get();
    }

    @Override
    public String via() {
        return "http";
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
