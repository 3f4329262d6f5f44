package io.weightcast.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.app.WeightcastCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weightcast eval} is registered and refuses bad input with exit code 2 and a reason. The
 * benchmark itself is tested in the eval module (PredictPipelineTest, on a zoo the generator trains).
 */
class EvalCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cli = WeightcastCommand.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void aMissingZooIsBadInput() {
        StringWriter err = new StringWriter();
        int code = run(err, "eval", "--zoo", dir.resolve("absent").toString(), "--out-dir", dir.resolve("out").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("weightcast eval:").contains("manifest");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void aPartialZooNeedsAllowPartial() throws Exception {
        Files.writeString(dir.resolve("manifest.json"),
                "{\"format\": 1, \"source\": \"digits\", \"runs\": 1000, \"epochs\": 18, \"complete\": false}");
        StringWriter err = new StringWriter();
        int code = run(err, "eval", "--zoo", dir.toString(), "--out-dir", dir.resolve("out").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("not complete").contains("--allow-partial");
    }

    @Test
    void badOptionsAreRefusedBeforeAnyWork() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "eval", "--test-fraction", "1.5", "--zoo", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--test-fraction");
    }
}
