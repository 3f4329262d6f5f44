package io.weightcast.eval.earlystop;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptunaReplayTest {

    @Test
    void aProjectRootWithoutThePythonReplayFailsAtOnceWithTheFix(@TempDir Path dir) {
        Path work = dir.resolve("work");
        assertThatThrownBy(() -> OptunaReplay.start("/usr/bin/python3", dir, new double[][] {{0.5, 0.6}}, List.of(new int[] {0}), 1, work))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("clients/python/weightcast/demo/pruners.py").hasMessageContaining("-Dweightcast.home");
        org.assertj.core.api.Assertions.assertThat(Files.exists(work)).as("nothing started").isFalse();
    }
}
