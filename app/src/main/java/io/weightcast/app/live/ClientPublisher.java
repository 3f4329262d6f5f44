package io.weightcast.app.live;

import com.fasterxml.jackson.databind.JsonNode;
import io.weightcast.core.records.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Mode (b): the runs go through our Python client's API ({@code clients/python/weightcast/demo/replay.py}
 * in a {@code /usr/bin/python3} child process: start_run, log_checkpoint + log_metrics, finish), so
 * the checkpoint metadata carries the metrics and hyper-parameters as the client puts them. One
 * child serves every run; calls are serialized (each is a few milliseconds of Python).
 */
public final class ClientPublisher implements RunPublisher {
    private final Process process;
    private final BufferedReader replies;
    private final OutputStream commands;
    private final Path log;

    public ClientPublisher(String python, Path clientsPython, String bootstrap, String topicPrefix, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of(python, "-m", "weightcast.demo.replay", "--bootstrap", bootstrap,
                "--topic-prefix", topicPrefix)).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("PYTHONPATH", clientsPython.toString());
        pb.environment().put("PYTHONUNBUFFERED", "1");
        this.log = log;
        this.process = pb.start();
        this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.commands = process.getOutputStream();
        JsonNode ready = readReply();
        if (!ready.path("ok").asBoolean(false)) {
            close();
            throw new IOException("the Python client could not start: " + ready.path("error").asText("?") + " (log: " + log + ")");
        }
    }

    @Override
    public void start(ZooRun run) throws IOException {
        call(Map.of("op", "start", "run_id", run.replayId(), "dir", run.dir().toAbsolutePath().toString(), "study", run.study()));
    }

    @Override
    public void checkpoint(ZooRun run, int step) throws IOException {
        call(Map.of("op", "checkpoint", "run_id", run.replayId(), "step", step));
    }

    @Override
    public void finish(ZooRun run) throws IOException {
        call(Map.of("op", "finish", "run_id", run.replayId()));
    }

    private synchronized void call(Map<String, Object> command) throws IOException {
        commands.write(Json.bytes(new LinkedHashMap<>(command)));
        commands.write('\n');
        commands.flush();
        JsonNode reply = readReply();
        if (!reply.path("ok").asBoolean(false)) {
            throw new IOException("the Python client failed " + command.get("op") + " of " + command.get("run_id") + ": "
                    + reply.path("error").asText("?"));
        }
    }

    private JsonNode readReply() throws IOException {
        String line = replies.readLine();
        if (line == null) {
            throw new IOException("the Python client exited (code " + (process.isAlive() ? "?" : process.exitValue()) + ")");
        }
        return Json.MAPPER.readTree(line);
    }

    @Override
    public String mode() {
        return "client";
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                commands.write("{\"op\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
                commands.flush();
                commands.close();
            }
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
        try {
            if (java.nio.file.Files.size(log) == 0) {
                java.nio.file.Files.deleteIfExists(log); // nothing was logged: no file left behind
            }
        } catch (IOException ignored) {
            // kept
        }
    }
}
