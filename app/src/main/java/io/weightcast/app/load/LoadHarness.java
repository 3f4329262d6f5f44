package io.weightcast.app.load;

import io.weightcast.core.kafka.Topics;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The end-to-end load harness: offers checkpoints at fixed rates (or as fast as the sender allows)
 * and follows each one to its score. One step per rate: send for {@code seconds}, then wait a bounded
 * drain for the outstanding scores, so it always ends by itself; a hard deadline bounds the whole run.
 * A warm-up step first (JIT, transactions, partition assignment) is reported apart.
 *
 * <p>Checkpoint i goes to run {@code i mod runs}, whose step counter increases across all steps, so
 * every (run, step) is unique and a score is matched to exactly one checkpoint.
 */
public final class LoadHarness {

    /** What to offer. {@code rates} is ignored in max mode. */
    public record Options(List<Double> rates, boolean max, double seconds, double drainSeconds, int runs,
                          long params, int maxInFlight, double warmupRate, double warmupSeconds,
                          boolean continueAfterSaturation, long seed, String runPrefix) {
    }

    /** Where it runs: the cluster, the sender, what to observe, and what to record about it. */
    public record Target(String bootstrap, Topics topics, CheckpointSender sender, PipelineProbe probe,
                         String description, Map<String, String> pipelineSettings) {
    }

    private static final double KEPT_UP = 0.9;
    private static final double WARMUP_DRAIN_SECONDS = 60;

    private final Options options;
    private final Target target;
    private final long deadlineNanos;
    private final PrintStream progress;
    private final SyntheticCheckpoints checkpoints;
    private final long[] steps;
    private final Semaphore inFlight;
    private final List<BenchPhase> phases = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private long counter;

    /** @param deadlineNanos {@link System#nanoTime()} by which every step has ended, drained or not */
    public LoadHarness(Options options, Target target, long deadlineNanos, PrintStream progress) {
        this.options = options;
        this.target = target;
        this.deadlineNanos = deadlineNanos;
        this.progress = progress;
        this.checkpoints = SyntheticCheckpoints.of(options.params(), options.seed());
        this.steps = new long[options.runs()];
        this.inFlight = new Semaphore(options.maxInFlight());
    }

    public BenchReport run() {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        int checkpointBytes = checkpoints.checkpoint(options.runPrefix() + "probe", 0).length;
        progress.printf(Locale.ROOT, "checkpoints: %,d parameters, %,d bytes each; via %s; run ids %s*%n",
                checkpoints.parameters(), checkpointBytes, target.sender().via(), options.runPrefix());
        BenchReport.PhaseResult warmup;
        List<BenchReport.PhaseResult> results = new ArrayList<>();
        try (ScoreWatcher watcher = new ScoreWatcher(target.bootstrap(), target.topics(), options.runPrefix())) {
            warmup = step(watcher, new BenchPhase("warmup", options.warmupRate(), options.warmupSeconds()), WARMUP_DRAIN_SECONDS);
            if (!warmup.drained()) {
                notes.add("the warm-up did not drain (" + warmup.scored() + " of " + warmup.acked()
                        + " scored): the pipeline is not working, no load steps were run");
            } else {
                runSteps(watcher, results);
            }
            sleep(1000); // late duplicates would show up now
            notes.add("kafka_metrics are the Kafka clients' own windowed averages (30 s samples) read at the end of each"
                    + " send window, so they blend in the step before; the other numbers are exact per step");
            return new BenchReport("e2e", started.toString(), Instant.now().toString(), round((System.nanoTime() - t0) / 1e9),
                    BenchMachine.describe(), config(checkpointBytes), warmup, results, totals(watcher, results), List.copyOf(notes));
        }
    }

    private void runSteps(ScoreWatcher watcher, List<BenchReport.PhaseResult> results) {
        List<BenchPhase> plan = new ArrayList<>();
        if (options.max()) {
            plan.add(new BenchPhase("max", null, options.seconds()));
        } else {
            for (double rate : options.rates()) {
                plan.add(new BenchPhase("rate-" + format(rate), rate, options.seconds()));
            }
        }
        for (BenchPhase phase : plan) {
            if (System.nanoTime() >= deadlineNanos) {
                notes.add("time limit reached before step " + phase.name);
                break;
            }
            BenchReport.PhaseResult r = step(watcher, phase, options.drainSeconds());
            results.add(r);
            if (!r.drained() && !options.continueAfterSaturation() && plan.indexOf(phase) < plan.size() - 1) {
                notes.add("step " + phase.name + " did not drain within " + format(options.drainSeconds())
                        + " s: saturated; the higher rates were skipped (--continue-after-saturation runs them anyway)");
                break;
            }
        }
    }

