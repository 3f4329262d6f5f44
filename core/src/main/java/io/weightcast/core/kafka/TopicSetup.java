package io.weightcast.core.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the contract's topics if missing (idempotent; safe to call from every service at start). */
public final class TopicSetup {
    private TopicSetup() {
    }

    public static void ensure(String bootstrap, Topics topics, int partitions, short replication) {
        try (Admin admin = Admin.create(KafkaConfigs.admin(bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics.all()) {
                if (!existing.contains(t)) {
                    int p = topics.compacted(t) ? 1 : partitions;
                    missing.add(new NewTopic(t, p, replication).configs(KafkaConfigs.topicConfig(topics, t)));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics: " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Throws unless the two topics have the same partition count: a service whose processors share a store
     * keyed by run id across both needs a run's records of both topics in the same task.
     *
     * @param who the service that needs it, for the message
     */
    public static void requireCoPartitioned(String bootstrap, String topicA, String topicB, String who) {
        try (Admin admin = Admin.create(KafkaConfigs.admin(bootstrap))) {
            Map<String, TopicDescription> d = admin.describeTopics(List.of(topicA, topicB)).allTopicNames().get();
            int a = d.get(topicA).partitions().size();
            int b = d.get(topicB).partitions().size();
            if (a != b) {
                throw new IllegalStateException(topicA + " has " + a + " partitions but " + topicB + " has " + b + ": the "
                        + who + " needs them co-partitioned (same count, keyed by run id)");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + topicA + " and " + topicB + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        }
    }
}
