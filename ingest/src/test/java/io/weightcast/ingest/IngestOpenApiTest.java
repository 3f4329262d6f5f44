package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.Http;
import io.weightcast.testkit.OpenApiDocument;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's OpenAPI document, served at /openapi.json, lists exactly the routes the running gateway registers. */
class IngestOpenApiTest {
    private static final Topics TOPICS = new Topics("ingest-openapi.");

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static IngestService service;

    @BeforeAll
    static void start() {
        TopicSetup.ensure(KAFKA.bootstrapServers(), TOPICS, 1, (short) 1);
        service = new IngestService(Settings.of(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
                "topic.prefix", TOPICS.prefix(), "ingest.port", "0", "ingest.tokens", "tok")));
        service.start();
        Await.until("ingest ready", Duration.ofSeconds(30), () -> Http.get(service.port(), "/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void everyRouteTheGatewayRegistersIsInTheDocumentAndEveryDocumentedRouteIsRegistered() {
        OpenApiDocument doc = served();

        assertThat(service.routes()).contains("POST /v1/runs/{run}/checkpoints", "GET /openapi.json");
        assertThat(doc.operations()).as("paths of /openapi.json against the routes of the running gateway "
                + "(edit ingest/src/main/resources/io/weightcast/ingest/openapi.json)").isEqualTo(service.routes());
        assertThat(doc.unansweredOn(service.port())).as("documented routes the gateway answers as unknown").isEmpty();
    }

    @Test
    void theServedDocumentIsTheResourceAndHoldsTogether() throws IOException {
        HttpResponse<String> r = Http.get(service.port(), "/openapi.json");
        OpenApiDocument doc = OpenApiDocument.parse(r.body());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        try (InputStream resource = IngestHttpVerticle.class.getResourceAsStream("openapi.json")) {
            assertThat(r.body()).isEqualTo(new String(resource.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(doc.json().path("openapi").asText()).startsWith("3.1.");
        assertThat(doc.unresolvedRefs()).isEmpty();
        assertThat(doc.json().at("/paths/~1v1~1runs~1{run}~1checkpoints/post/security/0").has("bearer")).isTrue();
    }

    @Test
    void theRunEventSchemaIsTheContracts() {
        Path contract = Path.of(System.getProperty("weightcast.projectRoot", "..")).resolve("docs/contract/runs.schema.json");
        OpenApiDocument doc = served();

        OpenApiDocument.components(contract, "RunEvent").forEach((name, schema) -> assertThat(doc.schema(name))
                .as("components.schemas.%s of openapi.json against docs/contract/runs.schema.json; update with: python3 docs/contract/sync-openapi.py", name).isEqualTo(schema));
    }

    @Test
    void metricsCarryTheJvmMetrics() {
        assertThat(Http.get(service.port(), "/metrics").body()).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} ")
                .contains("# TYPE weightcast_ingest_requests_total counter");
    }

    private static OpenApiDocument served() {
        return OpenApiDocument.parse(Http.get(service.port(), "/openapi.json").body());
    }
}
