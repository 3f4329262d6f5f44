package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import io.weightcast.core.auth.BearerTokens;
import io.weightcast.core.auth.ReloadingTokens;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.Http;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21: the scorer's API and live stream need a read token; the page, the document and the probes do not. */
class ReadTokensTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final RunsView view = new RunsView();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private Path file;
    private ReloadingTokens tokens;
    private Vertx vertx;
    private int port;

    @BeforeEach
    void start() throws Exception {
        view.onRunEvent("run-a", RunEvent.started("run-a", "s", Map.of(), 4));
        file = Files.writeString(dir.resolve("tokens.json"), """
                {"tokens": [{"name": "reader", "token": "file-secret"},
                            {"name": "producer", "token": "scoped-secret", "runs": ["team-a-*"]}]}""");
        tokens = new ReloadingTokens("scorer", BearerTokens.commaSeparated("scorer.tokens", "fixed-secret"), file,
                ReloadingTokens.Reloads.register(registry)).start(Duration.ofMillis(50));
        vertx = Vertx.vertx();
        ScorerHttpVerticle http = new ScorerHttpVerticle("127.0.0.1", 0, view, registry, () -> true).requireReadTokens(tokens);
        vertx.deployVerticle(http).await();
        port = http.port();
    }

    @AfterEach
    void stop() {
        tokens.close();
        vertx.close().await();
    }

    private HttpResponse<String> get(String path, String token) {
        return Http.send(token == null ? Http.request(port, path) : Http.request(port, path).header("Authorization", "Bearer " + token));
    }

    @Test
    void theApiNeeds401WithoutAValidTokenAnd200WithOne() {
        HttpResponse<String> anonymous = get("/v1/runs", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(anonymous.body()).contains("\"error\"").contains("missing bearer token");
        assertThat(get("/v1/runs/run-a", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/v1/runs?access_token=fixed-secret", null).statusCode()).as("the query token is for the stream only")
                .isEqualTo(401);

        assertThat(get("/v1/runs", "fixed-secret").statusCode()).isEqualTo(200);
        assertThat(get("/v1/runs/run-a", "file-secret").body()).contains("\"run_id\":\"run-a\"");
        HttpResponse<String> scoped = get("/v1/runs", "scoped-secret");
        assertThat(scoped.statusCode()).isEqualTo(403);
        assertThat(scoped.body()).contains("token 'producer' is scoped").doesNotContain("scoped-secret");

        for (String open : new String[] {"/", "/live", "/health", "/ready", "/metrics", "/openapi.json"}) {
            assertThat(get(open, null).statusCode()).as(open).isEqualTo(200);
        }
    }

    @Test
    void theLiveStreamTakesTheTokenAsAccessTokenBecauseEventSourceCannotSendHeaders() throws Exception {
        try (SseClient refused = SseClient.connect(port, null)) {
            assertThat(refused.response.statusCode()).isEqualTo(401);
        }
        try (SseClient wrong = SseClient.connect(port, null, "?access_token=nope")) {
            assertThat(wrong.response.statusCode()).isEqualTo(401);
        }
        try (SseClient client = SseClient.connect(port, null, "?access_token=file-secret")) {
            assertThat(client.response.statusCode()).isEqualTo(200);
            assertThat(client.next(WAIT).type()).isEqualTo("snapshot");
        }
    }

    @Test
    void anEditedFileGrantsTheNewTokenAndRevokesTheRemovedOne() throws Exception {
        assertThat(get("/v1/runs", "file-secret").statusCode()).isEqualTo(200);
        Files.writeString(file, "{\"tokens\": [{\"name\": \"rotated\", \"token\": \"rotated-secret\"}]}");
        Await.until("the rotated token accepted", WAIT, () -> get("/v1/runs", "rotated-secret").statusCode() == 200);
        assertThat(get("/v1/runs", "file-secret").statusCode()).as("removed from the file").isEqualTo(401);
        assertThat(get("/v1/runs", "fixed-secret").statusCode()).as("scorer.tokens stay").isEqualTo(200);

        Files.writeString(file, "{\"tokens\": [{\"name\": \"rotated\", \"token\": \"rotated-secret\", \"studys\": [\"a\"]}]}");
        Await.until("the broken edit counted", WAIT, () -> Http.get(port, "/metrics").body()
                .contains("weightcast_auth_token_file_reloads_total{outcome=\"failed\"} 1.0"));
        assertThat(get("/v1/runs", "rotated-secret").statusCode()).as("a broken edit keeps the previous tokens").isEqualTo(200);
    }
}
