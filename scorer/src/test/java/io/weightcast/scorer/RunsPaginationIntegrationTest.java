package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.Json;
import io.weightcast.core.records.RunEvent;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/runs?study=&limit=&cursor=&offset=} on a running scorer fed by run events on a real broker. */
class RunsPaginationIntegrationTest {
    private static final Topics TOPICS = new Topics("scorer-pages.");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;

    @BeforeAll
    static void start() {
        scorer = RunningScorer.start(KAFKA.bootstrapServers(), TOPICS);
        for (int i = 0; i < 5; i++) {
            String run = "x-" + i;
            KAFKA.writer().send(TOPICS.runs(), run, Json.bytes(RunEvent.started(run, "alpha", Map.of(), 10)));
        }
        KAFKA.writer().send(TOPICS.runs(), "y-0", Json.bytes(RunEvent.started("y-0", "beta", Map.of(), 10)));
        Await.until("six runs in the view", Duration.ofSeconds(30), () -> runs(get("/v1/runs").body()).size() == 6);
    }

    @AfterAll
    static void stop() {
        if (scorer != null) {
            scorer.close();
        }
    }

    private static HttpResponse<String> get(String path) {
        return Http.get(scorer.port(), path);
    }

    private static List<String> runs(String body) {
        List<String> ids = new ArrayList<>();
        tree(body).path("runs").forEach(r -> ids.add(r.path("run_id").asText()));
        return ids;
    }

    private static JsonNode json(HttpResponse<String> r) {
        return tree(r.body());
    }

    private static JsonNode tree(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void followingNextUrlPagesThroughOneStudy() {
        List<String> seen = new ArrayList<>();
        String url = "/v1/runs?study=alpha&limit=2";
        int pages = 0;
        while (url != null) {
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = json(r);
            List<String> page = runs(r.body());
            assertThat(page).hasSizeLessThanOrEqualTo(2);
            seen.addAll(page);
            url = body.path("next_url").isNull() ? null : body.path("next_url").asText();
            if (url != null) {
                assertThat(body.path("next").asText()).isEqualTo(page.get(page.size() - 1));
            }
            pages++;
        }
        assertThat(seen).containsExactly("x-0", "x-1", "x-2", "x-3", "x-4");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void theStudyFilterAndOffsetApply() {
        assertThat(runs(get("/v1/runs?study=beta").body())).containsExactly("y-0");
        assertThat(runs(get("/v1/runs?study=alpha&offset=3").body())).containsExactly("x-3", "x-4");
        assertThat(runs(get("/v1/runs?study=alpha&cursor=x-1&limit=1").body())).containsExactly("x-2");
        assertThat(json(get("/v1/runs")).path("next").isNull()).isTrue();
    }

    @Test
    void aBadParameterIsA400WithItsReason() {
        assertThat(get("/v1/runs?limit=0").statusCode()).isEqualTo(400);
        assertThat(json(get("/v1/runs?limit=0")).path("error").asText()).contains("limit");
        assertThat(json(get("/v1/runs?limit=abc")).path("error").asText()).contains("limit must be an integer, not 'abc'");
        assertThat(get("/v1/runs?offset=-2").statusCode()).isEqualTo(400);
        assertThat(json(get("/v1/runs?limit=5000")).path("error").asText()).contains("between 1 and 1000");
        assertThat(json(get("/v1/runs?study=a&study=b")).path("error").asText()).contains("study given 2 times");
        assertThat(get("/v1/runs?cursor=").statusCode()).isEqualTo(400);
    }
}
