package io.weightcast.app.resilience;

import io.weightcast.core.kafka.KafkaConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Who owns which partitions of a consumer group, as the broker's group coordinator says
 * ({@code Admin.describeConsumerGroups}): the members' assignments, grouped by the instance they belong to.
 * An instance is named by its static group instance id, which Kafka Streams extends per stream thread
 * ({@code streams-1} → {@code streams-1-1}); members without one are listed by client id.
 */
final class GroupAssignments {
    private GroupAssignments() {
    }

    /**
     * @param instances the instance names to group the members by (a member belongs to the one its instance id starts with)
     * @return instance → its partitions as {@code topic-partition}, sorted; a member matching no instance under its own id
     */
    static Map<String, List<String>> of(String bootstrap, String group, List<String> instances) throws Exception {
        try (Admin admin = Admin.create(KafkaConfigs.admin(bootstrap))) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
            Map<String, List<String>> out = new TreeMap<>();
            for (MemberDescription m : d.members()) {
                String id = m.groupInstanceId().orElse(m.clientId());
                String owner = instances.stream().filter(i -> id.equals(i) || id.startsWith(i + "-")).findFirst().orElse(id);
                List<String> parts = out.computeIfAbsent(owner, k -> new ArrayList<>());
                for (TopicPartition tp : m.assignment().topicPartitions()) {
                    parts.add(tp.topic() + "-" + tp.partition());
                }
            }
            out.values().forEach(l -> l.sort(GroupAssignments::byTopicThenPartition));
            return out;
        }
    }

    /** The partition numbers of {@code topic} among {@code partitions} ({@code topic-partition} strings). */
    static List<Integer> partitionsOf(String topic, List<String> partitions) {
        List<Integer> out = new ArrayList<>();
        for (String p : partitions) {
            if (p.startsWith(topic + "-") && p.substring(topic.length() + 1).matches("\\d+")) {
                out.add(Integer.parseInt(p.substring(topic.length() + 1)));
            }
        }
        out.sort(null);
        return out;
    }

    private static int byTopicThenPartition(String a, String b) {
        int ia = a.lastIndexOf('-');
        int ib = b.lastIndexOf('-');
        int c = a.substring(0, ia).compareTo(b.substring(0, ib));
        return c != 0 ? c : Integer.compare(Integer.parseInt(a.substring(ia + 1)), Integer.parseInt(b.substring(ib + 1)));
    }
}
