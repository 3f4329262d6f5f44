package io.weightcast.core.service;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The ops endpoints ({@link OpsRoutes}) of a service without an HTTP API of its own, on a Vert.x
 * server of their own.
 */
public final class OpsServer implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;

    private OpsServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * @param portSetting the setting that moves {@code port} (e.g. {@code streams.port}), named when the port is taken
     * @throws PortInUseException when the port is taken
     */
    public static OpsServer start(String host, int port, String portSetting, PrometheusRegistry registry, BooleanSupplier ready) {
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        OpsRoutes.mount(router, registry, ready);
        try {
            return new OpsServer(vertx, vertx.createHttpServer().requestHandler(router).listen(port, host).await());
        } catch (Exception e) { // await() rethrows the bind failure as it is, a checked one included
            vertx.close();
            if (PortInUseException.isBindFailure(e)) {
                throw new PortInUseException(host, port, portSetting, e);
            }
            throw new UncheckedIOException("cannot bind ops endpoints on " + host + ":" + port,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The registry in Prometheus text format (what {@code /metrics} answers a scraper that asks for no other format). */
    public static String scrape(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
