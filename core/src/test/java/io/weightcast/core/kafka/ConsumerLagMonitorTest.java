package io.weightcast.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.service.OpsServer;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The pure parts; ConsumerLagMonitorIntegrationTest (streams module) runs it against a real broker. */
class ConsumerLagMonitorTest {
    @Test
    void lagIsSummedPerTopicAndNeverNegative() {
        TopicPartition a0 = new TopicPartition("a", 0);
        TopicPartition a1 = new TopicPartition("a", 1);
        TopicPartition b0 = new TopicPartition("b", 0);
        Map<String, Long> lag = ConsumerLagMonitor.sumByTopic(Map.of(a0, 3L, a1, 10L, b0, 7L), Map.of(a0, 8L, a1, 9L));
        assertThat(lag).containsExactlyInAnyOrderEntriesOf(Map.of("a", 5L, "b", 0L));
    }

    @Test
    void anUnreachableBrokerIsCountedNotThrown() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        // port 1 on loopback: nothing listens, every poll fails after the short timeout
        try (ConsumerLagMonitor m = ConsumerLagMonitor.builder("127.0.0.1:1", registry).group("g", "t")
                .interval(Duration.ofMillis(100)).timeout(Duration.ofMillis(300)).start()) {
            assertThat(OpsServer.scrape(registry)).contains("weightcast_consumer_lag_errors_total");
            long deadline = System.currentTimeMillis() + 10_000;
            while (m.polls() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(m.polls()).as("polls keep running after failures").isGreaterThanOrEqualTo(2);
            assertThat(OpsServer.scrape(registry)).containsPattern("weightcast_consumer_lag_errors_total\\{group=\"g\"} [1-9]");
            assertThat(m.lag("g", "t")).isEmpty();
        }
        assertThat(OpsServer.scrape(registry)).doesNotContain("weightcast_consumer_lag"); // unregistered on close
    }

    @Test
    void intervalMustBePositive() {
        assertThatThrownBy(() -> ConsumerLagMonitor.builder("b:1", new PrometheusRegistry()).interval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
