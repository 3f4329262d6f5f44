package io.weightcast.app.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.eval.RunEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain producer's records carry the README contract and nothing of the client's or the zoo's extras. */
class ContractRecordsTest {

    @Test
    void plainRecordsFollowTheContractOnly(@TempDir Path dir) throws Exception {
        byte[] zooCheckpoint = new SafeTensorsWriter()
                .metadata(Map.of("run_id", "digits-7-0", "step", "1", "planned_steps", "2", "framework", "pytorch",
                        "activation", "relu", "study", "digits", "metrics", "{\"val_acc\":0.5}", "hparams", "{\"learning_rate\":0.01}",
                        "layers", "conv1"))
                .tensor("conv1.weight", new long[] {2, 2}, new float[] {1, -2, 3, Float.NaN})
                .tensor("conv1.bias", new long[] {2}, new float[] {0.5f, -0.5f})
                .toBytes();
        Files.write(dir.resolve("step-001.safetensors"), zooCheckpoint);
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n",
                "{\"type\":\"started\",\"run_id\":\"digits-7-0\",\"study\":\"digits\",\"hparams\":{\"learning_rate\":0.01,\"activation\":\"relu\"},\"planned_steps\":2}",
                "{\"type\":\"metrics\",\"run_id\":\"digits-7-0\",\"step\":1,\"metrics\":{\"val_acc\":0.5,\"val_loss\":1.2,\"train_acc\":0.4,"
                        + "\"dead_fraction/conv1\":0.25,\"eval/test_acc\":0.55}}",
                "{\"type\":\"finished\",\"run_id\":\"digits-7-0\",\"final\":{\"test_accuracy\":0.8,\"train_accuracy\":0.9}}"));
        ZooRun run = new ZooRun("live1-plain-x-digits-7-0", "live1-plain-x", dir, RunEvents.read(dir.resolve("events.jsonl"), 2), 2);

        SafeTensors sent = SafeTensors.read(ContractRecords.checkpoint(run, 1));
        assertThat(sent.metadata()).containsOnlyKeys("run_id", "step", "planned_steps", "activation", "framework");
        assertThat(sent.metadata()).containsEntry("run_id", "live1-plain-x-digits-7-0").containsEntry("step", "1")
                .containsEntry("planned_steps", "2").containsEntry("activation", "relu");
        SafeTensors original = SafeTensors.read(zooCheckpoint);
        assertThat(sent.rawBytes(sent.tensor("conv1.weight"))).isEqualTo(original.rawBytes(original.tensor("conv1.weight")));
        assertThat(run.hasNonFiniteWeights()).isTrue();

        JsonNode started = Json.MAPPER.readTree(ContractRecords.started(run));
        assertThat(started.path("type").asText()).isEqualTo("started");
        assertThat(started.path("study").asText()).isEqualTo("live1-plain-x");
        assertThat(started.path("hparams").path("learning_rate").asDouble()).isEqualTo(0.01);
        assertThat(started.path("planned_steps").asInt()).isEqualTo(2);

        JsonNode metrics = Json.MAPPER.readTree(ContractRecords.metrics(run, 1));
        assertThat(metrics.path("step").asInt()).isEqualTo(1);
        assertThat(metrics.path("metrics").has("eval/test_acc")).as("test-split numbers are never sent").isFalse();
        assertThat(metrics.path("metrics").path("dead_fraction/conv1").asDouble()).isEqualTo(0.25);
        assertThat(metrics.path("metrics").path("val_acc").asDouble()).isEqualTo(0.5);

        JsonNode finished = Json.MAPPER.readTree(ContractRecords.finished(run));
        assertThat(finished.path("final").path("test_accuracy").asDouble()).isEqualTo(0.8);
    }
}
