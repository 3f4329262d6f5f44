package io.weightcast.scorer.http;

import io.weightcast.core.records.Alert;
import io.weightcast.core.records.LayerSpectralHealth;
import io.weightcast.core.records.RunEvent;
import io.weightcast.core.records.Score;
import io.weightcast.scorer.http.LiveMessages.AlertRaised;
import io.weightcast.scorer.http.LiveMessages.Row;
import io.weightcast.scorer.http.LiveMessages.RunChange;
import io.weightcast.scorer.http.LiveMessages.ScoreChange;
import io.weightcast.scorer.http.LiveMessages.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory view of runs for the query API and the live page, fed by the committed scores, alerts and
 * run events ({@link RunsViewFeeder}). Holds the {@code scorer.view.max.runs} most recently updated runs (finished
 * ones go first); per run the latest score per step, the reported metrics per step and the last alerts. Every change
 * is also published to {@link #live()}.
 *
 * <p>Changes and their publication happen under the hub's lock, and a live client takes its snapshot
 * under the same lock: the snapshot plus the events after it are exactly the view, nothing missed or
 * doubled. The feeder is the only writer, so the lock costs it nothing but a snapshot's copy time.
 */
public final class RunsView {
    static final int MAX_ALERTS_PER_RUN = 1000;
    static final int MAX_STEPS_PER_RUN = 10_000;
    static final int RECENT_ALERTS = 100;
    /** Steps of per-layer spectra kept per run (a step holds every layer's facts, so fewer than scores). */
    static final int MAX_SPECTRA_STEPS_PER_RUN = 1000;

    /** One run in the list: its latest score and how many alerts it raised. */
    public record RunSummary(String runId, String study, Integer plannedSteps, boolean finished, Score latestScore, int alerts) {
    }

    /**
     * One run in full: scores by step and its alerts, oldest first; the final test accuracy once finished;
     * the metrics the training loop reported per step (run events of type metrics), oldest first; the per-layer
     * spectra per step (from the features records, or the spectra records of large checkpoints), oldest first.
     */
    public record RunDetail(String runId, String study, Integer plannedSteps, boolean finished, List<Score> scores, List<Alert> alerts,
                            Double finalAccuracy, List<Reported> reported, List<Spectra> spectra) {
    }

    /** The spectral facts of every weight layer of a run at one step (WeightWatcher's columns; layers in layer order). */
    public record Spectra(long step, Map<String, LayerSpectralHealth> layers) {
    }

    /** The metrics a run reported at one step (e.g. val_acc, train_loss). */
    public record Reported(long step, Map<String, Double> metrics) {
    }

    private static final class Run {
        String study;
        Integer plannedSteps;
        boolean finished;
        Double finalAccuracy;
        final TreeMap<Long, Score> scores = new TreeMap<>();
        final TreeMap<Long, Map<String, Double>> reported = new TreeMap<>();
        final List<Alert> alerts = new ArrayList<>();
        int alertCount;
        Score latest;

        Row row(String runId) {
            return Row.of(runId, study, plannedSteps, latest, finished, finalAccuracy, alertCount,
                    alerts.isEmpty() ? null : alerts.get(alerts.size() - 1));
        }
    }

    /** Default {@code scorer.view.max.runs}. */
    public static final int DEFAULT_MAX_RUNS = 10_000;
    /** How far from the least recently updated end eviction looks for a finished run before it takes an unfinished one. */
    static final int FINISHED_SCAN = 1_000;

    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /**
     * Every run id the view holds (scores, alerts, events or spectra), least recently updated first; guarded by
     * {@link #live}. Past {@link #maxRuns} the oldest finished run goes (the oldest of all when none of the
     * {@value #FINISHED_SCAN} oldest is finished): the view is for runs people watch, and Kafka keeps the rest.
     */
    private final LinkedHashMap<String, Boolean> recency = new LinkedHashMap<>(16, 0.75f, true);
    private final int maxRuns;
    private final Runnable onEvicted;
    private long evicted; // guarded by live
    /** Per run, its spectra by step; apart from {@link #runs} so spectra alone neither list a run nor change the live table. */
    private final Map<String, TreeMap<Long, Map<String, LayerSpectralHealth>>> spectra = new ConcurrentHashMap<>();
    private final LiveHub live = new LiveHub();
    private final Deque<Alert> recentAlerts = new ArrayDeque<>(); // guarded by live
    private Integer modelVersion; // guarded by live; the newest seen (versions only grow)

    /** A view of at most {@value #DEFAULT_MAX_RUNS} runs. */
    public RunsView() {
        this(DEFAULT_MAX_RUNS, () -> { });
    }

    /** @param onEvicted told once per run the view let go of (a metric) */
    public RunsView(int maxRuns, Runnable onEvicted) {
        if (maxRuns < 1) {
            throw new IllegalArgumentException("scorer.view.max.runs must be at least 1, was " + maxRuns);
        }
        this.maxRuns = maxRuns;
        this.onEvicted = onEvicted;
    }

    /** Marks {@code runId} as just updated and evicts past the bound; call under {@link #live}. */
    private void touch(String runId) {
        recency.put(runId, Boolean.TRUE);
        while (recency.size() > maxRuns) {
            String victim = victim(runId);
            recency.remove(victim);
            runs.remove(victim);
            spectra.remove(victim);
            evicted++;
            onEvicted.run();
        }
    }

    /** The oldest finished run among the oldest {@value #FINISHED_SCAN}, else the oldest run other than {@code keep}. */
    private String victim(String keep) {
        String oldest = null;
        int seen = 0;
        for (String id : recency.keySet()) {
            if (id.equals(keep)) {
                continue;
            }
            if (oldest == null) {
                oldest = id;
            }
            Run r = runs.get(id);
            if (r != null && r.finished) {
                return id;
            }
            if (++seen >= FINISHED_SCAN) {
                break;
            }
        }
        return oldest;
    }

    /** Runs held now. */
    public int size() {
        synchronized (live) {
            return recency.size();
        }
    }

    /** Runs let go of since start. */
    public long evicted() {
        synchronized (live) {
            return evicted;
        }
    }

    /** Where the view's changes are published, for {@code GET /v1/events}. */
    public LiveHub live() {
        return live;
    }

    public void onScore(Score s) {
        synchronized (live) {
            Run run = runs.computeIfAbsent(s.runId(), id -> new Run());
            Row row;
            synchronized (run) {
                run.scores.put(s.step(), s);
                if (run.scores.size() > MAX_STEPS_PER_RUN) {
                    run.scores.pollFirstEntry();
                }
                if (run.latest == null || s.step() >= run.latest.step()) {
                    run.latest = s;
                }
                run.study = s.study() != null ? s.study() : run.study;
                run.plannedSteps = s.plannedSteps() != null ? s.plannedSteps() : run.plannedSteps;
                row = run.row(s.runId());
            }
            if (s.modelVersion() != null && (modelVersion == null || s.modelVersion() > modelVersion)) {
                modelVersion = s.modelVersion();
            }
            touch(s.runId());
            live.publish("score", new ScoreChange(row, s));
        }
    }

    public void onAlert(Alert a) {
        synchronized (live) {
            Run run = runs.computeIfAbsent(a.runId(), id -> new Run());
            Row row;
            synchronized (run) {
                run.alerts.add(a);
                run.alertCount++;
                if (run.alerts.size() > MAX_ALERTS_PER_RUN) {
                    run.alerts.remove(0);
                }
                row = run.row(a.runId());
            }
            touch(a.runId());
            recentAlerts.addFirst(a);
            if (recentAlerts.size() > RECENT_ALERTS) {
                recentAlerts.removeLast();
            }
            live.publish("alert", new AlertRaised(row, a));
        }
    }

    public void onRunEvent(String runId, RunEvent e) {
        synchronized (live) {
            Run run = runs.computeIfAbsent(runId, id -> new Run());
            Row row;
            synchronized (run) {
                run.study = e.study() != null ? e.study() : run.study;
                run.plannedSteps = e.plannedSteps() != null ? e.plannedSteps() : run.plannedSteps;
                run.finished |= e.isFinished();
                if (e.isFinished()) {
                    run.finalAccuracy = e.finalTestAccuracy();
                }
                if (RunEvent.METRICS.equals(e.type())) {
                    run.reported.put(e.step(), e.metrics());
                    if (run.reported.size() > MAX_STEPS_PER_RUN) {
                        run.reported.pollFirstEntry();
                    }
                }
                row = run.row(runId);
            }
            touch(runId);
            live.publish("run", new RunChange(row, e.type(), e.step(), e.metrics()));
        }
    }

    /** One page of {@code GET /v1/runs}: the runs, and the run id to pass as {@code cursor} for the next page (null on the last). */
    public record Page(List<RunSummary> runs, String next) {
    }

    /**
     * The runs of a study (all runs when {@code study} is null), ordered by run id, at most {@code limit} of them,
     * starting after run id {@code cursor} (when not null) and skipping {@code offset} more. The cursor is the last
     * run id of the previous page, so paging stays stable while runs are added.
     */
    public Page page(String study, String cursor, int offset, int limit) {
        if (limit < 1 || offset < 0) {
            throw new IllegalArgumentException("limit must be at least 1 and offset at least 0");
        }
        List<RunSummary> matching = new ArrayList<>();
        for (RunSummary r : list()) {
            if ((study == null || study.equals(r.study())) && (cursor == null || r.runId().compareTo(cursor) > 0)) {
                matching.add(r);
            }
        }
        int from = Math.min(offset, matching.size());
        int to = (int) Math.min((long) from + limit, matching.size());
        List<RunSummary> runs = List.copyOf(matching.subList(from, to));
        return new Page(runs, to < matching.size() ? runs.get(runs.size() - 1).runId() : null);
    }

    /**
     * The per-layer spectra of a run at a step (a features record's {@code health.spectra} or a spectra record's
     * {@code layers}); empty or null layers are ignored. Shown in {@link #run} once the run is known from its scores,
     * alerts or run events; not published to the live stream.
     */
    public void onSpectra(String runId, long step, Map<String, LayerSpectralHealth> layers) {
        if (layers == null || layers.isEmpty()) {
            return;
        }
        synchronized (live) {
            TreeMap<Long, Map<String, LayerSpectralHealth>> steps = spectra.computeIfAbsent(runId, id -> new TreeMap<>());
            synchronized (steps) {
                steps.put(step, new LinkedHashMap<>(layers));
                if (steps.size() > MAX_SPECTRA_STEPS_PER_RUN) {
                    steps.pollFirstEntry();
                }
            }
            touch(runId);
        }
    }

    public List<RunSummary> list() {
        List<RunSummary> out = new ArrayList<>();
        runs.forEach((id, run) -> {
            synchronized (run) {
                out.add(new RunSummary(id, run.study, run.plannedSteps, run.finished, run.latest, run.alertCount));
            }
        });
        out.sort(Comparator.comparing(RunSummary::runId));
        return out;
    }

    public Optional<RunDetail> run(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            return Optional.empty();
        }
        synchronized (run) {
            List<Reported> reported = new ArrayList<>();
            run.reported.forEach((step, metrics) -> reported.add(new Reported(step, metrics)));
            return Optional.of(new RunDetail(runId, run.study, run.plannedSteps, run.finished,
                    List.copyOf(run.scores.values()), List.copyOf(run.alerts), run.finalAccuracy, reported, spectra(runId)));
        }
    }

    private List<Spectra> spectra(String runId) {
        TreeMap<Long, Map<String, LayerSpectralHealth>> steps = spectra.get(runId);
        List<Spectra> out = new ArrayList<>();
        if (steps != null) {
            synchronized (steps) {
                steps.forEach((step, layers) -> out.add(new Spectra(step, layers)));
            }
        }
        return out;
    }

    /** The whole table for a newly connected live client; call under the hub's lock (see {@link LiveHub#subscribe}). */
    Snapshot snapshot() {
        synchronized (live) {
            List<Row> rows = new ArrayList<>();
            runs.forEach((id, run) -> {
                synchronized (run) {
                    rows.add(run.row(id));
                }
            });
            rows.sort(Comparator.comparing(Row::runId));
            return new Snapshot(modelVersion, rows, List.copyOf(recentAlerts));
        }
    }
}
