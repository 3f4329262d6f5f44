package io.weightcast.app.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.app.demo.PipelineMonitor;
import io.weightcast.core.records.Score;
import io.weightcast.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A PyTorch user's loop: the example script (clients/python/examples/train_digits.py), run twice
 * with Debian's /usr/bin/python3 against a local Weightcast started by the test, gets its runs scored,
 * and the dead units the client measured on its own reach the feature records.
 */
class PythonClientExampleTest {
    private static final Pattern RUN_LINE = Pattern.compile("run (\\S+): test accuracy");

    @Test
    void twoTinyPyTorchRunsAreScored() throws Exception {
        Path root = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
        Path dataDir = Files.createTempDirectory("weightcast-pyclient");
        try (LocalStack stack = LocalStack.start(dataDir, 0, 0, Map.of())) {
            assertThat(stack.awaitReady(90_000)).isTrue();
            List<String> runIds = new ArrayList<>();
            for (String lr : List.of("0.01", "0.003")) {
                runIds.add(runExample(root, stack.bootstrapServers(), lr, dataDir));
            }
            try (PipelineMonitor monitor = new PipelineMonitor(stack.bootstrapServers(), stack.settings().topics(), runIds::contains)) {
                Await.until("the monitor's 4 scores", Duration.ofSeconds(60), () -> monitor.scores() >= 4);
                assertThat(monitor.scores()).isEqualTo(4);
                assertThat(monitor.runsFinished()).isEqualTo(2);
                assertThat(monitor.runs()).allSatisfy(run -> {
                    Score last = run.lastScore;
                    assertThat(last.step()).isEqualTo(2);
                    assertThat(last.plannedSteps()).isEqualTo(2);
                    assertThat(last.study()).isEqualTo("digits-example");
                    assertThat(last.note()).contains("no model yet"); // two runs are too few for the trainer's first fit
                    assertThat(run.finalAccuracy).isBetween(0.0, 1.0);
                    // the client measured dead ReLU units itself (run.watch through start_run(model=...)): the labels
                    // of the dying-ReLU classifier reach the features
                    assertThat(run.measuredDeadFractions).containsOnlyKeys("conv1", "conv2", "conv3")
                            .allSatisfy((layer, f) -> assertThat(f).isBetween(0.0, 1.0));
                });
            }
        }
    }

    private static String runExample(Path root, String bootstrap, String lr, Path dataDir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ZooProcess.python(), "clients/python/examples/train_digits.py",
                "--bootstrap", bootstrap, "--epochs", "2", "--lr", lr)
                .directory(root.toFile())
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("example script output:%n%s", out).isZero();
        Matcher m = RUN_LINE.matcher(out);
        assertThat(m.find()).as("run id in the output:%n%s", out).isTrue();
        return m.group(1);
    }
}
