package io.weightcast.app.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 1 of {@code weightcast safety}: mutated checkpoints and broken run events POSTed to the ingest
 * gateway, answers tallied by status and by the reason in the JSON body. Any 5xx, and any request that
 * got no answer at all (connection refused or reset, timeout), is a failure of the gateway.
 */
final class IngestFuzz {
    private static final Logger LOG = LoggerFactory.getLogger(IngestFuzz.class);
    static final String CONNECTION_FAILURE = "connection_failure";

    /** What the gateway answered. {@code byKind}: status counts per mutation kind; {@code reasons}: per reason category. */
    record Result(int checkpointsSent, int eventsSent, Map<String, Long> checkpointStatuses, Map<String, Long> eventStatuses,
                  Map<String, Map<String, Long>> checkpointsByKind, Map<String, Map<String, Long>> eventsByKind,
                  Map<String, Long> reasons, Map<String, Map<String, Long>> acceptedWhy, long acceptedUnexplained, long serverErrors,
                  long connectionFailures, List<String> examples) {
    }

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Tally checkpoints = new Tally();
    private final Tally events = new Tally();
    private final Tally reasons = new Tally();
    private final Tally acceptedWhy = new Tally();
    private final AtomicLong acceptedUnexplained = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong connectionFailures = new AtomicLong();
    private final List<String> examples = new CopyOnWriteArrayList<>();

    IngestFuzz(String base) {
        this.base = base;
    }

    /** Sends every input, four requests at a time; returns when all are answered. */
    Result run(CheckpointMutations mutations, EventMutations eventMutations, String runPrefix, int count, int eventCount)
            throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < count; i++) {
                int index = i;
                pool.execute(() -> checkpoint(mutations.mutant(index, runPrefix + "h" + index)));
            }
            for (int i = 0; i < eventCount; i++) {
                int index = i;
                pool.execute(() -> event(eventMutations.event(index, runPrefix + "e" + index), runPrefix + "e" + index));
            }
        } finally {
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        }
        return new Result(count, eventCount, checkpoints.totals(), events.totals(), checkpoints.all(), events.all(), reasons.totals(),
                acceptedWhy.all(), acceptedUnexplained.get(), serverErrors.get(), connectionFailures.get(), List.copyOf(examples));
    }

    private void checkpoint(CheckpointMutations.Mutant m) {
        // Every few inputs a bad ?step= too: the query is input as much as the body.
        String step = m.kind().equals("bad_metadata_value") && m.step() % 3 == 0 ? "x" + m.step() : Long.toString(m.step());
        URI uri = URI.create(base + "/v1/runs/" + URLEncoder.encode(m.runId(), StandardCharsets.UTF_8) + "/checkpoints?step=" + step);
        String status = post(uri, "application/octet-stream", m.bytes());
        checkpoints.add(m.kind(), status);
        if (status.equals("202")) {
            acceptedWhy.add(m.kind(), why(m));
        }
    }

    /** Why a mutated checkpoint got a 202: its kind is well-formed by design, or core's reader takes it as it is. */
    private String why(CheckpointMutations.Mutant m) {
        if (CheckpointMutations.ACCEPTABLE.containsKey(m.kind())) {
            return CheckpointMutations.ACCEPTABLE.get(m.kind());
        }
        if (KafkaFuzz.wellFormed(m.bytes(), m.runId())) {
            return "the mutation left a checkpoint core's reader takes";
        }
        acceptedUnexplained.incrementAndGet();
        return "UNEXPLAINED: accepted though core's reader refuses it";
    }

    private void event(EventMutations.Broken e, String runId) {
        URI uri = URI.create(base + "/v1/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8) + "/events");
        events.add(e.kind(), post(uri, "application/json", e.bytes()));
    }

    /** @return the status code as text, or {@value #CONNECTION_FAILURE} */
    private String post(URI uri, String contentType, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            int code = r.statusCode();
            reasons.add("all", code + " " + Tally.category(reason(r.body())));
            if (code >= 500) {
                serverErrors.incrementAndGet();
                example(uri.getPath() + " -> " + code + " " + reason(r.body()));
            }
            return Integer.toString(code);
        } catch (IOException e) {
            connectionFailures.incrementAndGet();
            example(uri.getPath() + " -> no answer: " + e);
            LOG.warn("no answer to POST {}: {}", uri.getPath(), e.toString());
            return CONNECTION_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The {@code error} of a JSON error body, or "(accepted)" for a 202's receipt. */
    private static String reason(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n != null && n.has("error") ? n.get("error").asText() : "(accepted)";
        } catch (IOException | RuntimeException e) {
            return "(no JSON body)";
        }
    }

    private void example(String s) {
        if (examples.size() < 20) {
            examples.add(s);
        }
    }
}
