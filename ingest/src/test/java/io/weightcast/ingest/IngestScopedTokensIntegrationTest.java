package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.MetricsText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21: tokens from a reloadable file, scoped to studies and run-id prefixes (403 outside), 401 without one. */
class IngestScopedTokensIntegrationTest {
    private static final Topics TOPICS = new Topics("ingest-scoped.");
    private static final String TEAM_A = "team-a-secret";
    private static final String FIXED = "fixed-secret";
    private static final Duration RELOAD = Duration.ofSeconds(20);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    @TempDir
    static Path dir;
    private static Path tokenFile;
    private static IngestService service;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 1, (short) 1);
        tokenFile = dir.resolve("tokens.json");
        Files.writeString(tokenFile, """
                {"tokens": [
                  {"name": "team-a", "token": "%s", "studies": ["mnist"], "runs": ["team-a-*"]}
                ]}""".formatted(TEAM_A));
        service = TestIngest.started(Settings.of(Map.of(
                "kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "topic.prefix", TOPICS.prefix(),
                "ingest.port", "0",
                "ingest.tokens", FIXED,
                "ingest.tokens.file", tokenFile.toString(),
                "ingest.ack.timeout.ms", "15000")));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aScopedTokenWritesInsideItsScopeAndGets403OutsideIt() throws Exception {
        assertThat(event("team-a-1", "mnist", TEAM_A).statusCode()).isEqualTo(202);
        assertThat(checkpoint("team-a-1", "mnist", TEAM_A).statusCode()).isEqualTo(202);

        double forbidden = metric("weightcast_ingest_rejected_total{reason=\"forbidden\"}");
        assertError(event("team-b-1", "mnist", TEAM_A), 403, "may not write run 'team-b-1'");
        assertError(checkpoint("team-b-1", "mnist", TEAM_A), 403, "may not write run 'team-b-1'");
        assertError(event("team-a-2", "cifar", TEAM_A), 403, "may not write study 'cifar'");
        assertError(checkpoint("team-a-2", "cifar", TEAM_A), 403, "may not write study 'cifar'");
        assertError(event("team-a-3", null, TEAM_A), 403, "names no study");
        assertThat(metric("weightcast_ingest_rejected_total{reason=\"forbidden\"}")).isEqualTo(forbidden + 5);

        assertThat(event("team-b-1", "cifar", FIXED).statusCode()).as("the setting's tokens are unscoped").isEqualTo(202);
        HttpResponse<String> none = event("team-a-1", "mnist", null);
        assertError(none, 401, "missing bearer token");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertError(event("team-a-1", "mnist", "guess"), 401, "invalid bearer token");
    }

    @Test
    void theFileIsReloadedWithoutARestartAndABrokenEditKeepsThePreviousTokens() throws Exception {
        double failed = metric("weightcast_auth_token_file_reloads_total{outcome=\"failed\"}");
        Files.writeString(tokenFile, "{\"tokens\": [{\"token\": \"half-writ");
        Await.until("the broken edit counted", RELOAD,
                () -> metric("weightcast_auth_token_file_reloads_total{outcome=\"failed\"}") > failed);
        assertThat(event("team-a-1", "mnist", TEAM_A).statusCode()).as("previous tokens kept").isEqualTo(202);

        Files.writeString(tokenFile, "{\"tokens\": [{\"name\": \"team-b\", \"token\": \"team-b-secret\", \"runs\": [\"team-b-*\"]}]}");
        Await.until("the new token accepted", RELOAD, () -> event("team-b-9", "any", "team-b-secret").statusCode() == 202);
        assertError(event("team-a-1", "mnist", TEAM_A), 401, "invalid bearer token");
        assertError(event("team-a-1", "mnist", "team-b-secret"), 403, "may not write run 'team-a-1'");
        assertThat(metric("weightcast_auth_token_file_reloads_total{outcome=\"loaded\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(get("/metrics").body()).doesNotContain("team-b-secret").doesNotContain(TEAM_A);

        Files.writeString(tokenFile, """
                {"tokens": [
                  {"name": "team-a", "token": "%s", "studies": ["mnist"], "runs": ["team-a-*"]}
                ]}""".formatted(TEAM_A));
        Await.until("team-a back", RELOAD, () -> event("team-a-1", "mnist", TEAM_A).statusCode() == 202);
    }

    private static HttpResponse<String> event(String run, String study, String token) throws Exception {
        String body = study == null ? "{\"type\": \"started\"}" : "{\"type\": \"started\", \"study\": \"" + study + "\"}";
        return post("/v1/runs/" + run + "/events", body.getBytes(StandardCharsets.UTF_8), token);
    }

    private static HttpResponse<String> checkpoint(String run, String study, String token) throws Exception {
        byte[] file = CheckpointBuilder.cnn(7, 8).meta(TestCheckpoints.metadata(run, 1)).bytes();
        return post("/v1/runs/" + run + "/checkpoints?study=" + study, file, token);
    }

    private static void assertError(HttpResponse<String> r, int status, String reasonPart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).contains(reasonPart);
    }

    private static double metric(String sample) throws Exception {
        return MetricsText.value(get("/metrics").body(), sample).orElse(0.0);
    }

    private static HttpResponse<String> post(String path, byte[] body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }
}
