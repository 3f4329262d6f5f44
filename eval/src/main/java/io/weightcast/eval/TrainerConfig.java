package io.weightcast.eval;

import io.weightcast.core.config.Settings;
import io.weightcast.trainer.FitParams;
import io.weightcast.trainer.TrainerSettings;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainer's configuration as a user gets it (its settings' defaults, {@link TrainerSettings}), with the benchmark's
 * threads and a split seed of its own: what every predictor of the benchmark is fitted with.
 *
 * @param params       the trainer's fit parameters
 * @param serveAllRuns {@code trainer.serve.all.runs}
 */
public record TrainerConfig(FitParams params, boolean serveAllRuns) {

    /** The trainer's defaults with {@code threads} LightGBM threads; the trainer's split seed unless it is the benchmark's. */
    public static TrainerConfig defaults(int threads, long benchmarkSeed) {
        TrainerSettings s = TrainerSettings.from(Settings.of(Map.of()));
        FitParams p = s.fitParams();
        // with the benchmark's seed, the hash that held out the benchmark's test runs (below its test fraction) would
        // leave none of the training runs below the trainer's holdout fraction
        int splitSeed = p.seed() == benchmarkSeed ? p.seed() + 1 : p.seed();
        FitParams params = new FitParams(p.holdoutFraction(), splitSeed, threads, p.numIterations(), false, p.conformalFolds(),
                p.guardLevel(), p.booster(), p.stopShares(), p.guardOnTopRuns(), p.consecutive());
        return new TrainerConfig(params, s.serveAllRuns());
    }

    /**
     * The same fit without the cross-conformal calibration: for predictors whose intervals nobody reads (the calibration
     * changes no prediction, it costs {@code conformalFolds} extra fits).
     */
    public TrainerConfig uncalibrated() {
        return new TrainerConfig(params.withConformalFolds(0), serveAllRuns);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("booster", params.booster().name());
        m.put("lightgbm", params.booster().lightGbmParams(1000, params.numThreads(), params.seed()));
        m.put("iterations", params.booster().iterations());
        m.put("holdout_fraction", params.holdoutFraction());
        m.put("conformal_folds", params.conformalFolds());
        m.put("early_stop_guard_level", params.guardLevel());
        m.put("early_stop_guard_on_top_runs", params.guardOnTopRuns());
        m.put("early_stop_consecutive", params.consecutive());
        m.put("serve_all_runs", serveAllRuns);
        m.put("split_seed", params.seed());
        return m;
    }
}
