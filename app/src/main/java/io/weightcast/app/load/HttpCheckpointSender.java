package io.weightcast.app.load;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends through the ingest gateway: {@code POST /v1/runs/{run}/checkpoints?step=N} with the
 * safetensors body, as a non-JVM training loop would. Only 202 (Kafka acked) counts as accepted.
 */
final class HttpCheckpointSender implements CheckpointSender {
    private final HttpClient client;
    private final ExecutorService executor;
    private final String baseUrl;
    private final String token;

    /** @param baseUrl e.g. {@code http://127.0.0.1:8080}; @param token bearer token, or null when auth is off */
    HttpCheckpointSender(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-http");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(executor).build();
    }

    @Override
    public CompletableFuture<?> send(String runId, long step, byte[] safetensors) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/runs/"
                        + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "/checkpoints?step=" + step))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(safetensors));
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 202) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
            }
            return response;
        });
    }

    @Override
    public String via() {
        return "http";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
