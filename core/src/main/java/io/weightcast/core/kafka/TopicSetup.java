package io.weightcast.core.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the contract's topics if missing (idempotent; safe to call from every service at start). */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    /** How long {@link #ensure} waits for the topics it created to have leaders. */
    static final Duration LEADER_WAIT = Duration.ofSeconds(30);

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
                awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
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
     * Waits until every partition of {@code names} has a leader in the metadata clients get (at most {@link #LEADER_WAIT},
     * then goes on with a warning). createTopics returns once the controller made them; a producer that sent at once
     * met NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER on its retry, and one record of the claim-check
     * integration test never reached the stream (CI under load, 2026-12-07).
     */
    private static void awaitLeaders(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        while (!haveLeaders(admin, names)) {
            if (System.nanoTime() > deadline) {
                LOG.warn("topics {} still have partitions without a leader after {} s; going on", names, LEADER_WAIT.toSeconds());
                return;
            }
            Thread.sleep(50);
        }
    }

    private static boolean haveLeaders(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
        try {
            return admin.describeTopics(names).allTopicNames().get().values().stream()
                    .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // not in this broker's metadata yet
            }
            throw e;
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
