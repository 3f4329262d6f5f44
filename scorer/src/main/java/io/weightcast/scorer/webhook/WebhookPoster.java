package io.weightcast.scorer.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs one JSON body to one URL, retrying with exponential back-off (base, 2·base, 4·base, ...)
 * on connection errors and non-2xx answers. With a secret, every attempt carries fresh
 * {@link WebhookSignature} headers (its own timestamp, so a late retry is not mistaken for a replay).
 */
public final class WebhookPoster {
    /** How a delivery ended: delivered, or the last error after {@code attempts} tries. */
    public record Delivery(boolean delivered, int attempts, String lastError) {
    }

    private final HttpClient client;
    private final int retries;
    private final long backoffMillis;
    private final Duration timeout;

    public WebhookPoster(int retries, long backoffMillis, Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.retries = retries;
        this.backoffMillis = backoffMillis;
        this.timeout = timeout;
    }

    /** Unsigned delivery. @throws InterruptedException when closing: the delivery did not finish and must not be committed */
    public Delivery post(String url, byte[] json) throws InterruptedException {
        return post(url, json, null);
    }

    /**
     * @param secret HMAC key for the signature headers, or null for none
     * @throws InterruptedException when closing: the delivery did not finish and must not be committed
     */
    public Delivery post(String url, byte[] json, String secret) throws InterruptedException {
        URI uri;
        try {
            uri = URI.create(url);
            request(uri, json, secret); // fails fast on a URL HttpClient cannot use
        } catch (IllegalArgumentException e) {
            return new Delivery(false, 0, "invalid webhook URL: " + e.getMessage());
        }
        String lastError = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                Thread.sleep(backoffMillis << (attempt - 1));
            }
            try {
                HttpResponse<Void> response = client.send(request(uri, json, secret), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    return new Delivery(true, attempt + 1, null);
                }
                lastError = "HTTP " + response.statusCode();
            } catch (IOException e) {
                lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
        }
        return new Delivery(false, retries + 1, lastError);
    }

    private HttpRequest request(URI uri, byte[] json, String secret) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "weightcast")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        if (secret != null) {
            WebhookSignature.headers(secret, json, System.currentTimeMillis() / 1000).forEach(b::header);
        }
        return b.build();
    }
}
