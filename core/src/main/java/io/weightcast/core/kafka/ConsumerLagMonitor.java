package io.weightcast.core.kafka;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far a service's consumers are behind, as Prometheus gauge {@code weightcast_consumer_lag_records{group,topic}}:
 * per topic, the sum over its partitions of (last stable offset − consumed offset). Polled every few seconds on a
 * daemon thread with an admin client ({@link KafkaConfigs#admin}, so with the installed security settings).
 *
 * <p>Two kinds of source: a consumer group ({@link Builder#group}; a Kafka Streams app's group is its
 * {@code application.id}), whose committed offsets are read with {@code listConsumerGroupOffsets}; and a group-less
 * consumer with manual assignment ({@link Builder#positions}), whose owner publishes its positions (label
 * {@code group} is then the name given, e.g. the client id). End offsets are {@code listOffsets(latest)} with
 * {@code READ_COMMITTED}: what a read_committed consumer can reach, so open or aborted transactions are not lag.
 * A group's partition without a committed offset counts from the log start (nothing consumed yet), for the topics
 * named with the group; other partitions count once the group commits on them (Kafka Streams' internal topics).
 * With exactly-once producers upstream, a caught-up group may show a lag of 1 per partition until its next commit
 * (the commit marker after the last record).
 *
 * <p>Never throws into the service: a failed poll is logged (at most once a minute at WARN) and counted in
 * {@code weightcast_consumer_lag_errors_total{group}}; the gauges keep their last values. One monitor per registry
 * (its metrics are registered on {@link Builder#start()} and unregistered on {@link #close()}).
 */
public final class ConsumerLagMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLagMonitor.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final List<GroupSource> groups;
    private final List<PositionSource> positionSources;
    private final PrometheusRegistry registry;
    private final Duration timeout;
    private final Gauge lag;
    private final Counter errors;
    private final String bootstrap;
    private final ScheduledExecutorService executor;
    private volatile Admin admin; // created and used on the poll thread only
    private final Map<List<String>, Long> current = new ConcurrentHashMap<>();
    private volatile long lastWarnNanos = System.nanoTime() - WARN_EVERY_NANOS;
    private volatile long polls;

    private record GroupSource(String group, List<String> topics) {
    }

    private record PositionSource(String name, Supplier<Map<TopicPartition, Long>> positions) {
    }

    private ConsumerLagMonitor(Builder b) {
        this.groups = List.copyOf(b.groups);
        this.positionSources = List.copyOf(b.positionSources);
        this.registry = b.registry;
        this.timeout = b.timeout;
        this.lag = Gauge.builder().name("weightcast_consumer_lag_records")
                .help("Records a consumer group (or group-less consumer) has not consumed yet, summed over the topic's partitions"
                        + " (read_committed end offsets)")
                .labelNames("group", "topic").build();
        this.errors = Counter.builder().name("weightcast_consumer_lag_errors_total")
                .help("Failed polls of consumer offsets or end offsets (the lag gauges keep their last values)")
                .labelNames("group").build();
        groups.forEach(g -> errors.initLabelValues(g.group()));
        positionSources.forEach(s -> errors.initLabelValues(s.name()));
        registry.register(lag);
        registry.register(errors);
        this.bootstrap = b.bootstrap;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weightcast-consumer-lag");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::pollQuietly, 0, b.interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static Builder builder(String bootstrap, PrometheusRegistry registry) {
        return new Builder(bootstrap, registry);
    }

    /** The last lag seen for {@code (group, topic)}, if any. */
    public OptionalLong lag(String group, String topic) {
        Long v = current.get(List.of(group, topic));
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Completed polls (successful or not). */
    public long polls() {
        return polls;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (admin != null) {
            admin.close(Duration.ZERO); // read-only: nothing to flush, pending calls may be dropped
        }
        registry.unregister(lag);
        registry.unregister(errors);
    }

    private void pollQuietly() {
        for (GroupSource g : groups) {
            poll(g.group(), () -> groupLag(g));
        }
        for (PositionSource s : positionSources) {
            poll(s.name(), () -> positionLag(s));
        }
        polls++;
    }

    private interface LagQuery {
        Map<String, Long> lagByTopic() throws Exception;
    }

    private void poll(String group, LagQuery query) {
        try {
            if (admin == null) {
                admin = Admin.create(adminProperties()); // here, so a bad config is counted, not thrown
            }
            Map<String, Long> byTopic = query.lagByTopic();
            if (byTopic == null) {
                return; // nothing to measure yet
            }
            byTopic.forEach((topic, value) -> {
                lag.labelValues(group, topic).set(value);
                current.put(List.of(group, topic), value);
            });
            // a topic the group no longer reads leaves the gauge (bounded label set)
            for (List<String> key : new ArrayList<>(current.keySet())) {
                if (key.get(0).equals(group) && !byTopic.containsKey(key.get(1))) {
                    lag.remove(key.get(0), key.get(1));
                    current.remove(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            errors.labelValues(group).inc();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            long now = System.nanoTime();
            if (now - lastWarnNanos >= WARN_EVERY_NANOS) {
                lastWarnNanos = now;
                LOG.warn("consumer lag of {} not measured (logged at most once a minute; counted in"
                        + " weightcast_consumer_lag_errors_total): {}", group, cause.toString());
            } else {
                LOG.debug("consumer lag of {} not measured: {}", group, cause.toString());
            }
        }
    }

    /** The admin client gives up on a call when the poll does: no calls pile up behind an unreachable broker. */
    private Properties adminProperties() {
        Properties p = KafkaConfigs.admin(bootstrap);
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "weightcast-consumer-lag");
        return p;
    }

    private Map<String, Long> groupLag(GroupSource g) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(g.group())
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> consumed = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                consumed.put(tp, om.offset());
            }
        });
        Set<TopicPartition> fromStart = new HashSet<>();
        if (!g.topics().isEmpty()) {
            Map<String, TopicDescription> described = admin.describeTopics(g.topics()).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            described.values().forEach(d -> d.partitions().forEach(p -> {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                if (!consumed.containsKey(tp)) {
                    fromStart.add(tp);
                }
            }));
        }
        if (!fromStart.isEmpty()) {
            consumed.putAll(offsets(fromStart, OffsetSpec.earliest()));
        }
        return lagByTopic(consumed);
    }

    private Map<String, Long> positionLag(PositionSource s) throws Exception {
        Map<TopicPartition, Long> positions = s.positions().get();
        return positions == null || positions.isEmpty() ? null : lagByTopic(positions);
    }

    /** Sum over partitions of max(0, end − consumed), per topic. */
    private Map<String, Long> lagByTopic(Map<TopicPartition, Long> consumed) throws Exception {
        Map<TopicPartition, Long> ends = offsets(consumed.keySet(), OffsetSpec.latest());
        return sumByTopic(consumed, ends);
    }

    /** Pure part, for tests: partitions without an end offset count 0. */
    static Map<String, Long> sumByTopic(Map<TopicPartition, Long> consumed, Map<TopicPartition, Long> ends) {
        Map<String, Long> out = new HashMap<>();
        consumed.forEach((tp, offset) -> {
            Long end = ends.get(tp);
            out.merge(tp.topic(), end == null ? 0L : Math.max(0L, end - offset), Long::sum);
        });
        return out;
    }

    private Map<TopicPartition, Long> offsets(Set<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResultInfo> result = admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** What to watch; {@link #start()} registers the metrics and starts polling. */
    public static final class Builder {
        private final String bootstrap;
        private final PrometheusRegistry registry;
        private final List<GroupSource> groups = new ArrayList<>();
        private final List<PositionSource> positionSources = new ArrayList<>();
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String bootstrap, PrometheusRegistry registry) {
            this.bootstrap = bootstrap;
            this.registry = registry;
        }

        /**
         * A consumer group (a Kafka Streams {@code application.id}); {@code topics} it reads count from their
         * log start until the group commits on them (others count once committed).
         */
        public Builder group(String groupId, String... topics) {
            groups.add(new GroupSource(groupId, List.of(topics)));
            return this;
        }

        /**
         * A group-less consumer: {@code positions} returns its current positions (thread-safe: the consumer's own
         * thread publishes a copy; empty or null until it has some), reported under {@code group=name}.
         */
        public Builder positions(String name, Supplier<Map<TopicPartition, Long>> positions) {
            positionSources.add(new PositionSource(name, positions));
            return this;
        }

        public Builder interval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("lag poll interval must be positive, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /** How long one admin request of a poll may take before the poll counts as failed (10 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("lag poll timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public ConsumerLagMonitor start() {
            return new ConsumerLagMonitor(this);
        }
    }
}
