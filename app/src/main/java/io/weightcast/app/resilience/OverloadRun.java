package io.weightcast.app.resilience;

import io.weightcast.app.load.BenchMachine;
import io.weightcast.app.load.LatencyRecorder;
import io.weightcast.app.load.LoadHarness;
import io.weightcast.app.load.SyntheticCheckpoints;
import io.weightcast.app.stack.ProcessStack;
import io.weightcast.app.stack.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Overload of the ingest gateway: the pipeline as separate processes ({@link ProcessStack}, so the
 * ingest JVM's RSS and heap are its own), then open-loop HTTP checkpoint load in three phases:
 * baseline (a rate the pipeline sustains), overload (e.g. 10× that), after (the baseline rate again).
 * Each request is recorded with its send time, status and latency; each accepted checkpoint is followed
 * to its score. Admission control should answer the excess with 429 + Retry-After quickly, keep the
 * heap bounded, and the latencies should come back to the baseline's once the excess stops.
 */
final class OverloadRun {

    record Options(double warmupSeconds, double baselineRate, double baselineSeconds, double offeredRate, double overloadSeconds, double afterSeconds,
                   double drainSeconds, int maxInFlight, int runs, long seed, List<String> jvmOptions,
                   Map<String, String> settings, Path dataDir) {
    }

    private static final double BOUND_FACTOR = 2.0;
    private static final int STABLE_WINDOWS = 3;

    /** One request. Fields written once by the sender, then once by the response callback. */
    private static final class Request {
        final String key;
        final int phase;
        final long sendNanos;
        volatile long doneNanos;
        volatile String status;

        Request(String key, int phase, long sendNanos) {
            this.key = key;
            this.phase = phase;
            this.sendNanos = sendNanos;
        }
    }

    /** Index 3, the warm-up, runs first and is not reported: it warms the JVMs so the baseline is a steady state. */
    private static final String[] PHASES = {"baseline", "overload", "after", "warm-up"};
    private static final int WARMUP = 3;

    private final Options options;
    private final PrintStream progress;
    private final SyntheticCheckpoints checkpoints;
    private final String runPrefix;
    private final List<Request> requests = new ArrayList<>();
    private final long[] skipped = new long[4];
    private final Map<Integer, Map<String, AtomicLong>> retryAfter = new ConcurrentHashMap<>();
    private final List<OverloadReport.Sample> samples = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlightNow = new AtomicInteger();
    private volatile int currentPhase;
    private long heapAfterGc = -1;
    private long t0;
    private final long[] phaseStart = new long[4];
    private final long[] phaseEnd = new long[4];

    OverloadRun(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.checkpoints = SyntheticCheckpoints.of(SyntheticCheckpoints.DIGITS_CNN_PARAMS, options.seed());
        this.runPrefix = "overload" + java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)
                .format(java.time.format.DateTimeFormatter.ofPattern("MMddHHmmss")) + "-";
    }

    OverloadReport run() throws Exception {
        Instant started = Instant.now();
        String loadAtStart = ChaosReport.loadAverage();
        long wall0 = System.nanoTime();
        List<String> services = List.of("streams", "scorer", "trainer", "ingest");
        try (ProcessStack stack = new ProcessStack(options.dataDir(), services, options.settings(), options.jvmOptions())) {
            progress.println("overload: starting broker + " + services + " as separate JVMs ...");
            stack.start(Integer.parseInt(options.settings().getOrDefault("topics.partitions", "4")), 300_000);
            progress.println("overload: ready; ingest at http://127.0.0.1:" + stack.port("ingest"));
            ServiceProcess ingest = stack.process("ingest");
            ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "overload-http");
                t.setDaemon(true);
                return t;
            });
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + stack.port("ingest");
            try (OutputTally tally = new OutputTally(stack.bootstrap(), stack.topics(), runPrefix)) {
                long[] steps = new long[options.runs()];
                Semaphore inFlight = new Semaphore(options.maxInFlight());
                long counter = warmUp(client, base, inFlight, steps, tally);
                t0 = System.nanoTime();
                Thread sampler = sampler(ingest, base);
                double[] rates = {options.baselineRate(), options.offeredRate(), options.baselineRate()};
                double[] seconds = {options.baselineSeconds(), options.overloadSeconds(), options.afterSeconds()};
                for (int p = 0; p < 3; p++) {
                    currentPhase = p;
                    progress.printf(Locale.ROOT, "overload: %s, %s/s for %s s%n", PHASES[p], LoadHarness.format(rates[p]),
                            LoadHarness.format(seconds[p]));
                    counter = phase(p, rates[p], seconds[p], client, base, inFlight, steps, counter);
                }
                awaitResponses(60);
                long drainEnd = System.nanoTime() + (long) (options.drainSeconds() * 1e9);
                progress.println("overload: waiting up to " + LoadHarness.format(options.drainSeconds()) + " s for the scores ...");
                while (System.nanoTime() < drainEnd && unscored(tally) > 0) {
                    Thread.sleep(500);
                }
                sampler.interrupt();
                sampler.join(10_000);
                heapAfterGc = ingest.heapUsedAfterGcBytes();
                OverloadReport report = report(started, loadAtStart, wall0, stack, tally);
                executor.shutdownNow();
                return report;
            }
        }
    }

    /** The warm-up at the baseline rate, then until its checkpoints are scored (at most 180 s). */
    private long warmUp(HttpClient client, String base, Semaphore inFlight, long[] steps, OutputTally tally) throws InterruptedException {
        if (options.warmupSeconds() <= 0) {
            return 0;
        }
        currentPhase = WARMUP;
        progress.printf(Locale.ROOT, "overload: warm-up, %s/s for %s s, then until scored%n", LoadHarness.format(options.baselineRate()),
                LoadHarness.format(options.warmupSeconds()));
        long counter = phase(WARMUP, options.baselineRate(), options.warmupSeconds(), client, base, inFlight, steps, 0);
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < deadline && unscored(tally) > 0) {
            Thread.sleep(500);
        }
        double waited = (System.nanoTime() - phaseEnd[WARMUP]) / 1e9;
        notes.add(String.format(Locale.ROOT, "warm-up: %d checkpoints at %s/s for %s s, scored %.1f s after its end%s", counter,
                LoadHarness.format(options.baselineRate()), LoadHarness.format(options.warmupSeconds()), waited,
                unscored(tally) > 0 ? " (NOT all: the baseline starts with a backlog)" : ""));
        return counter;
    }

    /** Open loop at {@code rate}: a request whose turn comes while the client's in-flight cap is full is skipped, not delayed. */
    private long phase(int p, double rate, double seconds, HttpClient client, String base, Semaphore inFlight, long[] steps, long counter) {
        long start = System.nanoTime();
        phaseStart[p] = start;
        long end = start + (long) (seconds * 1e9);
        long period = (long) (1e9 / rate);
        for (long i = 0; ; i++) {
            long due = start + i * period;
            if (due >= end) {
                break;
            }
            parkUntil(due);
            if (!inFlight.tryAcquire()) {
                skipped[p]++;
                continue;
            }
            int run = (int) (counter++ % options.runs());
            String runId = runPrefix + String.format(Locale.ROOT, "%03d", run);
            long step = ++steps[run];
            byte[] body = checkpoints.checkpoint(runId, step);
            Request r = new Request(OutputTally.key(runId, step), p, System.nanoTime());
            synchronized (requests) {
                requests.add(r);
            }
            inFlightNow.incrementAndGet();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8)
                            + "/checkpoints?step=" + step))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                r.doneNanos = System.nanoTime();
                if (error != null) {
                    Throwable c = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    r.status = "error:" + c.getClass().getSimpleName();
                } else {
                    r.status = Integer.toString(response.statusCode());
                    if (response.statusCode() == 429) {
                        String ra = response.headers().firstValue("Retry-After").orElse("(none)");
                        retryAfter.computeIfAbsent(p, k -> new ConcurrentHashMap<>()).computeIfAbsent(ra, k -> new AtomicLong()).incrementAndGet();
                    }
                }
                inFlightNow.decrementAndGet();
                inFlight.release();
            });
        }
        parkUntil(end);
        phaseEnd[p] = System.nanoTime();
        return counter;
    }

    private void awaitResponses(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (inFlightNow.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (inFlightNow.get() > 0) {
            notes.add(inFlightNow.get() + " requests still unanswered " + seconds + " s after the last send");
        }
    }

    private long unscored(OutputTally tally) {
        long n = 0;
        synchronized (requests) {
            for (Request r : requests) {
                if ("202".equals(r.status)) {
                    OutputTally.Counts c = tally.all().get(r.key);
                    if (c == null || c.scores == 0) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Once a second: ingest's RSS and in-flight gauges; every third second its heap (jstat). */
    private Thread sampler(ServiceProcess ingest, String base) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Thread t = new Thread(() -> {
            int tick = 0;
            while (!Thread.currentThread().isInterrupted()) {
                long rss = ingest.rssBytes();
                Long heap = tick++ % 3 == 0 ? ingest.heapUsedBytes() : null;
                Double requestsGauge = null;
                Double bytesGauge = null;
                try {
                    String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    requestsGauge = gauge(metrics, "weightcast_ingest_inflight_requests");
                    bytesGauge = gauge(metrics, "weightcast_ingest_inflight_bytes");
                } catch (IOException e) {
                    // overloaded or down: the gauges stay null for this second
                } catch (InterruptedException e) {
                    return;
                }
                double at = (System.nanoTime() - t0) / 1e9;
                samples.add(new OverloadReport.Sample(Math.round(at * 10) / 10.0, PHASES[currentPhase], rss, heap, requestsGauge, bytesGauge));
                progress.printf(Locale.ROOT, "overload %5.1f s [%s] in flight %d | ingest RSS %d MB%s, gauge in-flight %s req%n", at,
                        PHASES[currentPhase], inFlightNow.get(), rss >> 20, heap == null ? "" : ", heap " + (heap >> 20) + " MB",
                        requestsGauge == null ? "?" : LoadHarness.format(requestsGauge));
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "overload-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Double gauge(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return null;
    }

    private OverloadReport report(Instant started, String loadAtStart, long wall0, ProcessStack stack, OutputTally tally) {
        List<Request> all;
        synchronized (requests) {
            all = List.copyOf(requests);
        }
        List<OverloadReport.Phase> phases = new ArrayList<>();
        double[] rates = {options.baselineRate(), options.offeredRate(), options.baselineRate()};
        for (int p = 0; p < 3; p++) {
            phases.add(phase(p, rates[p], all, tally));
        }
        List<OverloadReport.Window> windows = windows(all, tally);
        OverloadReport.Recovery recovery = recovery(phases, windows, all, tally);
        return new OverloadReport("overload", started.toString(), Instant.now().toString(), round((System.nanoTime() - wall0) / 1e9),
                BenchMachine.describe(), loadAtStart, ChaosReport.loadAverage(), config(stack), phases, memory(), recovery, tally.readLag(), windows,
                List.copyOf(samples), List.copyOf(notes));
    }

    private OverloadReport.Phase phase(int p, double rate, List<Request> all, OutputTally tally) {
        // (the warm-up's requests carry phase 3 and are skipped below)
        double seconds = (phaseEnd[p] - phaseStart[p]) / 1e9;
        Map<String, Long> statuses = new TreeMap<>();
        LatencyRecorder accepted = new LatencyRecorder();
        LatencyRecorder rejected = new LatencyRecorder();
        LatencyRecorder score = new LatencyRecorder();
        long sent = 0;
        long unscored = 0;
        for (Request r : all) {
            if (r.phase != p) {
                continue;
            }
            sent++;
            String status = r.status == null ? "unanswered" : r.status;
            statuses.merge(status, 1L, Long::sum);
            double ms = (r.doneNanos - r.sendNanos) / 1e6;
            if (status.equals("202")) {
                accepted.record(ms);
                OutputTally.Counts c = tally.all().get(r.key);
                if (c != null && c.scores > 0) {
                    score.record((c.firstScoreNanos - r.sendNanos) / 1e6);
                } else {
                    unscored++;
                }
            } else if (status.equals("429")) {
                rejected.record(ms);
            }
        }
        Map<String, Long> ra = new TreeMap<>();
        retryAfter.getOrDefault(p, Map.of()).forEach((k, v) -> ra.put(k, v.get()));
        long ok = statuses.getOrDefault("202", 0L);
        return new OverloadReport.Phase(PHASES[p], rate, round(seconds), sent, skipped[p], round(sent / seconds), ok, round(ok / seconds),
                statuses.getOrDefault("429", 0L), statuses, ra, accepted.summary(), rejected.summary(), score.summary(), unscored);
    }

    /** Per second of send time, from the first send to the last. */
    private List<OverloadReport.Window> windows(List<Request> all, OutputTally tally) {
        int n = (int) Math.ceil((phaseEnd[2] - t0) / 1e9);
        LatencyRecorder[] accepted = new LatencyRecorder[n];
        LatencyRecorder[] score = new LatencyRecorder[n];
        long[][] counts = new long[n][4];
        int[] phaseOf = new int[n];
        for (int i = 0; i < n; i++) {
            accepted[i] = new LatencyRecorder();
            score[i] = new LatencyRecorder();
        }
        for (Request r : all) {
            int w = (int) ((r.sendNanos - t0) / 1_000_000_000L);
            if (r.phase == WARMUP || r.sendNanos < t0 || w >= n) {
                continue;
            }
            phaseOf[w] = Math.max(phaseOf[w], r.phase);
            counts[w][0]++;
            if ("202".equals(r.status)) {
                counts[w][1]++;
                accepted[w].record((r.doneNanos - r.sendNanos) / 1e6);
                OutputTally.Counts c = tally.all().get(r.key);
                if (c != null && c.scores > 0) {
                    score[w].record((c.firstScoreNanos - r.sendNanos) / 1e6);
                }
            } else if ("429".equals(r.status)) {
                counts[w][2]++;
            } else {
                counts[w][3]++;
            }
        }
        List<OverloadReport.Window> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new OverloadReport.Window(i, PHASES[phaseOf[i]], counts[i][0], counts[i][1], counts[i][2], counts[i][3],
                    accepted[i].summary().p99(), score[i].summary().p99()));
        }
        return out;
    }

    private OverloadReport.Recovery recovery(List<OverloadReport.Phase> phases, List<OverloadReport.Window> windows, List<Request> all,
                                             OutputTally tally) {
        Double baseHttp = phases.get(0).acceptedLatencyMs().p99();
        Double baseScore = phases.get(0).scoreLatencyMs().p99();
        int firstAfter = (int) ((phaseStart[2] - t0) / 1_000_000_000L) + 1; // the first whole second of the after phase
        double overloadEnd = (phaseEnd[1] - t0) / 1e9;
        Double http = recoveredAt(windows, firstAfter, baseHttp, true, overloadEnd);
        Double score = recoveredAt(windows, firstAfter, baseScore, false, overloadEnd);
        long lastScore = Long.MIN_VALUE;
        boolean allScored = true;
        for (Request r : all) {
            if ((r.phase == 0 || r.phase == 1) && "202".equals(r.status)) {
                OutputTally.Counts c = tally.all().get(r.key);
                if (c == null || c.scores == 0) {
                    allScored = false;
                    break;
                }
                lastScore = Math.max(lastScore, c.firstScoreNanos);
            }
        }
        Double backlog = allScored && lastScore != Long.MIN_VALUE ? round(Math.max(0, lastScore - phaseEnd[1]) / 1e9) : null;
        return new OverloadReport.Recovery(BOUND_FACTOR, STABLE_WINDOWS, baseHttp, http, baseScore, score, backlog);
    }

    /** The start of the first run of {@link #STABLE_WINDOWS} windows whose p99 is within BOUND_FACTOR × baseline, minus the overload's end. */
    private static Double recoveredAt(List<OverloadReport.Window> windows, int from, Double baseline, boolean http, double overloadEnd) {
        if (baseline == null) {
            return null;
        }
        int streak = 0;
        for (int i = from; i < windows.size(); i++) {
            Double p99 = http ? windows.get(i).acceptedP99Ms() : windows.get(i).scoreP99Ms();
            boolean ok = p99 != null && p99 <= BOUND_FACTOR * baseline && windows.get(i).rejected429() == 0;
            streak = ok ? streak + 1 : 0;
            if (streak == STABLE_WINDOWS) {
                return round(Math.max(0, windows.get(i - STABLE_WINDOWS + 1).t() - overloadEnd));
            }
        }
        return null;
    }

    private OverloadReport.Memory memory() {
        long rssBase = -1;
        long heapBase = -1;
        long rssMax = -1;
        long heapMax = -1;
        long rssEnd = -1;
        long heapEnd = -1;
        double maxReq = 0;
        double maxBytes = 0;
        for (OverloadReport.Sample s : samples) {
            switch (s.phase()) {
                case "baseline" -> {
                    rssBase = s.rssBytes();
                    heapBase = s.heapUsedBytes() != null ? s.heapUsedBytes() : heapBase;
                }
                case "overload" -> {
                    rssMax = Math.max(rssMax, s.rssBytes());
                    heapMax = s.heapUsedBytes() != null ? Math.max(heapMax, s.heapUsedBytes()) : heapMax;
                }
                default -> {
                    rssEnd = s.rssBytes();
                    heapEnd = s.heapUsedBytes() != null ? s.heapUsedBytes() : heapEnd;
                }
            }
            maxReq = s.inflightRequests() != null ? Math.max(maxReq, s.inflightRequests()) : maxReq;
            maxBytes = s.inflightBytes() != null ? Math.max(maxBytes, s.inflightBytes()) : maxBytes;
        }
        return new OverloadReport.Memory(maxHeap(), rssBase, rssMax, rssEnd, heapBase, heapMax, heapEnd, heapAfterGc, (long) maxReq,
                (long) maxBytes);
    }

    private long maxHeap() {
        for (String o : options.jvmOptions()) {
            if (o.startsWith("-Xmx")) {
                String v = o.substring(4).toLowerCase(Locale.ROOT);
                long unit = v.endsWith("g") ? 1L << 30 : v.endsWith("m") ? 1L << 20 : v.endsWith("k") ? 1L << 10 : 1;
                return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
            }
        }
        return -1;
    }

    private OverloadReport.Config config(ProcessStack stack) {
        Map<String, String> ingest = new TreeMap<>();
        ingest.put("ingest.max.inflight.requests", options.settings().getOrDefault("ingest.max.inflight.requests", "512"));
        ingest.put("ingest.max.inflight.bytes", options.settings().getOrDefault("ingest.max.inflight.bytes", "268435456"));
        ingest.put("ingest.retry.after.seconds", options.settings().getOrDefault("ingest.retry.after.seconds", "1"));
        ingest.put("ingest.ack.timeout.ms", options.settings().getOrDefault("ingest.ack.timeout.ms", "30000"));
        return new OverloadReport.Config(options.warmupSeconds(), options.baselineRate(), options.baselineSeconds(), options.offeredRate(), options.overloadSeconds(),
                options.afterSeconds(), options.maxInFlight(), checkpoints.checkpoint(runPrefix + "size", 1).length, options.runs(), ingest,
                stack.names(), options.jvmOptions());
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
