package io.weightcast.core.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least Kafka ACLs each Weightcast principal needs, kept in one place: the ACL integration test grants exactly
 * these on a broker with an authorizer and runs every service under its own principal, and {@code k8s/kafka-users.yaml}
 * (one Strimzi {@code KafkaUser} per role) is generated from them and checked against them.
 *
 * <p>Only the trainer writes {@code models} and {@code encoders}; a training loop ({@link Role#PRODUCER}) and ingest
 * write only {@code checkpoints} and {@code runs}. A Streams app owns the topics, groups and transactional ids under its
 * application id ({@code <prefix>streams}, which also covers {@code <prefix>streams-spectra}; {@code <prefix>scorer},
 * which also covers the notifier's group {@code <prefix>scorer-webhooks}). The trainer publishes in transactions under
 * {@link #trainerTransactionalId} ({@code <prefix>trainer}). Application and transactional ids set to something else
 * need their own grants.
 */
public final class ServiceAcls {
    /** Who talks to Kafka. */
    public enum Role {
        PRODUCER, INGEST, STREAMS, SCORER, TRAINER;

        /** The principal's user name in the deployments, e.g. {@code weightcast-scorer}. */
        public String userName() {
            return "weightcast-" + name().toLowerCase(Locale.ROOT);
        }
    }

    /** Operations on one resource (a topic, group or transactional id), by exact name or name prefix. */
    public record Grant(ResourceType type, PatternType pattern, String name, List<AclOperation> operations) {
        public Grant {
            operations = List.copyOf(operations);
        }
    }

    private static final List<AclOperation> READ = List.of(AclOperation.READ, AclOperation.DESCRIBE);
    private static final List<AclOperation> WRITE = List.of(AclOperation.WRITE, AclOperation.DESCRIBE);

    private ServiceAcls() {
    }

    /** What {@code role} may do with the topics of {@code topics}' prefix (default application ids). */
    public static List<Grant> grants(Role role, Topics topics) {
        List<Grant> g = new ArrayList<>();
        switch (role) {
            case PRODUCER, INGEST -> {
                g.add(topic(topics.checkpoints(), WRITE));
                g.add(topic(topics.runs(), WRITE));
            }
            case STREAMS -> {
                g.add(describeAll(topics));
                reads(g, topics.checkpoints(), topics.runs(), topics.encoders(), topics.features());
                writes(g, topics.features(), topics.spectra(), topics.deadLetters());
                g.addAll(streamsApp(topics.prefix() + "streams"));
            }
            case SCORER -> {
                g.add(describeAll(topics));
                reads(g, topics.features(), topics.spectra(), topics.runs(), topics.models(), topics.scores(), topics.alerts());
                writes(g, topics.scores(), topics.alerts(), topics.deadLetters());
                g.addAll(streamsApp(topics.prefix() + "scorer"));
            }
            case TRAINER -> {
                g.add(describeAll(topics));
                reads(g, topics.checkpoints(), topics.runs(), topics.features(), topics.models(), topics.encoders());
                writes(g, topics.models(), topics.encoders());
                // publishes inside transactions, so a newer trainer replica fences an older one (trainer.transactional.id)
                g.add(new Grant(ResourceType.TRANSACTIONAL_ID, PatternType.LITERAL, trainerTransactionalId(topics), WRITE));
            }
        }
        return List.copyOf(g);
    }

    /**
     * The trainer's default transactional id, {@code <prefix>trainer}: one per deployment (topic prefix), so two
     * deployments sharing a broker never fence each other's trainer. A trainer given another one needs its own grant.
     */
    public static String trainerTransactionalId(Topics topics) {
        return topics.prefix() + "trainer";
    }

    /** {@link #grants} as ACL bindings that allow {@code User:<principal>} from any host. */
    public static List<AclBinding> bindings(Role role, String principal, Topics topics) {
        List<AclBinding> out = new ArrayList<>();
        for (Grant grant : grants(role, topics)) {
            for (AclOperation op : grant.operations()) {
                out.add(new AclBinding(new ResourcePattern(grant.type(), grant.name(), grant.pattern()),
                        new AccessControlEntry("User:" + principal, "*", op, AclPermissionType.ALLOW)));
            }
        }
        return out;
    }

    private static Grant topic(String name, List<AclOperation> ops) {
        return new Grant(ResourceType.TOPIC, PatternType.LITERAL, name, ops);
    }

    /** Metadata of every Weightcast topic: services check that the topics exist and are co-partitioned. */
    private static Grant describeAll(Topics topics) {
        return new Grant(ResourceType.TOPIC, PatternType.PREFIXED, topics.prefix(), List.of(AclOperation.DESCRIBE));
    }

    private static void reads(List<Grant> g, String... names) {
        for (String n : names) {
            g.add(topic(n, List.of(AclOperation.READ)));
        }
    }

    private static void writes(List<Grant> g, String... names) {
        for (String n : names) {
            g.add(topic(n, List.of(AclOperation.WRITE)));
        }
    }

    /** A Kafka Streams app's own resources: internal topics, its consumer group, its exactly-once transactional ids. */
    private static List<Grant> streamsApp(String applicationId) {
        return List.of(
                new Grant(ResourceType.TOPIC, PatternType.PREFIXED, applicationId, List.of(AclOperation.ALL)),
                new Grant(ResourceType.GROUP, PatternType.PREFIXED, applicationId, READ),
                new Grant(ResourceType.TRANSACTIONAL_ID, PatternType.PREFIXED, applicationId, WRITE));
    }
}
