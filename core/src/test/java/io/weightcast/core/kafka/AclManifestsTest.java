package io.weightcast.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.kafka.ServiceAcls.Grant;
import io.weightcast.core.kafka.ServiceAcls.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * k8s/kafka-users.yaml and deploy/kafka-acls.sh are what {@link ServiceAcls} renders, and the grants keep the trust
 * boundary where SECURITY.md says.
 */
class AclManifestsTest {
    private static final Path ROOT = Path.of(System.getProperty("weightcast.projectRoot", ".."));
    private static final Topics TOPICS = Topics.defaults();

    @Test
    void theCommittedKafkaUsersAreWhatTheAclTableRenders() throws IOException {
        String rendered = AclManifests.strimziKafkaUsers("weightcast", TOPICS);
        assertThat(committed("k8s/kafka-users.yaml", rendered)).isEqualTo(rendered);
        assertThat(rendered).contains("name: weightcast-trainer", "type: transactionalId", "operations: [Write, Describe]");
    }

    @Test
    void theCommittedAclScriptIsWhatTheAclTableRenders() throws IOException {
        String rendered = AclManifests.kafkaAclsScript();
        assertThat(committed("deploy/kafka-acls.sh", rendered)).isEqualTo(rendered);
        assertThat(rendered).contains("allow weightcast-trainer --operation Write --topic \"${TOPIC_PREFIX}models\" --resource-pattern-type literal",
                "--transactional-id \"${TOPIC_PREFIX}streams\" --resource-pattern-type prefixed");
    }

    private static String committed(String file, String rendered) throws IOException {
        Path path = ROOT.resolve(file);
        if (Boolean.getBoolean("weightcast.acls.write")) {
            Files.writeString(path, rendered, StandardCharsets.UTF_8);
        }
        assertThat(path).as("%s is missing; generate it with:%n  %s", file, AclManifests.REGENERATE).exists();
        String text = Files.readString(path, StandardCharsets.UTF_8);
        if (!text.equals(rendered)) {
            throw new AssertionError(file + " is stale; regenerate it with:\n  " + AclManifests.REGENERATE);
        }
        return text;
    }

    @Test
    void onlyTheTrainerMayWriteModelsAndEncoders() {
        for (Role role : Role.values()) {
            boolean writesModels = writes(role, TOPICS.models()) || writes(role, TOPICS.encoders());
            assertThat(writesModels).as("%s writes models or encoders", role).isEqualTo(role == Role.TRAINER);
        }
    }

    @Test
    void onlyTheTrainerMayUseTheTrainersTransactionalId() {
        String id = ServiceAcls.trainerTransactionalId(TOPICS);
        assertThat(id).isEqualTo("weightcast.trainer");
        for (Role role : Role.values()) {
            List<Grant> reaching = ServiceAcls.grants(role, TOPICS).stream()
                    .filter(g -> g.type() == ResourceType.TRANSACTIONAL_ID)
                    .filter(g -> g.pattern() == PatternType.LITERAL ? g.name().equals(id) : id.startsWith(g.name()))
                    .toList();
            if (role == Role.TRAINER) {
                assertThat(reaching).singleElement().satisfies(g -> {
                    assertThat(g.pattern()).isEqualTo(PatternType.LITERAL);
                    assertThat(g.operations()).containsExactly(AclOperation.WRITE, AclOperation.DESCRIBE);
                });
            } else {
                assertThat(reaching).as("%s reaches the trainer's transactional id", role).isEmpty();
            }
        }
    }

    @Test
    void producersWriteOnlyCheckpointsAndRuns() {
        for (Role role : List.of(Role.PRODUCER, Role.INGEST)) {
            assertThat(ServiceAcls.grants(role, TOPICS))
                    .allSatisfy(g -> {
                        assertThat(g.type()).isEqualTo(ResourceType.TOPIC);
                        assertThat(g.pattern()).isEqualTo(PatternType.LITERAL);
                        assertThat(g.name()).isIn(TOPICS.checkpoints(), TOPICS.runs());
                    });
        }
    }

    @Test
    void noPrefixGrantReachesAnotherTopicOfTheContract() {
        // a Streams app's prefix (weightcast.scorer) must not also match a contract topic (weightcast.scores)
        for (Role role : Role.values()) {
            for (Grant g : ServiceAcls.grants(role, TOPICS)) {
                if (g.type() == ResourceType.TOPIC && g.pattern() == PatternType.PREFIXED && !g.name().equals(TOPICS.prefix())) {
                    assertThat(TOPICS.all()).as("%s's prefix grant %s", role, g.name()).noneMatch(t -> t.startsWith(g.name()));
                }
            }
        }
    }

    private static boolean writes(Role role, String topic) {
        return ServiceAcls.grants(role, TOPICS).stream().anyMatch(g -> g.type() == ResourceType.TOPIC
                && (g.pattern() == PatternType.LITERAL ? g.name().equals(topic) : topic.startsWith(g.name()))
                && (g.operations().contains(AclOperation.WRITE) || g.operations().contains(AclOperation.ALL)));
    }
}
