package io.weightcast.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.LayerShape;
import io.weightcast.core.ssl.NeuronPermutation;
import io.weightcast.core.ssl.WeightTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, deliverable 1: core's neuron permutation keeps the network's function. A REAL digits
 * CNN checkpoint (written by the PyTorch zoo code, clients/python weightcast.demo.zoo) is permuted with
 * {@link NeuronPermutation#apply}, written back with {@link WeightTokens#toSafeTensors}, and PyTorch
 * (weightcast.demo.check_permutation: both files loaded into ZooCNN, every digits image) must give the same
 * logits while the weights differ. A permutation that forgets the next layer's input channels must
 * fail the same check, so the check can fail.
 */
class NeuronPermutationFunctionTest {
    private static Path zoo;

    @BeforeAll
    static void generateZoo() throws Exception {
        zoo = TestZoos.digits24x6();
    }

    @Test
    void aPermutedReluAndTanhCnnGiveTheSameLogitsOnRealDigits() throws Exception {
        for (String activation : new String[] {"relu", "tanh"}) {
            Path original = lastCheckpointOf(activation);
            SafeTensors file = SafeTensors.read(Files.readAllBytes(original));
            WeightTokens tokens = WeightTokens.of(file);
            WeightTokens permuted = NeuronPermutation.apply(tokens, new Random(20261122));
            Path out = Files.createTempFile("permuted-" + activation, ".safetensors");
            Files.write(out, permuted.toSafeTensors(file.metadata()));

            Check check = check(original, out);
            JsonNode r = check.result();
            assertThat(check.exitCode()).as(r.toString()).isZero();
            assertThat(r.path("inputs").asInt()).as("every digits image").isEqualTo(1797);
            assertThat(r.path("same_function").asBoolean()).as(r.toString()).isTrue();
            assertThat(r.path("max_abs_logit_diff").asDouble()).as(activation + " logits").isLessThan(1e-5);
            assertThat(r.path("weights_differ").asBoolean()).isTrue();
            assertThat(r.path("changed_weights").asInt()).as("most of 4,970 weights moved").isGreaterThan(2000);
        }
    }

    @Test
    void permutingUnitsWithoutTheNextLayersInputsIsCaught() throws Exception {
        // a tanh run: a dead ReLU unit contributes nothing, so moving it alone would change no logit
        Path original = lastCheckpointOf("tanh");
        SafeTensors file = SafeTensors.read(Files.readAllBytes(original));
        WeightTokens broken = WeightTokens.of(file).copy();
        // rotate conv2's units (incoming weights and bias move together) but leave conv3's inputs alone
        LayerShape conv2 = broken.signature().layers().get(1);
        float[] rows = broken.layers()[1];
        float[] source = rows.clone();
        for (int u = 0; u < conv2.units(); u++) {
            System.arraycopy(source, ((u + 1) % conv2.units()) * conv2.width(), rows, u * conv2.width(), conv2.width());
        }
        Path out = Files.createTempFile("broken", ".safetensors");
        Files.write(out, broken.toSafeTensors(file.metadata()));

        Check check = check(original, out);
        assertThat(check.exitCode()).as(check.result().toString()).isEqualTo(1);
        assertThat(check.result().path("same_function").asBoolean()).isFalse();
        assertThat(check.result().path("max_abs_logit_diff").asDouble()).isGreaterThan(1e-5);
    }

    private record Check(int exitCode, JsonNode result) {
    }

    private static Check check(Path original, Path permuted) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(TestZoos.PYTHON, "-m", "weightcast.demo.check_permutation", original.toString(),
                permuted.toString());
        pb.environment().put("PYTHONPATH", TestZoos.ROOT.resolve("clients/python").toString());
        Path err = Files.createTempFile("check-permutation", ".log");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] stdout = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String text = new String(stdout, StandardCharsets.UTF_8).trim();
        assertThat(text).as("stderr: " + Files.readString(err)).isNotEmpty();
        return new Check(p.exitValue(), Json.MAPPER.readTree(text));
    }

    /** The last checkpoint of the zoo's first run with that activation. */
    private static Path lastCheckpointOf(String activation) throws IOException {
        int epochs = ZooManifest.read(zoo).epochs();
        for (Path dir : ZooLoader.runDirectories(zoo)) {
            if (activation.equals(RunEvents.read(dir.resolve("events.jsonl"), epochs).activation())) {
                return ZooLoader.checkpoint(dir, epochs);
            }
        }
        throw new AssertionError("the test zoo has no " + activation + " run");
    }
}
