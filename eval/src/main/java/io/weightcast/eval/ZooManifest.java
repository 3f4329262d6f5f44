package io.weightcast.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A zoo directory's {@code manifest.json} (eval/README.md, format 1).
 *
 * @param runs     the runs the zoo is meant to hold (not how many exist yet)
 * @param complete true once every run directory exists
 */
public record ZooManifest(int format, String source, int runs, int epochs, long seed, int width, boolean complete,
                          double generationSeconds, double cpuSeconds, String command) {

    public static ZooManifest read(Path zoo) {
        Path file = zoo.resolve("manifest.json");
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the zoo manifest " + file + ": " + e.getMessage(), e);
        }
        if (m == null || m.path("format").asInt(-1) != 1) {
            throw new IllegalArgumentException(file + " is not a format-1 zoo manifest");
        }
        int epochs = m.path("epochs").asInt(0);
        if (epochs < 1) {
            throw new IllegalArgumentException(file + ": epochs must be positive, was " + m.path("epochs"));
        }
        return new ZooManifest(1, m.path("source").asText("unknown"), m.path("runs").asInt(0), epochs,
                m.path("seed").asLong(0), m.path("width").asInt(0), m.path("complete").asBoolean(false),
                m.path("generation_seconds").asDouble(Double.NaN), m.path("cpu_seconds").asDouble(Double.NaN),
                m.path("command").asText(""));
    }
}
