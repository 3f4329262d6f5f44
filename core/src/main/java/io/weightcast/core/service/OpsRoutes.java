package io.weightcast.core.service;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.records.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops endpoints of every service, defined once so probes and dashboards see the same everywhere:
 * {@code GET /health} (200 {@code {"status":"UP"}}: the process is up), {@code GET /ready} (200
 * {@code {"ready":true}}, or 503 {@code {"ready":false}} until the service says it is ready) and
 * {@code GET /metrics}: the registry, with the JVM and process metrics of the Prometheus client's
 * instrumentation module ({@code jvm_*}, {@code process_*}), served by the client's own scrape handler (the
 * Prometheus text format by default; OpenMetrics or protobuf when the scraper asks for them, gzip, {@code name[]}
 * filters).
 */
public final class OpsRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(OpsRoutes.class);
    private static final String JSON = "application/json";
    /** Where each service with an HTTP API serves its OpenAPI document. */
    public static final String OPENAPI_PATH = "/openapi.json";

    private OpsRoutes() {
    }

    public static void mount(Router router, PrometheusRegistry registry, BooleanSupplier ready) {
        mount(router, registry, ready, (name, route) -> { });
    }

    /**
     * @param first given each route with its name ({@code health}, {@code ready}, {@code metrics}) before the
     *              route's own handler, for a service's handler that must run first (ingest labels its metrics so)
     */
    public static void mount(Router router, PrometheusRegistry registry, BooleanSupplier ready, BiConsumer<String, Route> first) {
        JvmMetrics.builder().register(registry); // once per registry: the client keeps track
        PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
        route(router, "health", first).handler(ctx -> json(ctx, 200, Map.of("status", "UP")));
        route(router, "ready", first).handler(ctx -> {
            boolean ok = ready.getAsBoolean();
            json(ctx, ok ? 200 : 503, Map.of("ready", ok));
        });
        route(router, "metrics", first).handler(ctx -> {
            try (VertxExchange exchange = new VertxExchange(ctx)) {
                scrape.handleRequest(exchange);
            } catch (IOException | RuntimeException e) {
                LOG.warn("scrape of /metrics failed: {}", e.toString());
                if (!ctx.response().ended()) {
                    ctx.response().setStatusCode(500).end("scrape failed: " + e);
                }
            }
        });
    }

    /**
     * Serves the service's OpenAPI document on {@code route} (a {@code GET} of {@link #OPENAPI_PATH}, after any
     * handler of the service's own): the classpath resource {@code resource} next to {@code owner}, read once, here,
     * so a missing document fails the service's start, not a request.
     */
    public static Route openApi(Route route, Class<?> owner, String resource) {
        Buffer document;
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no OpenAPI document " + resource + " beside " + owner.getName());
            }
            document = Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return route.handler(ctx -> ctx.response().putHeader("Content-Type", JSON).end(document));
    }

    /**
     * The routes {@code router} answers, as an OpenAPI document lists them: {@code "GET /v1/runs/{run}"}, sorted;
     * routes without a path or a method (handlers for every request: metrics, failures) are left out.
     */
    public static List<String> describe(Router router) {
        List<String> routes = new ArrayList<>();
        for (Route r : router.getRoutes()) {
            // a path with parameters keeps its path (and gets a pattern); a route by regex has none and is left out
            if (r.getPath() == null || r.methods() == null || r.methods().isEmpty()) {
                continue;
            }
            String path = r.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            r.methods().forEach(m -> routes.add(m.name() + " " + path));
        }
        Collections.sort(routes);
        return routes;
    }

    private static Route route(Router router, String name, BiConsumer<String, Route> first) {
        Route route = router.get("/" + name);
        first.accept(name, route);
        return route;
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(Json.string(body));
    }

    /** The client's HTTP exchange on a Vert.x request: the body is buffered and sent when the handler closes it. */
    private static final class VertxExchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final RoutingContext ctx;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = 200;

        VertxExchange(RoutingContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public String getQueryString() {
            return ctx.request().query();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(ctx.request().headers().getAll(name));
        }

        @Override
        public String getMethod() {
            return ctx.request().method().name();
        }

        @Override
        public String getRequestPath() {
            return ctx.request().path();
        }

        @Override
        public void setHeader(String name, String value) {
            ctx.response().putHeader(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            status = statusCode;
            return body;
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
            if (!ctx.response().ended()) {
                ctx.response().setStatusCode(status).end(Buffer.buffer(body.toByteArray()));
            }
        }
    }
}
