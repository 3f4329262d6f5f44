package io.weightcast.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.weightcast.core.records.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** predict.md's verdict table from a results tree (the committed predict.json): a transfer zoo that was absent is "not measured", not a miss. */
class PredictReportTest {
    private static final Path RESULTS = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize()
            .resolve("eval/results/predict.json");

    @Test
    void withoutATransferZooTheTransferRowSaysNotMeasuredAndJudgesNothing() throws Exception {
        Map<String, Object> tree = Json.MAPPER.readValue(Files.readAllBytes(RESULTS), new TypeReference<LinkedHashMap<String, Object>>() { });
        tree.put("transfer", Map.of("runs", 0));
        String md = PredictReport.markdown(tree, Map.of(), 18);
        assertThat(md).contains("| transfer digits → Fashion-MNIST: τ (runs) | not measured: no transfer zoo | ≥ 0.7 |  |");

        tree.put("transfer", Map.of("runs", 100, "kendall_tau", 0.5, "source", "fashion-mnist"));
        assertThat(PredictReport.markdown(tree, Map.of(), 18)).contains("| transfer digits → fashion-mnist: τ (runs) | 0.500 (100) | ≥ 0.7 | **no** |");
    }
}
