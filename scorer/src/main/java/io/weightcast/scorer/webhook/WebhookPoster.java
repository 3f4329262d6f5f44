package io.weightcast.scorer.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * POSTs one JSON body to one URL, retrying on connection errors and non-2xx answers after the
 * {@link RetryBackoff}'s jittered, Retry-After-honouring delays, within its budget (each request's timeout
 * is cut to what is left of it). With a secret, every attempt carries fresh {@link WebhookSignature} headers
 * (its own timestamp, so a late retry is not mistaken for a replay). Thread-safe: the hooks' workers share one.
 */
public final class WebhookPoster {
    /** How a delivery ended: delivered, or the last error after {@code attempts} tries. */
    public record Delivery(boolean delivered, int attempts, String lastError) {
    }

    private final HttpClient client;
    private final RetryBackoff backoff;
    private final Duration timeout;
    private final DoubleSupplier random;

    /** With the budget Kafka's default {@code max.poll.interval.ms} allows ({@link RetryBackoff#budgetFor}). */
    public WebhookPoster(int retries, long backoffMillis, Duration timeout) {
        this(new RetryBackoff(retries, Duration.ofMillis(backoffMillis), RetryBackoff.budgetFor(RetryBackoff.DEFAULT_MAX_POLL_INTERVAL)),
                timeout);
    }

    public WebhookPoster(RetryBackoff backoff, Duration timeout) {
        this(backoff, timeout, () -> ThreadLocalRandom.current().nextDouble());
    }

    WebhookPoster(RetryBackoff backoff, Duration timeout, DoubleSupplier random) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.backoff = backoff;
        this.timeout = timeout;
        this.random = random;
    }

    public RetryBackoff backoff() {
        return backoff;
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
            request(uri, json, secret, timeout); // fails fast on a URL HttpClient cannot use
        } catch (IllegalArgumentException e) {
            return new Delivery(false, 0, "invalid webhook URL: " + e.getMessage());
        }
        long start = System.nanoTime();
        String lastError = null;
        Duration retryAfter = null;
        int attempt = 0;
        while (true) {
            if (attempt > 0) {
                Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                OptionalLong delay = backoff.delayMillis(attempt, elapsed, retryAfter, random.getAsDouble());
                if (delay.isEmpty()) {
                    return new Delivery(false, attempt, lastError + givenUpBecause(attempt, retryAfter));
                }
                Thread.sleep(delay.getAsLong());
            }
            attempt++;
            Duration left = backoff.remaining(Duration.ofNanos(System.nanoTime() - start));
            Duration requestTimeout = left.compareTo(timeout) < 0 ? left : timeout;
            if (requestTimeout.toMillis() <= 0) { // the backoff's sleep used up the budget: the last answer is still the reason
                String spent = "retry budget of " + backoff.budget().toMillis() + " ms spent";
                return new Delivery(false, attempt - 1, lastError == null ? spent : lastError + " (" + spent + ")");
            }
            retryAfter = null;
            try {
                HttpResponse<Void> response = client.send(request(uri, json, secret, requestTimeout), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    return new Delivery(true, attempt, null);
                }
                lastError = "HTTP " + response.statusCode();
                retryAfter = response.headers().firstValue("Retry-After").flatMap(h -> RetryAfter.parse(h, Instant.now())).orElse(null);
            } catch (IOException e) {
                lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
        }
    }

    private String givenUpBecause(int attempts, Duration retryAfter) {
        if (attempts > backoff.retries()) {
            return "";
        }
        return retryAfter != null
                ? " (Retry-After " + retryAfter.toSeconds() + " s is past the retry budget of " + backoff.budget().toMillis() + " ms)"
                : " (retry budget of " + backoff.budget().toMillis() + " ms spent)";
    }

    private HttpRequest request(URI uri, byte[] json, String secret, Duration requestTimeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "weightcast")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        if (secret != null) {
            WebhookSignature.headers(secret, json, System.currentTimeMillis() / 1000).forEach(b::header);
        }
        return b.build();
    }
}
