package io.weightcast.app.live;

import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.model.RegressionMetrics;
import io.weightcast.core.records.Alert;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.Score;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Judges a replay from what the topics carried ({@link Observations}): the live runs' scores per
 * epoch against their final test accuracy (from their {@code finished} events), the alerts against
 * the outcome each promises, early stopping by the EARLY_STOP_CANDIDATE alerts, and ingest→score
 * latency.
 */
public final class LiveJudge {
    /** Test-split sizes of the zoo sources (clients/python/weightcast/demo/datasets.py), for the chance threshold. */
    private static final Map<String, Integer> TEST_SIZE = Map.of("digits", 360, "fashion-mnist", 1000);
    static final double CHANCE = 0.1;

    private final ReplayPlan plan;
    private final Observations seen;

    public LiveJudge(ReplayPlan plan, Observations seen) {
        this.plan = plan;
        this.seen = seen;
    }

    /** The live runs whose label arrived, in plan order. */
    List<ZooRun> labelled() {
        return plan.live().stream().filter(r -> seen.finalAccuracy(r.replayId()) != null).toList();
    }

    public List<EpochQuality> byEpoch() {
        List<EpochQuality> out = new ArrayList<>();
        for (int e = 1; e <= plan.epochs(); e++) {
            List<double[]> rows = new ArrayList<>();
            List<boolean[]> cover = new ArrayList<>();
            boolean all80 = true;
            boolean all95 = true;
            for (ZooRun run : labelled()) {
                Optional<Observations.Scored> s = seen.scored(run.replayId(), e);
                if (s.isEmpty() || s.get().score().predictedFinalAccuracy() == null) {
                    continue;
                }
                double y = seen.finalAccuracy(run.replayId());
                Score score = s.get().score();
                Interval i80 = interval(score, 0.8);
                Interval i95 = interval(score, 0.95);
                all80 &= i80 != null;
                all95 &= i95 != null;
                rows.add(new double[] {y, score.predictedFinalAccuracy()});
                cover.add(new boolean[] {i80 != null && i80.low() <= y && y <= i80.high(),
                        i95 != null && i95.low() <= y && y <= i95.high()});
            }
            double[] y = rows.stream().mapToDouble(r -> r[0]).toArray();
            double[] p = rows.stream().mapToDouble(r -> r[1]).toArray();
            boolean[] c80 = new boolean[rows.size()];
            boolean[] c95 = new boolean[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                c80[i] = cover.get(i)[0];
                c95[i] = cover.get(i)[1];
            }
            out.add(EpochQuality.of(e, y, p, all80 ? c80 : null, all95 ? c95 : null));
        }
        return out;
    }

    /** The interval of {@code level} the score carries, or null. */
    static Interval interval(Score s, double level) {
        if (s.intervals() != null) {
            for (Interval i : s.intervals()) {
                if (Math.abs(i.level() - level) < 1e-9) {
                    return i;
                }
            }
        }
        return s.interval() != null && Math.abs(s.interval().level() - level) < 1e-9 ? s.interval() : null;
    }

    /** The study reference the early-stop outcome is judged against: the 75th percentile of the history runs' final accuracy. */
    public double reference() {
        double[] finals = plan.history().stream().map(r -> seen.finalAccuracy(r.replayId())).filter(v -> v != null)
                .mapToDouble(Double::doubleValue).toArray();
        return finals.length == 0 ? Double.NaN : RegressionMetrics.quantile(finals, 0.75);
    }

    public double chanceThreshold() {
        int n = TEST_SIZE.getOrDefault(plan.manifest().source(), 360);
        return CHANCE + 3 * Math.sqrt(CHANCE * (1 - CHANCE) / n);
    }

    public Map<String, AlertQuality> alerts() {
        List<ZooRun> runs = labelled();
        double ref = reference();
        double chance = chanceThreshold();
        Map<String, AlertQuality> out = new LinkedHashMap<>();
        out.put(Alert.EARLY_STOP_CANDIDATE, quality(runs, Alert.EARLY_STOP_CANDIDATE, r -> finalOf(r) < ref, String.format(Locale.ROOT,
                "finishes below the study reference: the 75th percentile of the history runs' final test accuracy (%.3f)", ref)));
        out.put(Alert.DYING_RELU, quality(runs, Alert.DYING_RELU, this::dyingAtEnd,
                "some layer has >= 50% of its units dead on real inputs at the final epoch (the loop's reported "
                        + "dead_fraction/<layer>, core DyingReluModel.label)"));
        out.put(Alert.NONFINITE_WEIGHTS, quality(runs, Alert.NONFINITE_WEIGHTS, ZooRun::hasNonFiniteWeights,
                "a checkpoint of the run holds a NaN or infinite weight"));
        out.put(Alert.SPECTRAL_COLLAPSE, quality(runs, Alert.SPECTRAL_COLLAPSE, r -> finalOf(r) <= chance, String.format(Locale.ROOT,
                "the run ends at chance: final test accuracy <= 0.1 + 3 standard errors (%.3f)", chance)));
        for (Alert a : seen.alerts()) {
            out.computeIfAbsent(a.kind(), k -> quality(runs, k, r -> false, "no outcome defined for this kind yet"));
        }
        return out;
    }

