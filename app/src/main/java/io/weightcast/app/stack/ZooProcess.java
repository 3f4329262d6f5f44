package io.weightcast.app.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo zoo: real PyTorch training loops in separate {@code /usr/bin/python3} processes (the
 * {@code weightcast.demo.zoo} module of clients/python), publishing through the Python client exactly as
 * a user's loop does. Its JSON progress lines are handed to a listener.
 */
public final class ZooProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ZooProcess.class);

    /** How to size and identify a zoo. */
    public record Spec(int runs, int epochs, int parallel, long seed, String study, String runPrefix, String topicPrefix,
                       boolean nanRun) {
    }

    private final Process process;
    private final Thread reader;

    private ZooProcess(Process process, Thread reader) {
        this.process = process;
        this.reader = reader;
    }

    public static Path pythonClientDir() {
        return Path.of(System.getProperty("weightcast.home", ".")).toAbsolutePath().normalize().resolve("clients/python");
    }

    public static String python() {
        String p = System.getenv("WEIGHTCAST_PYTHON");
        return p != null && !p.isBlank() ? p : "/usr/bin/python3";
    }

    public static ZooProcess start(String bootstrap, Spec spec, Path logFile, Consumer<JsonNode> onProgress) {
        Path clientDir = pythonClientDir();
        if (!Files.isDirectory(clientDir.resolve("weightcast"))) {
            throw new IllegalStateException("the Python client is not at " + clientDir
                    + " (set -Dweightcast.home to the project root)");
        }
        List<String> cmd = new ArrayList<>(List.of(python(), "-m", "weightcast.demo.zoo",
                "--bootstrap", bootstrap, "--runs", Integer.toString(spec.runs()), "--epochs", Integer.toString(spec.epochs()),
                "--parallel", Integer.toString(spec.parallel()), "--seed", Long.toString(spec.seed()),
                "--study", spec.study(), "--run-prefix", spec.runPrefix(), "--topic-prefix", spec.topicPrefix(),
                "--progress", "json"));
        if (spec.nanRun()) {
            cmd.add("--nan-run");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONPATH", clientDir.toString()
                + (System.getenv("PYTHONPATH") == null ? "" : File.pathSeparator + System.getenv("PYTHONPATH")));
        pb.environment().put("PYTHONUNBUFFERED", "1");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            Process process = pb.start();
            Thread reader = new Thread(() -> readProgress(process, onProgress), "zoo-progress");
            reader.setDaemon(true);
            reader.start();
            LOG.info("zoo started: {}", String.join(" ", cmd));
            return new ZooProcess(process, reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0) + ": " + e.getMessage()
                    + " (run ./weightcast setup to install python3-torch, python3-numpy and python3-confluent-kafka)", e);
        }
    }

    private static void readProgress(Process process, Consumer<JsonNode> onProgress) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("{")) {
                    try {
                        onProgress.accept(Json.MAPPER.readTree(line));
                    } catch (IOException e) {
                        LOG.debug("zoo printed a line that is not JSON: {}", line);
                    }
                } else if (!line.isBlank()) {
                    LOG.info("zoo: {}", line);
                }
            }
        } catch (IOException e) {
            LOG.debug("zoo output closed: {}", e.getMessage());
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the zoo to end; returns its exit code. */
    public int waitFor() throws InterruptedException {
        int code = process.waitFor();
        reader.join(2000);
        return code;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
