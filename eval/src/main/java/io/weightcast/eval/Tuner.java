package io.weightcast.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Tunes LightGBM by K-fold cross-validation on the TRAINING runs only (folds by run): a small
 * random search (the trainer's defaults first, then random configurations), each configuration's
 * number of trees by early stopping on the folds' mean validation MSE. The winner is then also
 * cross-validated as one model per epoch; the mode with the lower CV MSE is kept.
 */
public final class Tuner {
    /** One configuration tried: its best number of trees and CV MSE there. */
    public record Trial(GbmParams params, double mse) {
    }

    /** The result of a search. */
    public record Search(TunedModel best, List<Trial> trials, double pooledMse, double perEpochMse, double seconds) {
    }

    private final List<EvalRun> train;
    private final int epochs;
    private final int[] fold;
    private final int folds;
    private final int maxIterations;
    private final int threads;
    private final long seed;
    private final Progress progress;

    public Tuner(List<EvalRun> train, int epochs, int folds, int maxIterations, int threads, long seed, Progress progress) {
        this.train = train;
        this.epochs = epochs;
        this.folds = folds;
        this.fold = RunFolds.assign(train.size(), folds, seed);
        this.maxIterations = maxIterations;
        this.threads = threads;
        this.seed = seed;
        this.progress = progress;
    }

    public Search search(FeatureSet set, int configs) {
        long t0 = System.nanoTime();
        int[] cols = set.columns();
        FoldRows pooled = foldRows(cols, 0);
        Random rnd = new Random(seed ^ 0x5eedL);
        List<Trial> trials = new ArrayList<>();
        progress.start("tune " + set.name(), configs + epochs);
        for (int c = 0; c < configs; c++) {
            GbmParams p = c == 0 ? GbmParams.defaults(maxIterations) : GbmParams.sample(rnd, maxIterations);
            Gbm.CvResult r = Gbm.crossValidate(pooled.train, pooled.valid, p, maxIterations, threads, seed);
            trials.add(new Trial(p.withIterations(r.iterations()), r.mse()));
            progress.advance(1);
        }
        Trial best = trials.stream().min(Comparator.comparingDouble(Trial::mse)).orElseThrow();
        TunedModel perEpoch = perEpoch(cols, best.params());
        progress.finish();
        TunedModel pooledModel = new TunedModel(best.params(), ModelMode.POOLED, new int[] {best.params().iterations()}, best.mse());
        TunedModel chosen = perEpoch.cvMse() < pooledModel.cvMse() ? perEpoch : pooledModel;
        return new Search(chosen, trials, pooledModel.cvMse(), perEpoch.cvMse(), (System.nanoTime() - t0) / 1e9);
    }

    /** Only the number of trees (per mode) for a given configuration: for the sets not searched. */
    public TunedModel iterations(FeatureSet set, GbmParams params, ModelMode mode) {
        int[] cols = set.columns();
        if (mode == ModelMode.PER_EPOCH) {
            return perEpoch(cols, params);
        }
        FoldRows pooled = foldRows(cols, 0);
        Gbm.CvResult r = Gbm.crossValidate(pooled.train, pooled.valid, params, maxIterations, threads, seed);
        return new TunedModel(params.withIterations(r.iterations()), ModelMode.POOLED, new int[] {r.iterations()}, r.mse());
    }

    private TunedModel perEpoch(int[] cols, GbmParams params) {
        int[] iterations = new int[epochs];
        double sum = 0;
        for (int e = 1; e <= epochs; e++) {
            FoldRows rows = foldRows(cols, e);
            Gbm.CvResult r = Gbm.crossValidate(rows.train, rows.valid, params, maxIterations, threads, seed);
            iterations[e - 1] = r.iterations();
            sum += r.mse();
            progress.advance(1);
        }
        // every run has every epoch, so the mean over epochs is the pooled MSE over all checkpoints
        return new TunedModel(params, ModelMode.PER_EPOCH, iterations, sum / epochs);
    }

    private record FoldRows(List<Rows> train, List<Rows> valid) {
    }

    private FoldRows foldRows(int[] cols, int epoch) {
        List<Rows> t = new ArrayList<>();
        List<Rows> v = new ArrayList<>();
        for (int f = 0; f < folds; f++) {
            t.add(Rows.of(RunFolds.select(train, fold, f, false), cols, epoch));
            v.add(Rows.of(RunFolds.select(train, fold, f, true), cols, epoch));
        }
        return new FoldRows(t, v);
    }
}
