package io.weightcast.core.spectral;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weightcast.core.safetensors.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** WeightWatcher's reference outputs in {@code ../shared/data/ww} (see its README). */
final class WwCases {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private WwCases() {
    }

    /** The data directory; fails (never skips) when the shared data is not there. */
    static Path dir() {
        String root = System.getProperty("weightcast.projectRoot");
        if (root == null) {
            throw new AssertionError("system property weightcast.projectRoot is not set (surefire sets it to the project root)");
        }
        Path dir = Path.of(root).resolve("../shared/data/ww").normalize();
        if (!Files.isDirectory(dir.resolve("expected")) || !Files.isDirectory(dir.resolve("cases"))) {
            throw new AssertionError("WeightWatcher reference data missing: expected " + dir + "/expected and /cases");
        }
        return dir;
    }

    /** Case name → its expected JSON (details, layer_info, ...). */
    static Map<String, JsonNode> expected() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir().resolve("expected"))) {
            for (Path p : files.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".json") && !f.endsWith(".evals.json")) {
                    out.put(f.substring(0, f.length() - ".json".length()), read(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.size() < 7) {
            throw new AssertionError("expected 7 WeightWatcher cases, found " + out.keySet());
        }
        return out;
    }

    /** Layer longname → ascending eigenvalues WeightWatcher's fit used. */
    static Map<String, double[]> evals(String caseName) {
        JsonNode root = read(dir().resolve("expected").resolve(caseName + ".evals.json"));
        return evalsOf(root.get("layers"));
    }

    static Map<String, double[]> evalsOf(JsonNode layers) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (JsonNode layer : layers) {
            JsonNode ev = layer.get("evals");
            double[] values = new double[ev.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = ev.get(i).doubleValue();
            }
            out.put(layer.get("longname").asText(), values);
        }
        return out;
    }

    /** The weights of a case, or null for cases without a weights file (resnet50_random). */
    static SafeTensors weights(JsonNode expected) {
        JsonNode input = expected.get("input_file");
        if (input == null || input.isNull()) {
            return null;
        }
        try {
            return SafeTensors.read(Files.readAllBytes(dir().resolve(input.asText())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> details(JsonNode expected, String key) {
        List<JsonNode> out = new ArrayList<>();
        expected.get(key).forEach(out::add);
        return out;
    }

    static JsonNode read(Path p) {
        try {
            return MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
