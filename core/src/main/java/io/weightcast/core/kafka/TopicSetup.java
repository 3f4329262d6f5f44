package io.weightcast.core.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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

}
