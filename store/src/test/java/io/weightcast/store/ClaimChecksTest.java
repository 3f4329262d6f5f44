package io.weightcast.store;

import static io.weightcast.store.FileStoreTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.config.Settings;
import io.weightcast.core.records.CheckpointReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClaimChecksTest {
    @TempDir
    Path dir;

    @Test
    void aProducerClaimsAboveTheThresholdAndAReaderOpensOnlyInsideItsRoots() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        byte[] file = StoreFixtures.checkpoint(1);
        try (ClaimChecks producer = ClaimChecks.from(Settings.of(Map.of("store.uri", shared.toUri().toString(),
                "store.threshold.bytes", Integer.toString(file.length - 1))))) {
            assertThat(producer.claims(file.length)).isTrue();
            assertThat(producer.claims(file.length - 1)).isFalse();
            CheckpointReference ref = producer.store("sweep/run 1", 3, file);
            assertThat(ref.uri().getPath()).endsWith("/shared/runs/sweep_run_1/3-" + ref.sha256() + ".safetensors");
            try (StoredCheckpoint stored = producer.open(ref)) { // the read roots default to the target
                assertThat(stored.checkpoint().size()).isEqualTo(2);
            }
            try (ClaimChecks reader = ClaimChecks.from(Settings.of(Map.of("store.read.roots", elsewhere.toUri() + ", s3://b/p",
                    "store.s3.endpoint", "http://127.0.0.1:9")))) {
                assertThat(reader.claims(Long.MAX_VALUE)).isFalse(); // no target: a reader only
                problem(() -> reader.open(ref), ClaimCheckException.Problem.REFUSED, "outside every read root");
            }
        }
        try (ClaimChecks none = ClaimChecks.from(Settings.of(Map.of()))) {
            assertThat(none.claims(Long.MAX_VALUE)).isFalse();
        }
    }
}
