package io.weightcast.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.kafka.Topics;
import io.weightcast.scorer.http.ScorerHttpVerticle;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.OpenApiDocument;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scorer's OpenAPI document, served at /openapi.json, lists exactly the routes the running scorer registers. */
class ScorerOpenApiTest {
    private static final Topics TOPICS = new Topics("scorer-openapi.");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static ScorerService scorer;

    @BeforeAll
    static void start() {
        scorer = RunningScorer.start(KAFKA.bootstrapServers(), TOPICS);
    }

    @AfterAll
    static void stop() {
        if (scorer != null) {
            scorer.close();
        }
    }

    @Test
    void everyRouteTheScorerRegistersIsInTheDocumentAndEveryDocumentedRouteIsRegistered() {
        OpenApiDocument doc = served();

        assertThat(scorer.routes()).contains("GET /v1/runs/{run}", "GET /v1/events", "GET /openapi.json");
        assertThat(doc.operations()).as("paths of /openapi.json against the routes of the running scorer "
                + "(edit scorer/src/main/resources/io/weightcast/scorer/http/openapi.json)").isEqualTo(scorer.routes());
        assertThat(doc.unansweredOn(scorer.port())).as("documented routes the scorer answers as unknown").isEmpty();
        // the one documented 404 is the service's answer about the run, not a missing route
        assertThat(Http.get(scorer.port(), "/v1/runs/r1").body()).contains("unknown run 'r1'");
    }

    @Test
    void theServedDocumentIsTheResourceAndHoldsTogether() throws IOException {
        HttpResponse<String> r = Http.get(scorer.port(), "/openapi.json");
        OpenApiDocument doc = OpenApiDocument.parse(r.body());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        try (InputStream resource = ScorerHttpVerticle.class.getResourceAsStream("openapi.json")) {
            assertThat(r.body()).isEqualTo(new String(resource.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(doc.json().path("openapi").asText()).startsWith("3.1.");
        assertThat(doc.unresolvedRefs()).isEmpty();
    }

    @Test
    void theScoreAndAlertSchemasAreTheContracts() {
        Path contract = Path.of(System.getProperty("weightcast.projectRoot", "..")).resolve("docs/contract");
        OpenApiDocument doc = served();
        Map<String, com.fasterxml.jackson.databind.JsonNode> expected = new java.util.LinkedHashMap<>();
        expected.putAll(OpenApiDocument.components(contract.resolve("scores.schema.json"), "Score"));
        expected.putAll(OpenApiDocument.components(contract.resolve("alerts.schema.json"), "Alert"));

        assertThat(expected).containsKeys("Score", "Alert", "Interval");
        expected.forEach((name, schema) -> assertThat(doc.schema(name))
                .as("components.schemas.%s of openapi.json against docs/contract; update with: python3 docs/contract/sync-openapi.py", name).isEqualTo(schema));
    }

    @Test
    void metricsCarryTheJvmMetrics() {
        assertThat(Http.get(scorer.port(), "/metrics").body()).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} ")
                .contains("# TYPE process_cpu_seconds_total counter");
    }

    private static OpenApiDocument served() {
        return OpenApiDocument.parse(Http.get(scorer.port(), "/openapi.json").body());
    }
}
