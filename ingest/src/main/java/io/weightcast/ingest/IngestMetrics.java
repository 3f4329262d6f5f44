package io.weightcast.ingest;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The gateway's Prometheus metrics, in the service's own registry:
 * <ul>
 *   <li>{@code weightcast_ingest_requests_total{endpoint,status}}: every HTTP response (status "aborted"
 *       when the client's connection closed first)</li>
 *   <li>{@code weightcast_ingest_request_duration_seconds{endpoint}}: histogram, request to response</li>
 *   <li>{@code weightcast_ingest_checkpoints_total}: checkpoints acked by Kafka</li>
 *   <li>{@code weightcast_ingest_events_total}: run events acked by Kafka</li>
 *   <li>{@code weightcast_ingest_bytes_total}: record-value bytes acked by Kafka (checkpoint parts and events)</li>
 *   <li>{@code weightcast_ingest_rejected_total{reason}}: refused requests, by {@link RejectReason#label()}
 *       ({@code overloaded}: refused by admission control with 429)</li>
 *   <li>{@code weightcast_ingest_inflight_bytes}, {@code weightcast_ingest_inflight_requests}: gauges of what
 *       {@link InflightBudget} holds now (bodies being read or waiting for Kafka acks)</li>
 * </ul>
 * {@code endpoint} is one of checkpoints, events, health, ready, metrics, openapi, other (never the run id).
 */
final class IngestMetrics {
    private final Counter requests;
    private final Histogram duration;
    private final Counter checkpoints;
    private final Counter events;
    private final Counter bytes;
    private final Counter rejected;
    private final Counter replays;

    IngestMetrics(PrometheusRegistry registry, InflightBudget budget) {
        GaugeWithCallback.builder().name("weightcast_ingest_inflight_bytes")
                .help("Request-body bytes being read or waiting for Kafka acks")
                .callback(cb -> cb.call(budget.bytes())).register(registry);
        GaugeWithCallback.builder().name("weightcast_ingest_inflight_requests")
                .help("Checkpoint and event requests admitted and not yet finished")
                .callback(cb -> cb.call(budget.requests())).register(registry);
        requests = Counter.builder().name("weightcast_ingest_requests_total")
                .help("HTTP responses by endpoint and status").labelNames("endpoint", "status").register(registry);
        duration = Histogram.builder().name("weightcast_ingest_request_duration_seconds")
                .help("Time from request to response, including the wait for Kafka acks").labelNames("endpoint")
                .classicOnly().classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        checkpoints = Counter.builder().name("weightcast_ingest_checkpoints_total")
                .help("Checkpoints acked by Kafka").register(registry);
        events = Counter.builder().name("weightcast_ingest_events_total")
                .help("Run events acked by Kafka").register(registry);
        bytes = Counter.builder().name("weightcast_ingest_bytes_total")
                .help("Record-value bytes acked by Kafka").register(registry);
        rejected = Counter.builder().name("weightcast_ingest_rejected_total")
                .help("Requests refused, by reason").labelNames("reason").register(registry);
        replays = Counter.builder().name("weightcast_ingest_idempotent_replays_total")
                .help("Requests answered from the Idempotency-Key window: a client's retry of an answered request, not produced "
                        + "again").register(registry);
        for (RejectReason r : RejectReason.values()) {
            rejected.labelValues(r.label()); // every reason shows up at 0, so rate() works from the start
        }
    }

    void response(String endpoint, String status, long startNanos) {
        requests.labelValues(endpoint, status).inc();
        duration.labelValues(endpoint).observe((System.nanoTime() - startNanos) / 1e9);
    }

    void checkpoint(long recordBytes) {
        checkpoints.inc();
        bytes.inc(recordBytes);
    }

    void event(long recordBytes) {
        events.inc();
        bytes.inc(recordBytes);
    }

    void idempotentReplay() {
        replays.inc();
    }

    void rejected(RejectReason reason) {
        rejected.labelValues(reason.label()).inc();
    }
}
