package io.weightcast.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.app.WeightcastCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code weightcast ssl-eval} is registered and refuses bad input with exit code 2 and a reason. The
 * pipeline itself is tested in the eval module (SslEvalPipelineTest, on a zoo the generator trains).
 */
class SslEvalCommandTest {
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
        int code = run(err, "ssl-eval", "--zoo", dir.resolve("absent").toString(), "--out-dir", dir.resolve("out").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("weightcast ssl-eval:").contains("manifest");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void badOptionsAreRefusedBeforeAnyWork() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "ssl-eval", "--test-fraction", "0.6", "--validation-fraction", "0.5", "--zoo", dir.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--test-fraction");
        StringWriter err2 = new StringWriter();
        assertThat(run(err2, "ssl-eval", "--d-model", "30", "--heads", "4", "--zoo", dir.toString())).isEqualTo(2);
        assertThat(err2.toString()).contains("d_model");
    }
}