    /** One load step: send, then drain, then read the counters. */
    private BenchReport.PhaseResult step(ScoreWatcher watcher, BenchPhase phase, double drainSeconds) {
        long backlog = backlog();
        phases.add(phase);
        watcher.phase(phase);
        progress.printf(Locale.ROOT, "%-10s offering %s for %s s ...%n", phase.name,
                phase.offeredRate == null ? "max" : format(phase.offeredRate) + "/s", format(phase.seconds));
        PipelineProbe.Snapshot atStart = target.probe().snapshot();
        phase.startNanos = System.nanoTime();
        send(watcher, phase);
        phase.sendEndNanos = Math.max(System.nanoTime(), phase.startNanos + 1);
        PipelineProbe.Snapshot atSendEnd = target.probe().snapshot();
        Map<String, Map<String, Double>> kafkaMetrics = target.probe().kafkaMetrics();
        long drainDeadline = Math.min(deadlineNanos, phase.sendEndNanos + (long) (drainSeconds * 1e9));
        while (!phase.drained() && System.nanoTime() < drainDeadline) {
            sleep(20);
        }
        long end = System.nanoTime();
        PipelineProbe.Snapshot atEnd = target.probe().snapshot();
        BenchReport.PhaseResult r = result(phase, backlog, end, atStart, atSendEnd, atEnd, kafkaMetrics);
        progress.println(BenchTable.line(r));
        return r;
    }

    /** Open loop at the offered rate (a late send goes at once, the schedule does not slip), bounded in flight. */
    private void send(ScoreWatcher watcher, BenchPhase phase) {
        long start = phase.startNanos;
        long end = start + (long) (phase.seconds * 1e9);
        long period = phase.offeredRate == null ? 0 : (long) (1e9 / phase.offeredRate);
        for (long i = 0; ; i++) {
            long due = start + i * period;
            if (due >= end || System.nanoTime() >= Math.min(end, deadlineNanos)) {
                break;
            }
            parkUntil(due);
            if (!acquire(end)) {
                break;
            }
            sendOne(watcher, phase);
        }
        if (period > 0) {
            parkUntil(Math.min(end, deadlineNanos)); // the window is the whole step, not up to the last send
        }
    }

    private void sendOne(ScoreWatcher watcher, BenchPhase phase) {
        int run = (int) (counter++ % options.runs());
        String runId = runId(run);
        long step = ++steps[run];
        byte[] file = checkpoints.checkpoint(runId, step);
        long sendNanos = System.nanoTime();
        watcher.expect(runId, step, phase, sendNanos);
        phase.sent.incrementAndGet();
        phase.outstanding.incrementAndGet();
        try {
            target.sender().send(runId, step, file).whenComplete((ok, error) -> {
                inFlight.release();
                if (error == null) {
                    phase.acked(sendNanos);
                } else {
                    watcher.forget(runId, step);
                    phase.failed(error);
                }
            });
        } catch (RuntimeException e) {
            inFlight.release();
            watcher.forget(runId, step);
            phase.failed(e);
        }
    }

