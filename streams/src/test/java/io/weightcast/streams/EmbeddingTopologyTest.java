package io.weightcast.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.kafka.JsonSerde;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.EncoderTuning;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.RandomErasing;
import io.weightcast.core.ssl.WeightTokens;
import io.weightcast.testkit.CheckpointBuilder;
import io.weightcast.testkit.TopologyTestDrivers;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddingTopologyTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final EncoderConfig TINY = new EncoderConfig(16, 2, 1, 6, 6, 0.5, 0.1, 3e-3, 8, 0.0, RandomErasing.DEFAULT, 3, EncoderTuning.ORIGINAL);
    private static HyperRepresentation encoder;
    private static EncoderVersion version;

    @BeforeAll
    static void trainTinyEncoder() {
        List<WeightTokens> zoo = new ArrayList<>();
        for (int step = 1; step <= 16; step++) {
            zoo.add(WeightTokens.of(SafeTensors.read(checkpoint("zoo", step, 16))));
        }
        encoder = HyperRepresentation.create(zoo, TINY);
        encoder.train(zoo, 1, e -> {});
        version = encoded(7, encoder.toBytes());
    }

    private static byte[] checkpoint(String run, int step, int rows) {
        return CheckpointBuilder.mlp(run, step, rows).bytes();
    }

    private static EncoderVersion encoded(int v, byte[] bytes) {
        return new EncoderVersion(EncoderVersion.KEY, v, encoder.architecture(), 6, 1, 16, 1, 0, 0, 0,
                Base64.getEncoder().encodeToString(bytes), 0L);
    }

    private record Pipe(TopologyTestDriver driver, TestInputTopic<String, byte[]> in, TestOutputTopic<String, FeatureVector> out,
                        StreamsMetrics metrics) implements AutoCloseable {
        @Override
        public void close() {
            driver.close();
        }
    }

    private static Pipe pipe(AtomicReference<EncoderVersion> current) {
        StreamsMetrics metrics = new StreamsMetrics();
        TopologyTestDriver driver = TopologyTestDrivers.create(FeatureTopology.build(
                FeatureTopology.Options.of(TOPICS, metrics).withEmbeddings(new EmbeddingStage(current::get))), ProductionProperties.features());
        return new Pipe(driver,
                driver.createInputTopic(TOPICS.checkpoints(), Serdes.String().serializer(), Serdes.ByteArray().serializer()),
                driver.createOutputTopic(TOPICS.features(), Serdes.String().deserializer(), JsonSerde.of(FeatureVector.class).deserializer()),
                metrics);
    }

    private static double count(StreamsMetrics m, String outcome) {
        return m.embeddings.labelValues(outcome).get();
    }

    @Test
    void checkpointsOfTheEncodersArchitectureCarryItsEmbeddingOthersPassWithout() {
        AtomicReference<EncoderVersion> current = new AtomicReference<>();
        try (Pipe pipe = pipe(current)) {
            pipe.in().pipeInput("r", checkpoint("r", 1, 16));
            current.set(version);
            byte[] same = checkpoint("r", 2, 16);
            pipe.in().pipeInput("r", same);
            pipe.in().pipeInput("s", checkpoint("s", 1, 8));
            List<FeatureVector> out = pipe.out().readValuesToList();
            assertThat(out).hasSize(3);
            assertThat(out.get(0).embedding()).as("before any encoder").isNull();
            assertThat(out.get(1).embedding()).isNotNull();
            assertThat(out.get(1).embedding().encoderVersion()).isEqualTo(7);
            assertThat(out.get(1).embedding().values())
                    .containsExactly(encoder.embed(WeightTokens.of(SafeTensors.read(same))), org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(out.get(2).embedding()).as("8 hidden units: another architecture").isNull();
            assertThat(count(pipe.metrics(), "no_encoder")).isEqualTo(1);
            assertThat(count(pipe.metrics(), "embedded")).isEqualTo(1);
            assertThat(count(pipe.metrics(), "other_architecture")).isEqualTo(1);
        }
    }

    @Test
    void anEncoderThatDoesNotLoadCostsTheEmbeddingNotTheFeatures() {
        AtomicReference<EncoderVersion> current = new AtomicReference<>(encoded(8, new byte[] {1, 2, 3, 4}));
        try (Pipe pipe = pipe(current)) {
            pipe.in().pipeInput("r", checkpoint("r", 1, 16));
            pipe.in().pipeInput("r", checkpoint("r", 2, 16));
            current.set(version);
            pipe.in().pipeInput("r", checkpoint("r", 3, 16));
            List<FeatureVector> out = pipe.out().readValuesToList();
            assertThat(out).extracting(FeatureVector::step).containsExactly(1L, 2L, 3L);
            assertThat(out.get(0).embedding()).isNull();
            assertThat(out.get(1).embedding()).isNull();
            assertThat(out.get(2).embedding()).isNotNull();
            assertThat(count(pipe.metrics(), "failed")).isEqualTo(2);
        }
    }
}
