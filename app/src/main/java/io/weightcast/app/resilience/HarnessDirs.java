package io.weightcast.app.resilience;

import io.weightcast.app.stack.ScratchDirs;
import io.weightcast.core.records.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/**
 * Where a harness command ({@code chaos}, {@code overload}, {@code safety}) keeps its processes' data and writes its
 * report: a temp data dir unless {@code --data-dir} is given, kept for the post-mortem when the run failed; the JSON
 * report in {@code --out-dir}, named after the harness and the time.
 */
final class HarnessDirs {
    @Option(names = "--data-dir", description = "Data dir of the broker and the services (default: a temp dir, deleted afterwards).")
    Path dataDir;

    @Option(names = "--out-dir", defaultValue = "bench/results", description = "Where the JSON goes. Default: ${DEFAULT-VALUE}")
    Path outDir;

    /** The data dir to run in: {@code --data-dir}, or a new temp dir named after {@code harness}. */
    Path data(String harness) throws IOException {
        return dataDir != null ? dataDir.toAbsolutePath() : Files.createTempDirectory("weightcast-" + harness);
    }

    /** Deletes a temp data dir after a run that passed; says where it is when it stays. */
    void cleanUp(Path data, boolean passed, String harness) {
        if (dataDir == null && passed) {
            ScratchDirs.delete(data);
        } else if (!passed) {
            System.err.println(harness + ": data dir and the processes' logs kept in " + data);
        }
    }

    /** Writes {@code report} as pretty JSON to {@code <out-dir>/<name>-<yyyyMMdd-HHmmss>.json}. */
    Path write(String name, Object report) throws IOException {
        Files.createDirectories(outDir);
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path file = outDir.resolve(name + "-" + stamp + ".json");
        Files.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
        return file;
    }
}
