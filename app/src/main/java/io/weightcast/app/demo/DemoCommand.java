package io.weightcast.app.demo;

import io.weightcast.app.cli.SettingsOptions;
import io.weightcast.app.stack.LocalStack;
import io.weightcast.app.stack.ZooProcess;
import io.weightcast.core.records.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weightcast demo}: local mode plus a zoo of real PyTorch training runs streaming through it,
 * with a live view; {@code --until-done} ends with a summary counted from the topics.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start local mode and stream a demo zoo (small CNNs trained on the 8x8 digits by real PyTorch loops) through it.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--runs", defaultValue = "40", description = "Training runs in the zoo. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--epochs", defaultValue = "18", description = "Epochs per run (one checkpoint each). Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--parallel", defaultValue = "2", description = "Training processes at a time. Default: ${DEFAULT-VALUE}")
    int parallel;

    @Option(names = "--seed", description = "Zoo seed (default: derived from the clock, so every demo adds new runs).")
    Long seed;

    @Option(names = "--until-done", description = "Exit after the zoo finished and every checkpoint was scored, printing a summary.")
    boolean untilDone;

    @Option(names = "--summary", paramLabel = "FILE", description = "Also write the summary as JSON here.")
    Path summaryFile;

    @Option(names = "--data-dir", defaultValue = "data", description = "Broker log and service state (reused). Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--http-port-base", defaultValue = "0", description = "Ingest port, then scorer, streams, trainer (0: free ports). Default: ${DEFAULT-VALUE}")
    int httpBase;

    @Option(names = "--drain-timeout", defaultValue = "180", description = "Seconds to wait, after the zoo ended, for every checkpoint to be scored. Default: ${DEFAULT-VALUE}")
    int drainTimeout;

    @Option(names = "--nan-run", description = "Make one run publish a checkpoint with NaN weights (shows NONFINITE_WEIGHTS).")
    boolean nanRun;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        long zooSeed = seed != null ? seed : System.currentTimeMillis() % 1_000_000_000L;
        DemoRunIds ids = new DemoRunIds(zooSeed);
        String runPrefix = ids.prefix();
        Path data = dataDir.toAbsolutePath();
        Files.createDirectories(data);
        PrintStream out = System.out;
        boolean tty = System.console() != null;
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("trainer.min.runs", "10");
        defaults.put("trainer.refit.every", "5");
        // the weight encoder is off in local mode (LocalStack); with -s trainer.encoder.enabled=true it trains early and
        // short (defaults: 20 runs, 20 epochs): it publishes ~1.5 min in, so the checkpoints of a longer demo (--runs 150
        // and up) carry embeddings; a 50-run zoo has finished publishing by then
        defaults.put("trainer.encoder.min.runs", "12");
        defaults.put("trainer.encoder.epochs", "5");

        out.println("Starting the Kafka broker and the four services (data in " + data + ") ...");
        AtomicBoolean stopping = new AtomicBoolean();
        // Ctrl-C: the hook asks the main thread to stop and waits until it has closed the zoo, the
        // services (committing their state) and the broker, so the next run starts from a clean log.
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopping.set(true);
            awaitQuietly(closed, 60);
        }, "demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (LocalStack stack = LocalStack.start(data, 0, httpBase, settings.merged(defaults))) {
            stack.awaitReady(90_000, stopping::get);
            if (stopping.get()) {
                return 130;
            }
            out.println(stack.describe());
            try (PipelineMonitor monitor = new PipelineMonitor(stack.bootstrapServers(), stack.settings().topics(),
                    run -> run.startsWith(runPrefix));
                 ZooProcess zoo = ZooProcess.start(stack.bootstrapServers(),
                         new ZooProcess.Spec(runs, epochs, parallel, zooSeed, "digits", ids.zooPrefix(),
                                 stack.settings().topics().prefix(), nanRun),
                         data.resolve("zoo.log"), p -> { })) {
                out.println("Training " + runs + " runs x " + epochs + " epochs with " + parallel
                        + " PyTorch processes; run ids start with " + runPrefix + (untilDone ? "" : ". Ctrl-C stops."));
                long zooStart = System.nanoTime();
                double zooSeconds = 0;
                long lastPrint = 0;
                long drainDeadline = Long.MAX_VALUE;
                Integer exitCode = null;
                while (!stopping.get()) {
                    double elapsed = (System.nanoTime() - t0) / 1e9;
                    if (exitCode == null && !zoo.isAlive()) {
                        exitCode = zoo.waitFor();
                        zooSeconds = (System.nanoTime() - zooStart) / 1e9;
                        drainDeadline = System.currentTimeMillis() + drainTimeout * 1000L;
                        out.println("zoo finished (exit " + exitCode + ") after " + Math.round(zooSeconds) + " s; waiting for the pipeline to drain ...");
                    }
                    double rate = monitor.checkpoints() / Math.max(1e-9, exitCode == null ? (System.nanoTime() - zooStart) / 1e9 : zooSeconds);
                    if (System.currentTimeMillis() - lastPrint > (tty ? 2000 : 10000)) {
                        lastPrint = System.currentTimeMillis();
                        if (tty) {
                            out.print("\033[H\033[2J");
                            RunTable.print(out, monitor);
                        }
                        out.println(RunTable.status(monitor, runs, rate, elapsed));
                    }
                    boolean drained = exitCode != null && monitor.scores() >= monitor.checkpoints() && monitor.runsFinished() >= monitor.runs().size();
                    if (exitCode != null && (drained || System.currentTimeMillis() > drainDeadline)) {
                        if (!untilDone && drained) {
                            out.println("The zoo is done; Weightcast keeps running. Ctrl-C stops it.");
                            while (!stopping.get()) {
                                Thread.sleep(500);
                            }
                        }
                        return finish(out, monitor, runPrefix, t0, zooSeconds, exitCode, drained);
                    }
                    Thread.sleep(250);
                }
                out.println("\nstopping: the zoo, the services and the broker ...");
                zoo.close();
                return finish(out, monitor, runPrefix, t0, zooSeconds, exitCode == null ? 130 : exitCode, false);
            }
        } finally {
            closed.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch, int seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int finish(PrintStream out, PipelineMonitor monitor, String runPrefix, long t0, double zooSeconds,
                       int exitCode, boolean complete) throws java.io.IOException {
        sleep(1000); // let the monitor read the last committed records
        DemoSummary summary = DemoSummary.of(monitor, runPrefix, runs, (System.nanoTime() - t0) / 1e9, zooSeconds, exitCode, complete);
        out.println();
        RunTable.print(out, monitor);
        String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary);
        out.println("Summary:\n" + json);
        if (summaryFile != null) {
            Files.writeString(summaryFile, json);
        }
        if (!complete) {
            out.println("The pipeline did not drain: " + monitor.scores() + " scores for " + monitor.checkpoints() + " checkpoints.");
        }
        return exitCode == 0 && complete ? 0 : 1;
    }


    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
