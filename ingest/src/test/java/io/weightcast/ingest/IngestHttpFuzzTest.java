package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.safetensors.SafeTensorsMutator;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ~2,000 mutated requests (checkpoints, run events, odd run ids and query parameters, missing or wrong
 * tokens, bodies over the limit) through the real IngestService over HTTP on a real broker: every one is
 * answered 202, 400, 401 or 413; afterwards the service is healthy and ready, a valid checkpoint is
 * still accepted, and exactly the accepted events reached Kafka.
 */
class IngestHttpFuzzTest {
    private static final Topics TOPICS = new Topics("hf.");
    private static final String TOKEN = "fuzz-token";
    private static final int CHECKPOINT_LIMIT = 64 * 1024;
    private static final int REQUESTS = Integer.getInteger("fuzz.http.requests", 2_000);
    private static final Set<Integer> ALLOWED = Set.of(202, 400, 401, 413);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static IngestService service;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 2, (short) 1);
        service = new IngestService(Settings.of(Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "topic.prefix", TOPICS.prefix(),
                "ingest.port", "0",
                "ingest.tokens", TOKEN,
                "ingest.max.record.bytes", "8192",
                "ingest.max.checkpoint.bytes", Integer.toString(CHECKPOINT_LIMIT),
                "ingest.max.event.bytes", "16384")));
        service.start();
        Await.until("ingest ready", Duration.ofSeconds(30), () -> send(get("/ready")).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path)).timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void everyMutatedRequestGetsA202Or4xxAndTheServiceStaysHealthy() throws Exception {
        Random r = new Random(IngestFuzzTest.SEED + 2);
        SafeTensorsMutator mutator = new SafeTensorsMutator(IngestFuzzTest.SEED + 3, IngestFuzzTest.checkpointSeeds());
        List<String> runIds = Arrays.stream(IngestFuzzTest.RUN_IDS).filter(id -> !id.isEmpty() && !id.contains("/") && !id.equals(".."))
                .toList(); // "" and ".." change the route itself (404), which is the router's job, not ingest's
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, String> unexpected = new LinkedHashMap<>();
        int acceptedEvents = 0;
        long start = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            boolean checkpoint = r.nextBoolean();
            // the mutated seeds carry run_id "run-1" in their metadata
            String runId = r.nextInt(8) == 0 ? runIds.get(r.nextInt(runIds.size())) : checkpoint ? "run-1" : "run-" + r.nextInt(20);
            byte[] body;
            String path;
            if (checkpoint) {
                int kind = r.nextInt(10);
                body = kind < 5 ? IngestFuzzTest.oddMetadataCheckpoint(r, runId)
                        : kind < 9 ? mutator.next(new StringBuilder())
                        : new byte[CHECKPOINT_LIMIT + 1 + r.nextInt(8192)];
                StringBuilder q = new StringBuilder();
                if (r.nextBoolean()) {
                    q.append("?step=").append(encode(r.nextBoolean() ? "3" : IngestFuzzTest.META_VALUES[r.nextInt(IngestFuzzTest.META_VALUES.length)]));
                }
                if (r.nextInt(4) == 0) {
                    q.append(q.length() == 0 ? '?' : '&').append("planned_steps=")
                            .append(encode(IngestFuzzTest.META_VALUES[r.nextInt(IngestFuzzTest.META_VALUES.length)]));
                }
                path = "/v1/runs/" + encode(runId) + "/checkpoints" + q;
            } else {
                body = IngestFuzzTest.mutateEvent(r);
                path = "/v1/runs/" + encode(runId) + "/events";
            }
            HttpRequest.Builder b = get(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            int auth = r.nextInt(10);
            if (auth > 1) {
                b.header("Authorization", "Bearer " + TOKEN);
            } else if (auth == 1) {
                b.header("Authorization", IngestFuzzTest.pick(r, "Bearer wrong", "Basic " + TOKEN, "Bearer", "bearer " + TOKEN + "x", ""));
            }
            int status;
            try {
                status = send(b).statusCode();
            } catch (java.io.IOException e) {
                status = -1;
                unexpected.putIfAbsent("IOException " + e, path);
            }
            String key = (checkpoint ? "checkpoints " : "events ") + status;
            outcomes.merge(key, 1, Integer::sum);
            if (!ALLOWED.contains(status)) {
                unexpected.putIfAbsent(key, path + " body base64 " + Base64.getEncoder().encodeToString(
                        body.length > 2048 ? Arrays.copyOf(body, 2048) : body));
            }
            if (!checkpoint && status == 202) {
                acceptedEvents++;
            }
        }
        System.out.printf("ingest HTTP fuzz: %d requests in %.1f s: %s%n", REQUESTS, (System.nanoTime() - start) / 1e9, outcomes);
        unexpected.forEach((k, v) -> System.out.println("HTTP FUZZ UNEXPECTED " + k + ": " + v));

        assertThat(send(get("/health")).statusCode()).isEqualTo(200);
        assertThat(send(get("/ready")).statusCode()).isEqualTo(200);
        byte[] valid = CheckpointBuilder.cnn(9, 16).meta(TestCheckpoints.metadata("after-fuzz", 1)).bytes();
        assertThat(send(get("/v1/runs/after-fuzz/checkpoints").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(valid))).statusCode()).isEqualTo(202);
        assertThat(outcomes.keySet()).as("401s and 413s were exercised").anyMatch(k -> k.endsWith(" 401")).anyMatch(k -> k.endsWith(" 413"));
        assertThat(outcomes.getOrDefault("checkpoints 202", 0)).isGreaterThan(20);
        assertThat(KAFKA.reader().count(TOPICS.runs())).as("exactly the accepted events reached Kafka").isEqualTo(acceptedEvents);
        assertThat(unexpected).as("responses other than 202/400/401/413").isEmpty();
    }
}
