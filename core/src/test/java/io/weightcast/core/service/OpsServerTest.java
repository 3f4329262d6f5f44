package io.weightcast.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The ops endpoints answer with the bodies, statuses and content types probes and dashboards rely on. */
class OpsServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void healthReadyAndMetrics() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("weightcast_test_things_total").help("things").register(registry).inc();
        AtomicBoolean ready = new AtomicBoolean();
        try (OpsServer ops = OpsServer.start("127.0.0.1", 0, "test.port", registry, ready::get)) {
            HttpResponse<String> health = get(ops, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");

            HttpResponse<String> notReady = get(ops, "/ready");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).isEqualTo("{\"ready\":false}");
            ready.set(true);
            HttpResponse<String> isReady = get(ops, "/ready");
            assertThat(isReady.statusCode()).isEqualTo(200);
            assertThat(isReady.body()).isEqualTo("{\"ready\":true}");
            assertThat(isReady.headers().firstValue("Content-Type")).hasValue("application/json");

            HttpResponse<String> metrics = get(ops, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body()).contains("# TYPE weightcast_test_things_total counter", "weightcast_test_things_total 1.0");
        }
    }

    @Test
    void metricsCarryTheJvmAndProcessMetricsOfThePrometheusClient() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (OpsServer ops = OpsServer.start("127.0.0.1", 0, "test.port", registry, () -> true)) {
            String text = get(ops, "/metrics").body();

            assertThat(text).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} [0-9.E]+$")
                    .contains("# TYPE jvm_threads_current gauge", "# TYPE process_cpu_seconds_total counter",
                            "# TYPE jvm_gc_collection_seconds summary");
            // registered once per registry, however often routes are mounted on it
            try (OpsServer again = OpsServer.start("127.0.0.1", 0, "test.port", registry, () -> true)) {
                assertThat(get(again, "/metrics").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void metricsSpeakOpenMetricsToAScraperThatAsksAndFilterByName() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("weightcast_test_things_total").help("things").register(registry).inc();
        try (OpsServer ops = OpsServer.start("127.0.0.1", 0, "test.port", registry, () -> true)) {
            HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(open.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
            assertThat(open.body()).contains("# TYPE weightcast_test_things counter").endsWith("# EOF\n");

            String one = get(ops, "/metrics?name[]=weightcast_test_things_total").body();
            assertThat(one).contains("weightcast_test_things_total 1.0").doesNotContain("jvm_");
        }
    }

    @Test
    void aPortAlreadyInUseNamesThePortAndTheSettingThatMovesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> OpsServer.start("127.0.0.1", port, "streams.port", new PrometheusRegistry(), () -> true))
                    .isInstanceOfSatisfying(PortInUseException.class, e -> {
                        assertThat(e.port()).isEqualTo(port);
                        assertThat(e.setting()).isEqualTo("streams.port");
                        assertThat(e.getMessage()).isEqualTo("port " + port + " on 127.0.0.1 is already in use (setting streams.port)");
                    });
        }
    }

    private static HttpResponse<String> get(OpsServer ops, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
