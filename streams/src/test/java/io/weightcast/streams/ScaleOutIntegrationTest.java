package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.Json;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two streams instances share one group's 8 partitions; one is SIGKILLed (its own JVM: no close, no commit, an open
 * transaction left behind) while its partitions have work, and the survivor takes them over: every checkpoint,
 * before and after the kill, has exactly one feature as a read_committed consumer sees the topic.
 */
class ScaleOutIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int PARTITIONS = 8;
    private static final int RUNS = 16;
    private static final int STEPS = 30;

    @Test
    @Timeout(240)
    void twoInstancesShareThePartitionsAndTheSurvivorProcessesTheKilledOnesExactlyOnce() throws Exception {
        Path dir = KAFKA.dataDir();
        Map<String, String> common = new LinkedHashMap<>();
        common.put(Settings.BOOTSTRAP, KAFKA.bootstrapServers());
        common.put("topics.partitions", Integer.toString(PARTITIONS));
        common.put("streams.port", "0");
        common.put("streams.spectra.enabled", "false");
        common.put("streams.embeddings.enabled", "false");
        // the broker's minimum: the group notices the dead static member after 6 s, not the default 45 s
        common.put("streams.kafka.session.timeout.ms", "6000");
        Process b = startInstance(common, dir, "b");
        try (FeatureService a = new FeatureService(Settings.of(instance(common, dir, "a")))) {
            a.start();
            Topics topics = Settings.of(common).topics();
            String group = a.applicationId();
            Await.until(() -> "both instances own checkpoints partitions: " + owners(group, topics), Duration.ofSeconds(120), () -> {
                Map<String, Set<Integer>> owners = owners(group, topics);
                return owners.keySet().equals(Set.of("a", "b")) && owners.values().stream().noneMatch(Set::isEmpty)
                        && union(owners).size() == PARTITIONS;
            });
            Map<String, Set<Integer>> before = owners(group, topics);
            assertThat(before.get("a")).doesNotContainAnyElementsOf(before.get("b"));
            Set<Integer> ofB = before.get("b");

            Map<String, Integer> partitionOf = new HashMap<>();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaConfigs.producer(KAFKA.bootstrapServers(), "scale-out"),
                    new StringSerializer(), new ByteArraySerializer())) {
                send(p, topics, 1, STEPS / 2, partitionOf);
                assertThat(partitionOf.values()).as("the runs spread over b's partitions too").containsAnyElementsOf(ofB);
                Await.until("b computed features for its partitions", Duration.ofSeconds(120),
                        () -> features(topics).stream().anyMatch(f -> ofB.contains(partitionOf.get(f.runId()))));
                b.destroyForcibly();
                assertThat(b.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(b.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
                long killedAt = System.currentTimeMillis();
                send(p, topics, STEPS / 2 + 1, STEPS, partitionOf);

                int expected = RUNS * STEPS;
                Await.until(() -> "every checkpoint's feature (" + features(topics).size() + " of " + expected + ")", Duration.ofSeconds(150),
                        () -> features(topics).size() >= expected);
                Thread.sleep(3000); // a duplicate committed late would show up now
                List<FeatureVector> all = features(topics);
                Map<String, Long> perKey = all.stream().collect(Collectors.groupingBy(f -> f.runId() + "/" + f.step(), TreeMap::new,
                        Collectors.counting()));
                assertThat(perKey).as("one key per checkpoint sent").hasSize(expected);
                assertThat(perKey.values()).as("no duplicate: " + perKey).allMatch(n -> n == 1);
                assertThat(all).hasSize(expected);
                assertThat(all).as("the survivor computed features for b's partitions after the kill")
                        .anyMatch(f -> ofB.contains(partitionOf.get(f.runId())) && f.computedAt() > killedAt);
                Await.until(() -> "a alone owns every partition: " + owners(group, topics), Duration.ofSeconds(60),
                        () -> owners(group, topics).equals(Map.of("a", union(before))));
            }
        } finally {
            b.destroyForcibly();
        }
    }

    private static Map<String, String> instance(Map<String, String> common, Path dir, String name) {
        Map<String, String> s = new LinkedHashMap<>(common);
        s.put("streams.state.dir", dir.resolve("state-" + name).toString());
        s.put("streams.instance.id", name);
        return s;
    }

    /** Instance {@code name} in its own JVM, on this test's class path; its output goes to {@code <dir>/<name>.out}. */
    private static Process startInstance(Map<String, String> common, Path dir, String name) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
                FeatureServiceMain.class.getName()));
        instance(common, dir, name).forEach((k, v) -> cmd.add(k + "=" + v));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile()).start();
    }

    /** Steps {@code from..to} of every run; notes the partition each run's checkpoints go to. */
    private static void send(KafkaProducer<String, byte[]> p, Topics topics, int from, int to, Map<String, Integer> partitionOf)
            throws Exception {
        for (int step = from; step <= to; step++) {
            for (int r = 0; r < RUNS; r++) {
                String run = "scale-" + r;
                var sent = p.send(new ProducerRecord<>(topics.checkpoints(), run, CheckpointBuilder.mlp(run, step, 8).bytes()));
                if (step == from) {
                    partitionOf.put(run, sent.get().partition());
                }
            }
        }
        p.flush();
    }

    private static List<FeatureVector> features(Topics topics) {
        List<FeatureVector> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : KAFKA.reader().toEnd(topics.features())) {
            out.add(Json.read(r.value(), FeatureVector.class));
        }
        return out;
    }

    /** Instance (its static id up to the thread suffix Kafka Streams appends) → its partitions of the checkpoints topic. */
    private static Map<String, Set<Integer>> owners(String group, Topics topics) {
        try (Admin admin = Admin.create(KafkaConfigs.admin(KAFKA.bootstrapServers()))) {
            Map<String, Set<Integer>> out = new TreeMap<>();
            for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).members()) {
                String id = m.groupInstanceId().orElse(m.clientId()).replaceFirst("-\\d+$", "");
                Set<Integer> mine = out.computeIfAbsent(id, k -> new TreeSet<>());
                m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topics.checkpoints()))
                        .forEach(tp -> mine.add(tp.partition()));
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe group " + group, e);
        }
    }

    private static Set<Integer> union(Map<String, Set<Integer>> owners) {
        Set<Integer> all = new TreeSet<>();
        owners.values().forEach(all::addAll);
        return all;
    }
}
