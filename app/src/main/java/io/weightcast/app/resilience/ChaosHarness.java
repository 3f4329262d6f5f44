package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchMachine;
import io.weightcast.app.load.CheckpointSender;
import io.weightcast.app.load.KafkaCheckpointSender;
import io.weightcast.app.load.SyntheticCheckpoints;
import io.weightcast.app.stack.ProcessStack;
import io.weightcast.app.stack.ServiceProcess;
import io.weightcast.core.records.RunEvent;
import io.weightcast.ingest.CheckpointPublisher;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Proves exactly-once under kill -9: runs the pipeline as separate processes ({@link ProcessStack}),
 * sends a known set of checkpoints, SIGKILLs the chosen processes part-way, restarts them on the same
 * state dirs and ids after a downtime, waits until every topic is quiet, then counts what arrived per
 * (run_id, step) ({@link OutputTally}) and checks the model versions.
 *
 * <p>Load: {@code checkpoints} digits-CNN checkpoints ({@link SyntheticCheckpoints}), {@code concurrentRuns}
 * runs at a time, each with a {@code started} event, {@value SyntheticCheckpoints#PLANNED_STEPS} steps and a
 * {@code finished} event carrying a test accuracy, so the trainer gets finished runs and publishes models
 * during the load. Sent open-loop at {@code rate}/s with at most {@code maxInFlight} unacknowledged.
 *
 * <p>Scale-out ({@code instances} above 1): streams and the scorer run as that many JVMs each, sharing their
 * group's partitions. A killed streams or scorer instance is then not restarted: the survivors must take its
 * partitions over; the report shows each group's assignment (load start, kill, end) and the takeover time.
 */
final class ChaosHarness {

    record Options(int warmup, int checkpoints, int concurrentRuns, double rate, int maxInFlight, String via, List<String> kill,
                   double killAt, double downtimeSeconds, int partitions, double settleTimeoutSeconds, double quietSeconds,
                   long seed, List<String> jvmOptions, Map<String, String> settings, Path dataDir, int instances) {
    }

    static final String KILL_METHOD = "Process.destroyForcibly() = SIGKILL on Linux (exit status 137); no shutdown hooks run";
    private static final long STARTUP_TIMEOUT_MS = 240_000;
    private static final long RESTART_TIMEOUT_MS = 240_000;

    private final Options options;
    private final PrintStream progress;
    private final SyntheticCheckpoints checkpoints;
    private final String runPrefix;
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final List<ChaosReport.Kill> kills = new CopyOnWriteArrayList<>();
    private final List<KilledInstance> killedInstances = new CopyOnWriteArrayList<>();
    private volatile Map<String, Map<String, List<String>>> assignmentsAtLoadStart = Map.of();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong eventFailures = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private volatile String phase = "starting";
    private RetryingHttpSender httpSender;
    private volatile long t0;

    ChaosHarness(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.checkpoints = SyntheticCheckpoints.of(SyntheticCheckpoints.DIGITS_CNN_PARAMS, options.seed());
        this.runPrefix = "chaos" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("MMddHHmmss")) + "-";
    }

    ChaosReport run() throws Exception {
        Instant started = Instant.now();
        String loadAtStart = ChaosReport.loadAverage();
        long wall0 = System.nanoTime();
        List<String> services = new ArrayList<>(List.of("streams", "scorer", "trainer"));
        if (options.via().equals("http")) {
            services.add("ingest");
        }
        for (String k : options.kill()) {
            if (!k.equals("broker") && !services.contains(k)) {
                throw new IllegalArgumentException("cannot kill " + k + ": not running (ingest runs only with --via http)");
            }
        }
        try (ProcessStack stack = new ProcessStack(options.dataDir(), services, options.settings(), options.jvmOptions(), options.instances())) {
            progress.println("chaos: starting broker + " + services + " as separate JVMs (data in " + options.dataDir() + ") ...");
            stack.start(options.partitions(), STARTUP_TIMEOUT_MS);
            double startup = (System.nanoTime() - wall0) / 1e9;
            progress.printf(Locale.ROOT, "chaos: ready in %.1f s; broker at %s%n", startup, stack.bootstrap());
            try (OutputTally tally = new OutputTally(stack.bootstrap(), stack.topics(), runPrefix)) {
                long[] sendNanos = new long[total()];
                String[] keys = new String[total()];
                Thread killer;
                double loadSeconds;
                Thread ticker = ticker(tally);
                try (CheckpointSender sender = sender(stack);
                     CheckpointPublisher events = CheckpointPublisher.builder(stack.bootstrap()).topics(stack.topics())
                             .clientId("weightcast-chaos-events").build()) {
                    t0 = System.nanoTime();
                    phase = options.warmup() > 0 ? "warm-up" : "load";
                    killer = load(stack, tally, sender, events, sendNanos, keys);
                    phase = "awaiting acks";
                    awaitAcks(sender);
                    loadSeconds = (System.nanoTime() - t0) / 1e9;
                    if (killer != null) {
                        phase = "awaiting restart";
                        killer.join();
                    }
                    events.flush();
                }
                phase = "settling";
                long settle0 = System.nanoTime();
                boolean settled = settle(tally, keys);
                double settleSeconds = (System.nanoTime() - settle0) / 1e9;
                ticker.interrupt();
                ChaosReport.Verification v = verify(tally, keys, sendNanos, settled, settleSeconds);
                List<ChaosReport.Kill> withRecovery = recovery(tally, keys, sendNanos);
                List<ChaosReport.Takeover> takeovers = takeovers(tally, keys);
                Map<String, Map<String, List<String>>> atEnd = assignments(stack);
                boolean exactlyOnce = v.missing() == 0 && v.duplicates() == 0 && v.unexpectedKeys() == 0
                        && v.modelVersionProblems() == 0 && v.unreadableRecords() == 0
                        && (options.via().equals("http") || v.upstreamDuplicates() == 0);
                phase = "stopping";
                return new ChaosReport("chaos", started.toString(), Instant.now().toString(),
                        round((System.nanoTime() - wall0) / 1e9), BenchMachine.describe(), loadAtStart, ChaosReport.loadAverage(), config(stack), round(startup),
                        round(loadSeconds), withRecovery, takeovers, assignmentsAtLoadStart, atEnd, v, exactlyOnce, List.copyOf(notes));
            }
        }
    }

    private CheckpointSender sender(ProcessStack stack) {
        if (options.via().equals("http")) {
            httpSender = new RetryingHttpSender("http://127.0.0.1:" + stack.port("ingest"), 180_000);
            return httpSender;
        }
        return new KafkaCheckpointSender(stack.bootstrap(), stack.topics());
    }

    private int total() {
        return options.warmup() + options.checkpoints();
    }

    /**
     * Sends the warm-up checkpoints, waits until they are scored (every JVM warm, every task assigned, the
     * first transactions committed: the kill then hits a pipeline at work), then the load proper, restarting
     * the clock ({@code t0}); starts the killer thread when the kill point is reached. @return the killer, or null
     */
    private Thread load(ProcessStack stack, OutputTally tally, CheckpointSender sender, CheckpointPublisher events, long[] sendNanos,
                        String[] keys) {
        RunSchedule schedule = new RunSchedule(options.concurrentRuns());
        long killIndex = options.kill().isEmpty() ? -1
                : options.warmup() + Math.min(options.checkpoints() - 1, Math.round(options.killAt() * options.checkpoints()));
        Thread killer = null;
        Semaphore inFlight = new Semaphore(options.maxInFlight());
        long period = (long) (1e9 / options.rate());
        long base = t0;
        int baseIndex = 0;
        for (int i = 0; i < total(); i++) {
            if (i == options.warmup() && i > 0) { // with no warm-up, the assignments are read at the end only
                awaitWarmUp(tally, keys, i);
                assignmentsAtLoadStart = assignments(stack);
                t0 = System.nanoTime();
                base = t0;
                baseIndex = i;
                phase = "load";
            }
            parkUntil(base + (i - baseIndex) * period);
            if (i == killIndex) {
                killer = new Thread(() -> killAndRestart(stack, tally, killIndex), "chaos-killer");
                killer.start();
            }
            RunSchedule.Slot slot = schedule.next();
            String runId = runId(slot.run());
            if (slot.first()) {
                event(events, RunEvent.started(runId, "chaos", Map.of("run", slot.run()), SyntheticCheckpoints.PLANNED_STEPS));
            }
            byte[] file = checkpoints.checkpoint(runId, slot.step());
            inFlight.acquireUninterruptibly();
            keys[i] = OutputTally.key(runId, slot.step());
            sendNanos[i] = System.nanoTime();
            send(sender, runId, slot.step(), file, inFlight);
            if (slot.last()) {
                event(events, RunEvent.finished(runId, "chaos", Map.of("test_accuracy", label(slot.run()))));
            }
        }
        return killer;
    }

    private void send(CheckpointSender sender, String runId, long step, byte[] file, Semaphore inFlight) {
        try {
            sender.send(runId, step, file).whenComplete((ok, error) -> {
                inFlight.release();
                if (error == null) {
                    acked.incrementAndGet();
                } else {
                    sendFailed(error);
                }
            });
        } catch (RuntimeException e) {
            inFlight.release();
            sendFailed(e);
        }
    }

    /**
     * Which run and step come next: {@code lanes} runs in flight, visited in turn, each for
     * {@value SyntheticCheckpoints#PLANNED_STEPS} steps, a new run taking a finished one's lane. Runs
     * so finish steadily during the load, and the trainer refits as it goes.
     */
    static final class RunSchedule {
        record Slot(int run, long step, boolean first, boolean last) {
        }

        private final int[] run;
        private final int[] step;
        private int nextRun;
        private long count;

        RunSchedule(int lanes) {
            this.run = new int[Math.max(1, lanes)];
            this.step = new int[run.length];
        }

        Slot next() {
            int lane = (int) (count++ % run.length);
            boolean first = step[lane] == 0;
            if (first) {
                run[lane] = nextRun++;
            }
            int s = ++step[lane];
            boolean last = s == SyntheticCheckpoints.PLANNED_STEPS;
            if (last) {
                step[lane] = 0;
            }
            return new Slot(run[lane], s, first, last);
        }
    }

    private void awaitWarmUp(OutputTally tally, String[] keys, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < count && all; i++) {
                OutputTally.Counts c = tally.all().get(keys[i]);
                all = c != null && c.scores > 0;
            }
            if (all) {
                progress.printf(Locale.ROOT, "chaos: warm-up of %d checkpoints scored after %.1f s; load starts%n", count,
                        (System.nanoTime() - t0) / 1e9);
                return;
            }
            LockSupport.parkNanos(100_000_000L);
        }
        notes.add("the warm-up was not scored within 180 s; the load started anyway");
    }

    /** A made-up final accuracy in [0.1, 0.95], fixed per run (the golden-ratio sequence spreads it evenly). */
    private static double label(int run) {
        double frac = (run * 0.6180339887) % 1.0;
        return Math.round((0.1 + 0.85 * frac) * 1e4) / 1e4;
    }

    private void event(CheckpointPublisher events, RunEvent e) {
        try {
            events.publishEvent(e).whenComplete((ok, error) -> {
                if (error != null) {
                    eventFailures.incrementAndGet();
                }
            });
        } catch (RuntimeException ex) {
            eventFailures.incrementAndGet();
        }
    }

    private void sendFailed(Throwable error) {
        failed.incrementAndGet();
        firstFailure.compareAndSet(null, String.valueOf(error));
    }

    /** Every send answered (acked or failed), or 240 s passed (delivery.timeout.ms is 120 s). */
    private void awaitAcks(CheckpointSender sender) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (acked.get() + failed.get() < total() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (acked.get() + failed.get() < total()) {
            notes.add((total() - acked.get() - failed.get()) + " sends still unanswered after 240 s");
        }
    }

    /** SIGKILL every target at once, wait the downtime, start them again on the same dirs, and time readiness. */
    private void killAndRestart(ProcessStack stack, OutputTally tally, long killIndex) {
        try {
            record Killed(String target, long pid, int status, long atNanos, long features, long scores, List<Long> models) {
            }
            List<Killed> killed = new ArrayList<>();
            for (String target : options.kill()) {
                boolean scaled = scaledOut(target);
                String name = scaled ? stack.instancesOf(target).get(0) : target;
                Map<String, List<String>> owners = scaled ? GroupAssignments.of(stack.bootstrap(), group(stack, target), stack.instancesOf(target)) : null;
                ServiceProcess p = stack.process(name);
                long pid = p.pid();
                long features = tally.features();
                long scores = tally.scores();
                long at = System.nanoTime();
                int status = p.kill();
                progress.printf(Locale.ROOT, "chaos: SIGKILLed %s (pid %d) at %.1f s after %d sends, %d features and %d scores: "
                        + "exit status %d%n", name, pid, (at - t0) / 1e9, killIndex, features, scores, status);
                if (scaled) {
                    progress.println("chaos: not restarted; " + group(stack, target) + " at the kill: " + owners);
                    killedInstances.add(new KilledInstance(name, target, group(stack, target), owners, at));
                    kills.add(new ChaosReport.Kill(name, pid, status, round((at - t0) / 1e9), killIndex, features, scores,
                            tally.modelVersions(), null, null, null, null, null, -1));
                } else {
                    killed.add(new Killed(target, pid, status, at, features, scores, tally.modelVersions()));
                }
            }
            if (killed.isEmpty()) {
                phase = "survivors taking over";
                return;
            }
            phase = "down";
            Thread.sleep((long) (options.downtimeSeconds() * 1000));
            // The broker first: the services' state and the clients' retries need it back.
            killed.sort((a, b) -> Boolean.compare(!a.target().equals("broker"), !b.target().equals("broker")));
            long restart = System.nanoTime();
            for (Killed k : killed) {
                stack.process(k.target()).start();
            }
            phase = "restarting";
            progress.printf(Locale.ROOT, "chaos: restarted %s at %.1f s%n", options.kill(), (restart - t0) / 1e9);
            long deadline = System.currentTimeMillis() + RESTART_TIMEOUT_MS;
            for (Killed k : killed) {
                boolean ready = stack.awaitReady(k.target(), deadline);
                Double readySeconds = ready ? round((System.nanoTime() - restart) / 1e9) : null;
                if (!ready) {
                    notes.add(k.target() + " was not ready " + RESTART_TIMEOUT_MS / 1000 + " s after its restart; see "
                            + stack.process(k.target()).outputFile());
                }
                progress.printf(Locale.ROOT, "chaos: %s %s%n", k.target(), ready ? "ready " + readySeconds + " s after the restart" : "NOT ready");
                kills.add(new ChaosReport.Kill(k.target(), k.pid(), k.status(), round((k.atNanos() - t0) / 1e9), killIndex,
                        k.features(), k.scores(), k.models(), round((restart - t0) / 1e9), readySeconds, null, null, null, stack.process(k.target()).pid()));
            }
            phase = "load after restart";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            notes.add("kill/restart failed: " + e);
            progress.println("chaos: kill/restart failed: " + e);
        }
    }

    /** Until every sent key has its checkpoint, feature and score, nothing new arrived for a while, and no transaction is open. */
    private boolean settle(OutputTally tally, String[] keys) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (options.settleTimeoutSeconds() * 1e9);
        while (System.nanoTime() < deadline) {
            if (complete(tally, keys) && tally.quietSeconds() >= options.quietSeconds() && tally.atStableEnd()) {
                return true;
            }
            Thread.sleep(200);
        }
        notes.add("not quiet within " + options.settleTimeoutSeconds() + " s: the counts are what had arrived by then");
        return false;
    }

    private static boolean complete(OutputTally tally, String[] keys) {
        for (String k : keys) {
            OutputTally.Counts c = k == null ? null : tally.all().get(k);
            if (c == null || c.checkpoints == 0 || c.features < 1 || c.scores < 1) { // copies of a checkpoint get none of their own
                return false;
            }
        }
        return true;
    }

    private ChaosReport.Verification verify(OutputTally tally, String[] keys, long[] sendNanos, boolean settled, double settleSeconds) {
        KeyCheck k = checkKeys(tally.all(), keys);
        List<Long> versions = tally.modelVersions();
        long versionProblems = versionProblems(versions);
        if (versions.isEmpty()) {
            notes.add("no model version was published: the trainer's side of the check did not run");
        }
        long httpRetries = httpSender == null ? 0 : httpSender.retried();
        long httpBroken = httpSender == null ? 0 : httpSender.retriedAfterBrokenConnection();
        double[] gap = maxScoreGap(tally, keys);
        return new ChaosReport.Verification(total(), acked.get(), failed.get(), firstFailure.get(),
                httpRetries, httpBroken, tally.checkpointRecords(), tally.features(), tally.scores(), k.missing(), k.missingCheckpoints(),
                k.missingFeatures(), k.missingScores(), k.duplicates(), k.duplicateFeatures(), k.duplicateScores(),
                k.upstreamDuplicates(), k.unexpectedKeys(), k.examples(),
                tally.deadLetters(), tally.unreadable(), versions, versionProblems, eventFailures.get(), round(settleSeconds),
                settled, gap == null ? null : round(gap[0]), gap == null ? null : round(gap[1]), tally.readLag());
    }

    /** What came back for the (run, step) keys sent, counted without deduplication (a key seen twice counts twice). */
    record KeyCheck(long missing, long missingCheckpoints, long missingFeatures, long missingScores, long duplicates,
                    long duplicateFeatures, long duplicateScores, long upstreamDuplicates, long unexpectedKeys, List<String> examples) {
    }

    /**
     * The exactly-once verdict on the tally's counts: every (run, step) was sent once (its retries carry the same bytes),
     * so it must have one feature and one score however many checkpoint records its retries left in the topic (streams
     * drops those copies): none is missing, more is duplicated; a counted key that was never sent is unexpected. Up to
     * 10 examples name the keys at fault.
     */
    static KeyCheck checkKeys(Map<String, OutputTally.Counts> all, String[] keys) {
        long missing = 0;
        long missingCheckpoints = 0;
        long missingFeatures = 0;
        long missingScores = 0;
        long duplicates = 0;
        long duplicateFeatures = 0;
        long duplicateScores = 0;
        long upstream = 0;
        List<String> examples = new ArrayList<>();
        java.util.Set<String> sent = new java.util.HashSet<>(Arrays.asList(keys));
        for (String k : sent) {
            OutputTally.Counts c = k == null ? null : all.get(k);
            int cp = c == null ? 0 : c.checkpoints;
            int f = c == null ? 0 : c.features;
            int s = c == null ? 0 : c.scores;
            boolean miss = cp == 0 || f < 1 || s < 1;
            boolean dup = f > 1 || s > 1;
            missingCheckpoints += cp == 0 ? 1 : 0;
            missingFeatures += f < 1 ? 1 : 0;
            missingScores += s < 1 ? 1 : 0;
            duplicateFeatures += f > 1 ? 1 : 0;
            duplicateScores += s > 1 ? 1 : 0;
            upstream += cp > 1 ? 1 : 0;
            if (miss) {
                missing++;
            }
            if (dup) {
                duplicates++;
            }
            if ((miss || dup || cp > 1) && examples.size() < 10) {
                examples.add(k + ": checkpoints=" + cp + " features=" + f + " scores=" + s);
            }
        }
        long unexpected = all.keySet().stream().filter(k -> !sent.contains(k)).count();
        return new KeyCheck(missing, missingCheckpoints, missingFeatures, missingScores, duplicates, duplicateFeatures,
                duplicateScores, upstream, unexpected, examples);
    }

    /** Model versions in offset order that are not above the one before (each should be a new, higher version). */
    static long versionProblems(List<Long> versions) {
        long problems = 0;
        for (int i = 1; i < versions.size(); i++) {
            if (versions.get(i) <= versions.get(i - 1)) {
                problems++;
            }
        }
        return problems;
    }

    /** The longest pause between consecutive first scores while the load ran and drained: how long scoring stalled. */
    private double[] maxScoreGap(OutputTally tally, String[] keys) {
        long[] times = Arrays.stream(keys).map(k -> k == null ? null : tally.all().get(k)).filter(c -> c != null && c.scores > 0)
                .mapToLong(c -> c.firstScoreNanos).sorted().toArray();
        if (times.length < 2) {
            return null;
        }
        long best = 0;
        long at = times[0];
        for (int i = 1; i < times.length; i++) {
            if (times[i] - times[i - 1] > best) {
                best = times[i] - times[i - 1];
                at = times[i - 1];
            }
        }
        return new double[] {best / 1e9, (at - t0) / 1e9};
    }

    /** recovery = from the restart until every checkpoint sent before the restart had its first score. */
    private List<ChaosReport.Kill> recovery(OutputTally tally, String[] keys, long[] sendNanos) {
        List<ChaosReport.Kill> out = new ArrayList<>();
        for (ChaosReport.Kill k : kills) {
            if (k.restartAtSeconds() == null) { // not restarted: its takeover says when its work went on
                out.add(k);
                continue;
            }
            long restart = t0 + (long) (k.restartAtSeconds() * 1e9);
            long last = Long.MIN_VALUE;
            boolean all = true;
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == null || sendNanos[i] >= restart) {
                    continue;
                }
                OutputTally.Counts c = tally.all().get(keys[i]);
                if (c == null || c.scores == 0) {
                    all = false;
                    break;
                }
                last = Math.max(last, c.firstScoreNanos);
            }
            Double recovery = all ? round(Math.max(0, last - restart) / 1e9) : null;
            String topic = outputTopic(k.target(), tally);
            Long resumed = tally.firstArrivalAfter(topic, restart);
            out.add(new ChaosReport.Kill(k.target(), k.pid(), k.exitStatus(), k.killAtSeconds(), k.killAtSent(), k.featuresAtKill(),
                    k.scoresAtKill(), k.modelVersionsAtKill(), k.restartAtSeconds(),
                    k.readySeconds(), topic, resumed == null ? null : round((resumed - restart) / 1e9), recovery, k.newPid()));
        }
        return out;
    }

    /** A scaled-out instance killed for good, and who owned what at that moment. */
    private record KilledInstance(String name, String service, String group, Map<String, List<String>> owners, long atNanos) {
    }

    /** Whether {@code target} runs as several instances, so that a kill leaves it to the survivors. */
    private boolean scaledOut(String target) {
        return options.instances() > 1 && ProcessStack.SCALABLE.contains(target);
    }

    /** The consumer group (application id) of a scalable service's main Kafka Streams app. */
    private static String group(ProcessStack stack, String service) {
        return stack.settings().asMap().getOrDefault(service + ".application.id", stack.topics().prefix() + service);
    }

    /** Each scaled-out group's members and partitions (streams, its spectral worker, scorer); empty with one instance each. */
    private Map<String, Map<String, List<String>>> assignments(ProcessStack stack) {
        Map<String, Map<String, List<String>>> out = new java.util.LinkedHashMap<>();
        if (options.instances() <= 1) {
            return out;
        }
        Map<String, String> groups = new java.util.LinkedHashMap<>();
        groups.put("streams", group(stack, "streams"));
        groups.put("streams-spectra", stack.settings().asMap().getOrDefault("streams.spectra.application.id",
                stack.topics().prefix() + "streams-spectra"));
        groups.put("scorer", group(stack, "scorer"));
        groups.forEach((service, g) -> {
            try {
                out.put(g, GroupAssignments.of(stack.bootstrap(), g, stack.instancesOf(service.equals("streams-spectra") ? "streams" : service)));
            } catch (Exception e) {
                notes.add("could not describe group " + g + ": " + e);
            }
        });
        return out;
    }

    /**
     * For each instance killed for good: from the kill to the first output made for an input partition it owned
     * (features by computed_at for streams, scores by scored_at for the scorer). Its own last records were made
     * before the kill, and an open transaction of it was aborted, never read; so the first such record after the
     * kill is a survivor's.
     */
    private List<ChaosReport.Takeover> takeovers(OutputTally tally, String[] keys) {
        List<ChaosReport.Takeover> out = new ArrayList<>();
        for (KilledInstance k : killedInstances) {
            boolean streams = k.service().equals("streams");
            String input = streams ? tally.topics().checkpoints() : tally.topics().features();
            List<Integer> owned = GroupAssignments.partitionsOf(input, k.owners().getOrDefault(k.name(), List.of()));
            long best = Long.MAX_VALUE;
            String first = null;
            for (String key : keys) {
                OutputTally.Counts c = key == null ? null : tally.all().get(key);
                if (c == null || (streams ? c.features : c.scores) == 0) {
                    continue;
                }
                int partition = streams ? c.checkpointPartition : c.featurePartition;
                long made = streams ? c.firstFeatureNanos : c.firstScoreNanos;
                if (owned.contains(partition) && made > k.atNanos() && made < best) {
                    best = made;
                    first = key + " (" + input + "-" + partition + ")";
                }
            }
            String session = options.settings().getOrDefault(k.service() + ".kafka.session.timeout.ms", "45000 (the consumer's default)");
            out.add(new ChaosReport.Takeover(k.name(), k.group(), input, owned, k.owners(), round((k.atNanos() - t0) / 1e9),
                    first == null ? null : round((best - k.atNanos()) / 1e9), first, session));
        }
        return out;
    }

    /** Where a restarted process's work shows first. */
    private static String outputTopic(String target, OutputTally tally) {
        return switch (target) {
            case "streams" -> tally.topics().features();
            case "trainer" -> tally.topics().models();
            case "ingest" -> tally.topics().checkpoints();
            default -> tally.topics().scores();
        };
    }

    private ChaosReport.Config config(ProcessStack stack) {
        int runs = (total() + SyntheticCheckpoints.PLANNED_STEPS - 1) / SyntheticCheckpoints.PLANNED_STEPS;
        return new ChaosReport.Config(options.kill(), KILL_METHOD, options.killAt(), options.downtimeSeconds(), options.warmup(), options.checkpoints(),
                runs, options.concurrentRuns(), options.rate(), options.maxInFlight(), options.via(), options.partitions(),
                checkpoints.checkpoint(runPrefix + "size", 1).length, stack.names(), options.jvmOptions(), runPrefix, options.settings(),
                options.instances());
    }

    /** A progress line on stderr every 2 s. */
    private Thread ticker(OutputTally tally) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
                double at = t0 == 0 ? 0 : (System.nanoTime() - t0) / 1e9;
                progress.printf(Locale.ROOT, "chaos %6.1f s [%s] acked %d/%d failed %d | topic: checkpoints %d features %d scores %d models %s%n",
                        at, phase, acked.get(), total(), failed.get(), tally.checkpointRecords(), tally.features(),
                        tally.scores(), tally.modelVersions().size());
            }
        }, "chaos-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private String runId(int run) {
        return runPrefix + String.format(Locale.ROOT, "%04d", run);
    }

    private static void parkUntil(long nanos) {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

}
