package io.weightcast.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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
        try (OpsServer ops = OpsServer.start("127.0.0.1", 0, registry, ready::get)) {
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
            assertThat(metrics.body()).isEqualTo(OpsServer.scrape(registry)).contains("weightcast_test_things_total 1.0");
        }
    }

    private static HttpResponse<String> get(OpsServer ops, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
