package io.weightcast.app.cli;

import io.weightcast.app.export.StudyExport;
import io.weightcast.core.config.Settings;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weightcast export}: a study's scores and alerts as CSV or JSON Lines, read from the scores and alerts
 * topics (so only the broker needs to be up; the scorer's HTTP view keeps a bounded window per run).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the scores and alerts of a study as CSV or JSON Lines, read from the scores and alerts topics "
                + "of the Kafka cluster in kafka.bootstrap.servers (only the broker needs to be up).")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, description = "The study whose scores and alerts to write.")
    String study;

    @Option(names = "--format", defaultValue = "csv", description = "csv or jsonl. Default: ${DEFAULT-VALUE}")
    StudyExport.Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of stdout.")
    Path out;

    @Option(names = "--timeout-seconds", defaultValue = "60",
            description = "Give up when the topics are not read to their end within this time. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
        Settings s = Settings.of(settings.merged(Map.of()));
        List<StudyExport.Row> rows;
        try {
            rows = StudyExport.read(s.bootstrap(), s.topics(), study, Duration.ofSeconds(timeoutSeconds));
        } catch (org.apache.kafka.common.errors.TimeoutException | IllegalStateException e) {
            System.err.println("weightcast export: cannot read the topics from " + s.bootstrap() + " within " + timeoutSeconds
                    + " s (is the broker up? --timeout-seconds waits longer): " + e.getMessage());
            return 1;
        }
        if (out == null) {
            StudyExport.write(rows, format, System.out);
        } else {
            try (OutputStream o = Files.newOutputStream(out)) {
                StudyExport.write(rows, format, o);
            }
            System.err.println("weightcast export: " + rows.size() + " records of study '" + study + "' to " + out);
        }
        return 0;
    }
}
