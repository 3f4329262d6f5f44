package io.weightcast.eval;

import io.github.metarank.lightgbm4j.LGBMBooster;
import io.github.metarank.lightgbm4j.LGBMDataset;
import io.github.metarank.lightgbm4j.LGBMException;
import java.util.List;

/**
 * Cross-validation of one LightGBM configuration with early stopping: the fold models grow in
 * lockstep, and after every iteration the pooled validation MSE over all folds is recorded; the best
 * iteration of that mean curve is the configuration's number of trees. Growing the folds together
 * lets the search stop a configuration once the MEAN curve stopped improving.
 */
public final class Gbm {
    /** Iterations without a better mean validation MSE before a configuration stops. */
    public static final int PATIENCE = 50;

    /** @param mse pooled validation MSE at {@code iterations} */
    public record CvResult(int iterations, double mse) {
    }

    private Gbm() {
    }

    public static CvResult crossValidate(List<Rows> train, List<Rows> valid, GbmParams params, int maxIterations,
                                         int threads, long seed) {
        int k = train.size();
        LGBMDataset[] trainData = new LGBMDataset[k];
        LGBMDataset[] validData = new LGBMDataset[k];
        LGBMBooster[] boosters = new LGBMBooster[k];
        try {
            long total = 0;
            for (int f = 0; f < k; f++) {
                String p = params.lightGbm("regression", train.get(f).rows(), threads, seed);
                Rows t = train.get(f);
                Rows v = valid.get(f);
                trainData[f] = LGBMDataset.createFromMat(t.matrix(), t.rows(), t.cols(), true, p, null);
                trainData[f].setField("label", t.labels());
                validData[f] = LGBMDataset.createFromMat(v.matrix(), v.rows(), v.cols(), true, p, trainData[f]);
                validData[f].setField("label", v.labels());
                boosters[f] = LGBMBooster.create(trainData[f], p);
                boosters[f].addValidData(validData[f]);
                total += v.rows();
            }
            int best = 0;
            double bestMse = Double.POSITIVE_INFINITY;
            boolean[] done = new boolean[k];
            for (int it = 1; it <= maxIterations; it++) {
                double sum = 0;
                for (int f = 0; f < k; f++) {
                    if (!done[f]) {
                        done[f] = boosters[f].updateOneIter();
                    }
                    sum += boosters[f].getEval(1)[0] * valid.get(f).rows();
                }
                double mse = sum / total;
                if (mse < bestMse - 1e-12) {
                    bestMse = mse;
                    best = it;
                }
                if (it - best >= PATIENCE || allTrue(done)) {
                    break;
                }
            }
            return new CvResult(Math.max(1, best), bestMse);
        } catch (LGBMException e) {
            throw new IllegalStateException("LightGBM cross-validation failed: " + e.getMessage(), e);
        } finally {
            for (int f = 0; f < k; f++) {
                free(boosters[f], validData[f]);
                free(null, trainData[f]);
            }
        }
    }

    private static boolean allTrue(boolean[] b) {
        for (boolean x : b) {
            if (!x) {
                return false;
            }
        }
        return true;
    }

    static void free(LGBMBooster booster, LGBMDataset dataset) {
        try {
            if (booster != null) {
                booster.close();
            }
            if (dataset != null) {
                dataset.close();
            }
        } catch (LGBMException e) {
            // freeing native memory of a finished fit: nothing to recover
        }
    }
}
