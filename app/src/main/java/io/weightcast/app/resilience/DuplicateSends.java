package io.weightcast.app.resilience;

import io.weightcast.app.load.SyntheticCheckpoints;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Phase 3 of {@code weightcast safety}: valid checkpoints each sent three times, the ways a client's retries
 * and a replaying producer duplicate them: twice over HTTP with the same {@code Idempotency-Key} (the second
 * one after the first was answered: ingest answers it from its key window, producing nothing), and once more
 * byte-identically straight to Kafka (streams drops the copy). Afterwards each (run_id, step) must have exactly
 * one features record.
 */
final class DuplicateSends {
    /** What was sent: the (run_id, step) keys and the statuses of the first and second HTTP requests. */
    record Sent(List<String> runIds, List<Long> steps, Tally statuses, long replayed, long kafkaResent) {
    }

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    DuplicateSends(String base) {
        this.base = base;
    }

    Sent run(CheckpointMutations checkpoints, KafkaFuzz kafka, String runPrefix, int count) throws Exception {
        List<String> runIds = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        Tally statuses = new Tally();
        long replayed = 0;
        long resent = 0;
        for (int i = 0; i < count; i++) {
            String runId = runPrefix + "d" + (i / SyntheticCheckpoints.PLANNED_STEPS);
            long step = 1 + i % SyntheticCheckpoints.PLANNED_STEPS;
            byte[] file = checkpoints.valid(runId, step);
            String key = runPrefix + "dup-" + i;
            HttpResponse<Void> first = post(runId, step, file, key);
            statuses.add("first", status(first));
            HttpResponse<Void> second = post(runId, step, file, key);
            statuses.add("second", status(second));
            if (second != null && second.headers().firstValue("Idempotent-Replayed").isPresent()) {
                replayed++;
            }
            kafka.resend(runId, file);
            resent++;
            runIds.add(runId);
            steps.add(step);
        }
        return new Sent(runIds, steps, statuses, replayed, resent);
    }

    private HttpResponse<Void> post(String runId, long step, byte[] file, String key) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + runId + "/checkpoints?step=" + step))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return null;
        }
    }

    private static String status(HttpResponse<Void> r) {
        return r == null ? IngestFuzz.CONNECTION_FAILURE : Integer.toString(r.statusCode());
    }
}