    private double finalOf(ZooRun r) {
        return seen.finalAccuracy(r.replayId());
    }

    private boolean dyingAtEnd(ZooRun r) {
        Map<String, Double> last = seen.metrics(r.replayId()).get((long) plan.epochs());
        return Boolean.TRUE.equals(DyingReluModel.label(last));
    }

    private AlertQuality quality(List<ZooRun> runs, String kind, java.util.function.Predicate<ZooRun> outcome, String text) {
        Set<String> flagged = flagged(kind);
        int f = 0;
        int pos = 0;
        int hit = 0;
        for (ZooRun r : runs) {
            boolean isFlagged = flagged.contains(r.replayId());
            boolean isPositive = outcome.test(r);
            f += isFlagged ? 1 : 0;
            pos += isPositive ? 1 : 0;
            hit += isFlagged && isPositive ? 1 : 0;
        }
        return new AlertQuality(f, pos, runs.isEmpty() ? Double.NaN : (double) f / runs.size(), f == 0 ? null : (double) hit / f,
                pos == 0 ? null : (double) hit / pos, text, bySignal(runs, kind, outcome));
    }

    /** Each flagged run by its first alert of the kind's {@code signal} evidence and severity. */
    private Map<String, AlertQuality.Signal> bySignal(List<ZooRun> runs, String kind, java.util.function.Predicate<ZooRun> outcome) {
        Map<String, String> first = new HashMap<>();
        for (Alert a : seen.alerts()) {
            if (a.kind().equals(kind)) {
                Object signal = a.evidence() == null ? null : a.evidence().get("signal");
                first.putIfAbsent(a.runId(), (signal == null ? "-" : signal) + "/" + a.severity());
            }
        }
        Map<String, int[]> counts = new java.util.TreeMap<>();
        for (ZooRun r : runs) {
            String signal = first.get(r.replayId());
            if (signal != null) {
                int[] c = counts.computeIfAbsent(signal, s -> new int[2]);
                c[0]++;
                c[1] += outcome.test(r) ? 1 : 0;
            }
        }
        Map<String, AlertQuality.Signal> out = new LinkedHashMap<>();
        counts.forEach((s, c) -> out.put(s, new AlertQuality.Signal(c[0], c[1])));
        return out;
    }

    private Set<String> flagged(String kind) {
        Set<String> out = new HashSet<>();
        seen.alerts().stream().filter(a -> a.kind().equals(kind)).forEach(a -> out.add(a.runId()));
        return out;
    }

    /**
     * Had each live run stopped at its first EARLY_STOP_CANDIDATE alert (one order): the epochs saved and the best
     * runs kept. A run alerted at its last checkpoint saved nothing and counts as kept, as a pruned-at-the-end trial.
     */
    public EarlyStopQuality earlyStop() {
        List<ZooRun> runs = labelled();
        Map<String, Long> first = new LinkedHashMap<>();
        for (Alert a : seen.alerts()) {
            if (a.kind().equals(Alert.EARLY_STOP_CANDIDATE)) {
                first.merge(a.runId(), a.step(), Math::min);
            }
        }
        int epochs = plan.epochs();
        double[] finals = new double[runs.size()];
        int[] stops = new int[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            finals[i] = finalOf(runs.get(i));
            Long at = first.get(runs.get(i).replayId());
            stops[i] = at == null ? epochs : (int) Math.max(1, Math.min(epochs, at));
        }
        return EarlyStopQuality.ofRuns(finals, stops, epochs,
                "one arrival order of the live runs; a run counts as stopped at its first EARLY_STOP_CANDIDATE alert");
    }

    /** Send → score arrival of every live checkpoint scored. */
    public LatencyQuality latency(Integer historyModelVersion) {
        List<Double> s = new ArrayList<>();
        for (ZooRun r : plan.live()) {
            for (int e = 1; e <= plan.epochs(); e++) {
                Long sent = seen.sentNanos(r.replayId(), e);
                Optional<Observations.Scored> sc = seen.scored(r.replayId(), e);
                if (sent != null && sc.isPresent()) {
                    s.add((sc.get().arrivalNanos() - sent) / 1e9);
                }
            }
        }
        double[] v = s.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int newer = (int) seen.models().stream().map(m -> m.model().version())
                .filter(ver -> historyModelVersion == null || ver > historyModelVersion).distinct().count();
        return new LatencyQuality(v.length, rank(v, 0.5), rank(v, 0.99), v.length == 0 ? Double.NaN : v[v.length - 1], newer);
    }

    /** Nearest rank. */
    static double rank(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int r = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, r - 1))];
    }
}
