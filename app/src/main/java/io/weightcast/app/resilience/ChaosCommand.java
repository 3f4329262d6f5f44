package io.weightcast.app.resilience;

import io.weightcast.app.cli.SettingsOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weightcast chaos}: exactly-once under kill -9. The broker and the services run as separate
 * JVMs; the chosen ones are SIGKILLed part-way through a known load and restarted on the same state
 * dirs; then every (run_id, step) sent must have exactly one feature and one score on the topics
 * (read_committed, no deduplication) and the model versions must strictly increase. Writes
 * {@code bench/results/chaos-<kill>-<time>.json}; exits 1 when anything is missing or duplicated.
 *
 * <p>The trainer runs with {@code trainer.publish.tolerance=100} unless {@code -s} says otherwise:
 * the synthetic labels are not learnable, and the check wants every refit published so that the
 * models topic has many versions on both sides of a kill.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Kill -9 pipeline processes under load, restart them, and verify exactly-once "
                + "(every checkpoint: one feature, one score; model versions strictly increasing).")
public final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--kill", split = ",", defaultValue = "streams",
            description = "What to SIGKILL, repeatable or comma-separated, all at the same moment: streams, scorer, trainer, "
                    + "broker, ingest (implies --via http), or none (a baseline). Default: ${DEFAULT-VALUE}")
    List<String> kill;

    @Option(names = "--kill-at", defaultValue = "0.4", description = "Kill after this fraction of the checkpoints was sent. Default: ${DEFAULT-VALUE}")
    double killAt;

    @Option(names = "--downtime", defaultValue = "5", description = "Seconds between the kill and the restart. Default: ${DEFAULT-VALUE}")
    double downtime;

    @Option(names = "--checkpoints", defaultValue = "2000", description = "Checkpoints (digits CNN, ~20 KB) to send. Default: ${DEFAULT-VALUE}")
    int checkpoints;

    @Option(names = "--warmup", defaultValue = "100",
            description = "Checkpoints sent first, and scored, before the load proper and its kill: the kill then hits warm JVMs "
                    + "at work. They are verified too. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--concurrent-runs", defaultValue = "16",
            description = "Runs in flight at once; each has 18 steps, a started and a finished event. Default: ${DEFAULT-VALUE}")
    int concurrentRuns;

    @Option(names = "--rate", defaultValue = "100", description = "Checkpoints per second offered. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--max-in-flight", defaultValue = "64", description = "Checkpoints sent but not yet acked, at most. Default: ${DEFAULT-VALUE}")
    int maxInFlight;

    @Option(names = "--via", defaultValue = "kafka",
            description = "kafka: the Java SDK's idempotent producer straight to the checkpoints topic; http: through the ingest "
                    + "gateway with client retries (at-least-once into the topic). Default: ${DEFAULT-VALUE}")
    String via;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions per topic. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--settle-timeout", defaultValue = "300",
            description = "Seconds to wait after the load for every score and a quiet pipeline. Default: ${DEFAULT-VALUE}")
    double settleTimeout;

    @Option(names = "--quiet", defaultValue = "5",
            description = "Seconds with no new record (and no open transaction) that count as quiet; late duplicates would show "
                    + "up in this window. Default: ${DEFAULT-VALUE}")
    double quiet;

    @Option(names = "--jvm-opts", defaultValue = "-Xmx768m", split = " ",
            description = "Options of every child JVM (space-separated). Default: ${DEFAULT-VALUE}")
    List<String> jvmOptions;

    @Option(names = "--instances", defaultValue = "1",
            description = "JVMs each of streams and scorer (streams-1 .. streams-N), sharing their group's partitions. Above 1, a "
                    + "killed streams or scorer is instance 1 and is not restarted: the others must take over its partitions "
                    + "(use --partitions 8 or so). Default: ${DEFAULT-VALUE}")
    int instances;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic weights. Default: ${DEFAULT-VALUE}")
    long seed;

    @Mixin
    HarnessDirs dirs = new HarnessDirs();

    @Mixin
    SettingsOptions settings;

    /** The report of the last run (tests read it). */
    ChaosReport report;
    Path written;

    @Override
    public Integer call() throws Exception {
        List<String> targets = targets();
        if (targets == null) {
            return 2;
        }
        String transport = targets.contains("ingest") ? "http" : via;
        if (!transport.equals("kafka") && !transport.equals("http")) {
            System.err.println("--via must be kafka or http, was " + via);
            return 2;
        }
        Path data = dirs.data("chaos");
        Map<String, String> serviceSettings = new LinkedHashMap<>();
        serviceSettings.put("trainer.publish.tolerance", "100");
        serviceSettings.put("topics.partitions", Integer.toString(partitions));
        serviceSettings.putAll(settings.overrides);
        ChaosHarness.Options options = new ChaosHarness.Options(warmup, checkpoints, concurrentRuns, rate, maxInFlight, transport, targets,
                killAt, downtime, partitions, settleTimeout, quiet, seed, jvmOptions, serviceSettings, data, Math.max(1, instances));
        boolean passed = false;
        try {
            report = new ChaosHarness(options, System.err).run();
            passed = report.exactlyOnce();
        } finally {
            dirs.cleanUp(data, passed, "chaos");
        }
        print(System.out, report);
        written = write(report);
        System.out.println("results: " + written.toAbsolutePath());
        return report.exactlyOnce() ? 0 : 1;
    }

    private List<String> targets() {
        List<String> out = new ArrayList<>();
        for (String k : kill) {
            String t = k.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("none")) {
                continue;
            }
            if (!List.of("streams", "scorer", "trainer", "broker", "ingest").contains(t)) {
                System.err.println("--kill: unknown target " + k + " (streams, scorer, trainer, broker, ingest, none)");
                return null;
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    static void print(PrintStream out, ChaosReport r) {
        ChaosReport.Verification v = r.verification();
        String kill = r.config().kill().isEmpty() ? "none" : String.join("+", r.config().kill());
        out.printf(Locale.ROOT, "%nchaos: kill %s at %.0f%% of %d checkpoints (after %d warm-up ones), %.0f s down, via %s, %.0f/s offered%n",
                kill, r.config().killAtFraction() * 100, r.config().checkpoints(), r.config().warmupCheckpoints(), r.config().downtimeSeconds(),
                r.config().via(), r.config().offeredRate());
        out.println("kill method: " + r.config().killMethod());
        out.printf("%-8s %7s %5s %8s %16s %8s %8s %9s %10s %8s%n", "target", "pid", "exit", "kill at", "sent/feat/score",
                "restart", "ready", "resumed", "recovered", "new pid");
        for (ChaosReport.Kill k : r.kills()) {
            out.printf(Locale.ROOT, "%-8s %7d %5d %7.1fs %16s %7ss %7ss %8ss %9ss %8d%n", k.target(), k.pid(), k.exitStatus(),
                    k.killAtSeconds(), k.killAtSent() + "/" + k.featuresAtKill() + "/" + k.scoresAtKill(), fmt(k.restartAtSeconds()),
                    fmt(k.readySeconds()), fmt(k.resumedSeconds()), fmt(k.recoverySeconds()), k.newPid());
        }
        if (r.kills().stream().anyMatch(k -> k.restartAtSeconds() != null)) {
            out.println("(seconds after the restart: ready = /ready answered 200; resumed = first new record on its output topic;"
                    + " recovered = every checkpoint sent before the restart scored)");
        }
        printTakeovers(out, r);
        out.printf("%-28s %10s%n", "", "count");
        row(out, "checkpoints sent", v.checkpointsSent());
        row(out, "acked / send failures", v.acked() + " / " + v.sendFailures());
        row(out, "checkpoint records (topic)", v.checkpointRecords());
        row(out, "feature records", v.features());
        row(out, "score records", v.scores());
        row(out, "missing (run,step)", v.missing() + "  (checkpoint " + v.missingCheckpoints() + ", feature " + v.missingFeatures()
                + ", score " + v.missingScores() + ")");
        row(out, "duplicated (run,step)", v.duplicates() + "  (feature " + v.duplicateFeatures() + ", score " + v.duplicateScores() + ")");
        row(out, "sent twice into the topic", v.upstreamDuplicates() + (r.config().via().equals("http")
                ? "  (HTTP retries: " + v.httpRetries() + ", after a broken connection: " + v.httpRetriesAfterBrokenConnection() + ")" : ""));
        row(out, "unexpected (run,step)", v.unexpectedKeys());
        row(out, "dead letters", v.deadLetters());
        row(out, "model versions", v.modelVersions() + (v.modelVersionProblems() == 0 ? " strictly increasing" : "  NOT increasing: "
                + v.modelVersionProblems() + " problems"));
        row(out, "settled after", v.settleSeconds() + " s" + (v.settled() ? "" : " (NOT quiet)"));
        row(out, "longest scoring pause", v.maxScoreGapSeconds() == null ? "-" : v.maxScoreGapSeconds() + " s at " + v.maxScoreGapAtSeconds() + " s");
        row(out, "harness read lag of scores", "p50 " + v.scoreReadLagMs().p50() + " ms, p99 " + v.scoreReadLagMs().p99() + " ms");
        row(out, "wall", r.wallSeconds() + " s (startup " + r.startupSeconds() + " s, load " + r.loadSeconds() + " s)");
        row(out, "machine load average", r.loadAverageAtStart() + " at start, " + r.loadAverageAtEnd() + " at end ("
                + r.machine().cores() + " cores)");
        for (String e : v.examples()) {
            out.println("  e.g. " + e);
        }
        for (String n : r.notes()) {
            out.println("note: " + n);
        }
        if (!r.exactlyOnce()) {
            out.println("FAILED: see above");
        } else if (v.upstreamDuplicates() > 0) {
            out.println("EXACTLY ONCE: every checkpoint has one feature and one score; " + v.upstreamDuplicates()
                    + " entered the topic twice (the client retried after ingest died between Kafka's ack and its 202, where "
                    + "no Idempotency-Key window survives) and streams dropped the copies");
        } else {
            out.println("EXACTLY ONCE: every checkpoint has one feature and one score");
        }
    }

    private static void printTakeovers(PrintStream out, ChaosReport r) {
        r.assignmentsAtLoadStart().forEach((group, owners) -> out.println("assignment of " + group + " at the load's start: " + owners));
        for (ChaosReport.Takeover t : r.takeovers()) {
            out.printf(Locale.ROOT, "takeover: %s (not restarted) owned %s partitions %s of %s; first output for them %s s after the kill "
                    + "(%s; session.timeout.ms %s)%n", t.killed(), t.inputTopic(), t.partitionsOfKilled(), t.group(),
                    fmt(t.takeoverSeconds()), t.firstTakenOver(), t.sessionTimeoutMs());
        }
        r.assignmentsAtEnd().forEach((group, owners) -> out.println("assignment of " + group + " at the end: " + owners));
    }

    private static void row(PrintStream out, String label, Object value) {
        out.printf("%-28s %10s%n", label, value);
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private Path write(ChaosReport r) throws IOException {
        return dirs.write("chaos-" + (r.config().kill().isEmpty() ? "none" : String.join("+", r.config().kill()))
                + (r.config().instances() > 1 ? "-x" + r.config().instances() : ""), r);
    }
}
