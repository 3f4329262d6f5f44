package io.weightcast.app.live;

import io.weightcast.eval.earlystop.OptunaReplay;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The early-stopping baselines: Optuna's median, percentile and successive-halving pruners, each
 * swept over its main settings (clients/python/weightcast/demo/pruners.py), on the live runs' validation
 * accuracy as their {@code metrics} events carried it. Every order replays the history runs first
 * (run whole, told COMPLETE: the study the live runs join) and then the live runs in that order's
 * arrival order, the same orders Weightcast was judged on.
 */
public final class PrunerBaselines {
    public static final String NAME = "optuna_pruners";

    /** One pruner setting's early stopping over the orders. */
    public record Setting(String policy, Map<String, Object> params, EarlyStopQuality earlyStop) {
    }

    /**
     * @param bestPerPolicy per policy, the setting that saved the most compute while keeping every top-5% run and the
     *                      best run in every order (else the one keeping the most top-5% runs)
     */
    public record Sweep(String description, String optunaVersion, double seconds, Map<String, Setting> bestPerPolicy,
                        List<Setting> settings) {
    }

    private PrunerBaselines() {
    }

    public static Sweep run(ReplayPlan plan, int orders, long seed, Observations seen, String python, Path projectRoot,
                            Path work) throws IOException, InterruptedException {
        List<ZooRun> runs = new ArrayList<>(plan.history());
        List<ZooRun> live = plan.live().stream().filter(r -> seen.finalAccuracy(r.replayId()) != null).toList();
        runs.addAll(live);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            index.put(runs.get(i).replayId(), i);
        }
        int epochs = plan.epochs();
        double[][] valAcc = new double[runs.size()][epochs];
        for (int i = 0; i < runs.size(); i++) {
            Map<Long, Map<String, Double>> m = seen.metrics(runs.get(i).replayId());
            for (int e = 1; e <= epochs; e++) {
                Double v = m.getOrDefault((long) e, Map.of()).get("val_acc");
                valAcc[i][e - 1] = v == null ? Double.NaN : v;
            }
        }
        int h = plan.history().size();
        List<int[]> arrival = new ArrayList<>();
        for (int o = 0; o < orders; o++) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < h; i++) {
                order.add(i);
            }
            plan.withLiveOrder(seed, o).live().stream().map(r -> index.get(r.replayId())).filter(i -> i != null).forEach(order::add);
            arrival.add(order.stream().mapToInt(Integer::intValue).toArray());
        }
        OptunaReplay.Result result = OptunaReplay.run(python, projectRoot, valAcc, arrival, h, 1, work);
        double[] finals = live.stream().mapToDouble(r -> seen.finalAccuracy(r.replayId())).toArray();
        List<Setting> settings = new ArrayList<>();
        for (OptunaReplay.Setting s : result.settings()) {
            List<EarlyStopQuality> byOrder = new ArrayList<>();
            for (int[] stops : s.stopEpochs()) {
                int[] liveStops = new int[live.size()];
                System.arraycopy(stops, h, liveStops, 0, live.size());
                byOrder.add(EarlyStopQuality.ofRuns(finals, liveStops, epochs, "one arrival order"));
            }
            settings.add(new Setting(s.policy(), s.params(), EarlyStopQuality.over(byOrder,
                    "a run counts as stopped at the epoch the pruner pruned it")));
        }
        Map<String, Setting> best = new LinkedHashMap<>();
        Comparator<Setting> better = Comparator.<Setting>comparingInt(s -> keepsTheBest(s) ? 1 : 0)
                .thenComparingDouble(s -> keepsTheBest(s) ? 0 : s.earlyStop().top5Kept())
                .thenComparingDouble(s -> s.earlyStop().computeSaved());
        for (Setting s : settings) {
            best.merge(s.policy(), s, (a, b) -> better.compare(a, b) >= 0 ? a : b);
        }
        return new Sweep("Optuna " + result.optunaVersion() + " pruners on the reported val_acc, every setting of the sweep "
                + "(clients/python/weightcast/demo/pruners.py); the history runs first in every order, run whole; then the live runs "
                + "in each of the " + orders + " arrival order(s)", result.optunaVersion(), Math.round(result.seconds() * 10) / 10.0,
                best, settings);
    }

    private static boolean keepsTheBest(Setting s) {
        return s.earlyStop().top5Kept() >= 1.0 && s.earlyStop().top1Kept();
    }
}
