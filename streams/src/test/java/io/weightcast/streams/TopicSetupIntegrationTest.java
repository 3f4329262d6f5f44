package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TopicSetup on a real broker: the topics it creates have a leader for every partition when it returns, so a service
 * that sends at once does not meet NOT_LEADER_OR_FOLLOWER (its retry had met OUT_OF_ORDER_SEQUENCE_NUMBER and a
 * record of the claim-check test never arrived); a second call with the topics present changes nothing.
 */
class TopicSetupIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void everyCreatedPartitionHasALeaderWhenEnsureReturns() throws Exception {
        Topics topics = new Topics("setup-it.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 3, (short) 1);
        try (Admin admin = Admin.create(KafkaConfigs.admin(KAFKA.bootstrapServers()))) {
            Map<String, TopicDescription> d = admin.describeTopics(topics.all()).allTopicNames().get();
            assertThat(d).hasSize(topics.all().size());
            assertThat(d.values()).allSatisfy(t -> assertThat(t.partitions()).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.leader()).isNotNull().matches(n -> !n.isEmpty())));
            assertThat(d.get(topics.checkpoints()).partitions()).hasSize(3);
        }
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 3, (short) 1);
    }
}