    private boolean acquire(long end) {
        try {
            while (System.nanoTime() < Math.min(end, deadlineNanos)) {
                if (inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private String runId(int run) {
        return options.runPrefix() + String.format(Locale.ROOT, "%03d", run);
    }

    private BenchReport.PhaseResult result(BenchPhase p, long backlog, long end, PipelineProbe.Snapshot atStart,
                                           PipelineProbe.Snapshot atSendEnd, PipelineProbe.Snapshot atEnd,
                                           Map<String, Map<String, Double>> kafkaMetrics) {
        double window = (p.sendEndNanos - p.startNanos) / 1e9;
        long acked = p.acked.get();
        long scored = p.scored.get();
        Double produceRate = acked == 0 ? null : round(acked / ((Math.max(p.sendEndNanos, p.lastAckNanos) - p.startNanos) / 1e9));
        // Between the first and the last score: the pipeline's pace, whether it kept up (≈ the offered rate)
        // or fell behind and worked off a queue (its capacity); the latency shifts both ends alike.
        Double scoredRate = scored < 2 || p.lastScoreNanos <= p.firstScoreNanos ? null
                : round((scored - 1) / ((p.lastScoreNanos - p.firstScoreNanos) / 1e9));
        Double duringSend = round(p.scoredDuringSend.get() / window);
        boolean drained = p.drained();
        boolean keptUp = drained && p.offeredRate != null && produceRate != null && scoredRate != null
                && produceRate >= KEPT_UP * p.offeredRate && scoredRate >= KEPT_UP * p.offeredRate && p.sendErrors.get() == 0;
        return new BenchReport.PhaseResult(p.name, p.offeredRate, p.seconds, round(window), p.sent.get(), acked,
                p.sendErrors.get(), p.firstError, produceRate, scored, scoredRate, duringSend, Math.max(0, acked - scored),
                p.duplicates.get(), p.deadLetters.get(), p.alerts.get(), backlog, drained, round((end - p.sendEndNanos) / 1e9), keptUp,
                new BenchReport.Latencies(p.recordToScore.summary(), p.sendToSeen.summary(), p.sendToAck.summary()),
                target.probe().cpu(atStart, atSendEnd, 12), target.probe().cpu(atStart, atEnd, 12),
                target.probe().histograms(atStart, atEnd), target.probe().txnCommitSeconds(atStart, atEnd), kafkaMetrics);
    }

    /** Checkpoints of earlier steps still unscored: load the next step inherits. */
    private long backlog() {
        return phases.stream().mapToLong(p -> Math.max(0, p.acked.get() - p.scored.get())).sum();
    }

    private BenchReport.Totals totals(ScoreWatcher watcher, List<BenchReport.PhaseResult> results) {
        long sent = 0;
        long acked = 0;
        long scored = 0;
        long duplicates = 0;
        long deadLetters = 0;
        for (BenchPhase p : phases) {
            sent += p.sent.get();
            acked += p.acked.get();
            scored += p.scored.get();
            duplicates += p.duplicates.get();
            deadLetters += p.deadLetters.get();
        }
        Double sustained = results.stream().filter(BenchReport.PhaseResult::keptUp)
                .map(BenchReport.PhaseResult::offeredRate).max(Double::compare).orElse(null);
        Double bestScored = results.stream().map(BenchReport.PhaseResult::scoredRate).filter(v -> v != null)
                .max(Double::compare).orElse(null);
        return new BenchReport.Totals(sent, acked, scored, duplicates, Math.max(0, acked - scored), watcher.unmatched(),
                deadLetters, scored == acked && duplicates == 0 && sent == acked, sustained, bestScored, saturation(results));
    }

    private static String saturation(List<BenchReport.PhaseResult> results) {
        if (results.size() == 1 && results.get(0).offeredRate() == null) {
            BenchReport.PhaseResult r = results.get(0);
            return "max mode: " + (r.achievedProduceRate() == null ? "nothing" : format(r.achievedProduceRate()) + "/s")
                    + " produced, " + (r.scoredRate() == null ? "nothing" : format(r.scoredRate()) + "/s") + " scored, "
                    + (r.drained() ? "drained" : r.missing() + " unscored after the drain");
        }
        for (BenchReport.PhaseResult r : results) {
            if (r.offeredRate() != null && !r.keptUp()) {
                return "saturated at " + format(r.offeredRate()) + "/s offered: "
                        + (r.scoredRate() == null ? "nothing" : format(r.scoredRate()) + "/s") + " scored, "
                        + (r.achievedProduceRate() == null ? "nothing" : format(r.achievedProduceRate()) + "/s") + " produced, "
                        + (r.drained() ? "drained" : r.missing() + " unscored after the drain");
            }
        }
        return results.isEmpty() ? "no load steps ran" : "kept up with every offered rate";
    }

    private BenchReport.Config config(int checkpointBytes) {
        return new BenchReport.Config(options.max() ? "max" : "rates", target.sender().via(), target.description(),
                options.max() ? List.of() : options.rates(), options.seconds(), options.drainSeconds(), options.runs(),
                checkpoints.parameters(), checkpointBytes, options.maxInFlight(), options.runPrefix(),
                target.topics().prefix(), target.pipelineSettings());
    }

    private static void parkUntil(long nanos) {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
