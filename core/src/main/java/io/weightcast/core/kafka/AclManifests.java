package io.weightcast.core.kafka;

import io.weightcast.core.kafka.ServiceAcls.Grant;
import io.weightcast.core.kafka.ServiceAcls.Role;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * {@link ServiceAcls} as the deployments apply them, so that both follow the one table the ACL integration test runs
 * the services under:
 * <ul>
 *   <li>{@code k8s/kafka-users.yaml}: one Strimzi {@code KafkaUser} per {@link Role} (SCRAM-SHA-512,
 *       {@code authorization: simple}); the User Operator keeps each user's password in a Secret of the user's name,
 *       whose {@code sasl.jaas.config} key the Deployments pass as {@code WEIGHTCAST_KAFKA_SASL_JAAS_CONFIG};</li>
 *   <li>{@code deploy/kafka-acls.sh}: the same grants through {@code kafka-acls.sh}, which docker-compose's
 *       {@code topics} job runs as the broker's admin.</li>
 * </ul>
 */
public final class AclManifests {
    /** How the committed files are regenerated (a test compares them to what this class renders). */
    public static final String REGENERATE = "mvn -B -ntp -q -pl core -am test -Dtest=AclManifestsTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dweightcast.acls.write=true";
    private static final String GENERATED = "Generated from io.weightcast.core.kafka.ServiceAcls, the least ACLs each Weightcast "
            + "principal needs\n# (KafkaAclIntegrationTest runs every service under exactly these). Do not edit; regenerate with\n#   "
            + REGENERATE + "\n";

    private AclManifests() {
    }

    /** The YAML of every role's KafkaUser for the Strimzi cluster {@code cluster}. */
    public static String strimziKafkaUsers(String cluster, Topics topics) {
        StringBuilder y = new StringBuilder("# ").append(GENERATED);
        for (Role role : Role.values()) {
            y.append("---\n")
                    .append("apiVersion: kafka.strimzi.io/v1beta2\n")
                    .append("kind: KafkaUser\n")
                    .append("metadata:\n")
                    .append("  name: ").append(role.userName()).append('\n')
                    .append("  labels:\n")
                    .append("    strimzi.io/cluster: ").append(cluster).append('\n')
                    .append("spec:\n")
                    .append("  authentication:\n")
                    .append("    type: scram-sha-512\n")
                    .append("  authorization:\n")
                    .append("    type: simple\n")
                    .append("    acls:\n");
            for (Grant g : ServiceAcls.grants(role, topics)) {
                y.append("      - resource:\n")
                        .append("          type: ").append(strimziType(g.type())).append('\n')
                        .append("          name: \"").append(g.name()).append("\"\n")
                        .append("          patternType: ").append(g.pattern().name().toLowerCase(Locale.ROOT)).append('\n')
                        .append("        operations: [")
                        .append(g.operations().stream().map(AclManifests::operation).collect(Collectors.joining(", ")))
                        .append("]\n");
            }
        }
        return y.toString();
    }

    /**
     * A bash script that adds every role's grants with {@code kafka-acls.sh}; the topic prefix comes from
     * {@code TOPIC_PREFIX} at run time, the broker from {@code BOOTSTRAP}, the admin's login from {@code COMMAND_CONFIG}.
     */
    public static String kafkaAclsScript() {
        String prefix = "${TOPIC_PREFIX}";
        StringBuilder s = new StringBuilder("#!/usr/bin/env bash\n# ").append(GENERATED)
                .append("# Adds the ACLs of every Weightcast principal (User:weightcast-<role>); adding an existing ACL is a no-op.\n")
                .append("# Env: BOOTSTRAP (kafka:9092), TOPIC_PREFIX (weightcast.), COMMAND_CONFIG (the admin's client properties),\n")
                .append("# KAFKA_ACLS (/opt/kafka/bin/kafka-acls.sh).\n")
                .append("set -euo pipefail\n\n")
                .append("TOPIC_PREFIX=${TOPIC_PREFIX:-weightcast.}\n")
                .append("bootstrap=${BOOTSTRAP:-kafka:9092}\n")
                .append("kafka_acls=${KAFKA_ACLS:-/opt/kafka/bin/kafka-acls.sh}\n")
                .append("config=()\n")
                .append("[[ -n ${COMMAND_CONFIG:-} ]] && config=(--command-config \"$COMMAND_CONFIG\")\n\n")
                .append("allow() {\n")
                .append("  local user=$1\n")
                .append("  shift\n")
                .append("  \"$kafka_acls\" --bootstrap-server \"$bootstrap\" \"${config[@]}\" --add --allow-principal \"User:$user\" \"$@\" >/dev/null\n")
                .append("}\n");
        for (Role role : Role.values()) {
            s.append('\n').append("# ").append(role.userName()).append('\n');
            for (Grant g : ServiceAcls.grants(role, new Topics(prefix))) {
                s.append("allow ").append(role.userName());
                for (AclOperation op : g.operations()) {
                    s.append(" --operation ").append(operation(op));
                }
                s.append(" --").append(scriptType(g.type())).append(" \"").append(g.name()).append('"')
                        .append(" --resource-pattern-type ").append(g.pattern().name().toLowerCase(Locale.ROOT)).append('\n');
            }
        }
        return s.append("\necho \"ACLs for ").append(Role.values().length).append(" Weightcast principals are in place\"\n").toString();
    }

    private static String strimziType(ResourceType type) {
        return switch (type) {
            case TOPIC -> "topic";
            case GROUP -> "group";
            case TRANSACTIONAL_ID -> "transactionalId";
            default -> throw new IllegalArgumentException("no Strimzi resource type for " + type);
        };
    }

    private static String scriptType(ResourceType type) {
        return switch (type) {
            case TOPIC -> "topic";
            case GROUP -> "group";
            case TRANSACTIONAL_ID -> "transactional-id";
            default -> throw new IllegalArgumentException("no kafka-acls.sh resource option for " + type);
        };
    }

    /** Strimzi and kafka-acls.sh spell operations in Pascal case: Read, Write, Describe, All. */
    private static String operation(AclOperation op) {
        StringBuilder out = new StringBuilder();
        for (String part : op.name().toLowerCase(Locale.ROOT).split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }
}
