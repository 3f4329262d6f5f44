package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.DeadLetterProcessingHandler;
import io.weightcast.core.kafka.StreamsApp;
import io.weightcast.core.kafka.StreamsAppConfig;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.DeadLetter;
import io.weightcast.testkit.Await;
import io.weightcast.testkit.EmbeddedKafkaExtension;
import io.weightcast.testkit.TopicReader;
import io.weightcast.testkit.TopicWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: an exception no processor handles must not stop a Streams app. Every Weightcast app runs with
 * {@link StreamsAppConfig}'s properties, whose {@link DeadLetterProcessingHandler} turns it into a dead letter; on a
 * real broker, a record that throws is dead-lettered with its reason and raw value, and the records after it are
 * processed. Before the handler, Kafka Streams' default (log and fail) stopped the stream thread on the first.
 */
class UnhandledExceptionIntegrationTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Forwards every value but "poison", on which it throws: a processor with a bug the handler must contain. */
    private static final class Brittle implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, String> record) {
            if (record.value().equals("poison")) {
                throw new IllegalStateException("no processor expected this");
            }
            context.forward(record);
        }
    }

    @Test
    void aRecordNoProcessorHandlesIsDeadLetteredAndTheNextOnesAreProcessed(@TempDir Path state) {
        Topics topics = new Topics("unhandled.");
        TopicSetup.ensure(KAFKA.bootstrapServers(), topics, 1, (short) 1);
        Settings settings = Settings.of(Map.of(Settings.BOOTSTRAP, KAFKA.bootstrapServers(), Settings.TOPIC_PREFIX, "unhandled.",
                "streams.state.dir", state.toString()));
        List<String> reasons = new CopyOnWriteArrayList<>();
        Consumer<String> listener = reasons::add;
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), topics.runs());
        topology.addProcessor("brittle", Brittle::new, "in");
        topology.addSink("out", topics.scores(), Serdes.String().serializer(), Serdes.String().serializer(), "brittle");

        try (TopicWriter writer = new TopicWriter(KAFKA.bootstrapServers(), "unhandled-test");
             StreamsApp app = StreamsApp.start("unhandled", topology, StreamsAppConfig.of("streams", "unhandled-app", 1)
                     .with(DeadLetterProcessingHandler.LISTENER_CONFIG, listener).properties(settings))) {
            for (String v : List.of("ok-1", "poison", "ok-2")) {
                writer.send(topics.runs(), "run-a", v.getBytes(StandardCharsets.UTF_8));
            }
            TopicReader reader = new TopicReader(KAFKA.bootstrapServers());
            Await.until("both good records through", WAIT, () -> reader.toEnd(topics.scores()).size() >= 2);
            assertThat(reader.toEnd(topics.scores())).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("ok-1", "ok-2");
            List<DeadLetter> letters = reader.until(topics.deadLetters(), DeadLetter.class, l -> !l.isEmpty(), WAIT);
            assertThat(letters).hasSize(1);
            DeadLetter letter = letters.get(0);
            assertThat(letter.reason()).contains("brittle").contains("IllegalStateException").contains("no processor expected this");
            assertThat(letter.sourceTopic()).isEqualTo(topics.runs());
            assertThat(letter.offset()).isEqualTo(1);
            assertThat(letter.key()).isEqualTo("run-a");
            assertThat(letter.service()).isEqualTo("streams");
            assertThat(new String(Base64.getDecoder().decode(letter.valueBase64()), StandardCharsets.UTF_8)).isEqualTo("poison");
            assertThat(reasons).hasSize(1);
            assertThat(app.running()).isTrue();
        }
    }
}
