package io.weightcast.eval;

import java.nio.file.Path;

/**
 * What {@code weightcast eval} runs on and how hard it tries.
 *
 * @param zoo            the digits zoo directory (eval/README.md format)
 * @param transferZoo    the zoo the digits predictor must rank (Fashion-MNIST), or null; skipped with a note when absent
 * @param outDir         where predict.json, predict.md and the plots go
 * @param allowPartial   evaluate zoos still being generated (recorded as {@code complete: false})
 * @param threads        worker threads (feature pass, LightGBM, the Optuna replay's processes)
 * @param testFraction   share of runs held out (by run)
 * @param cvConfigs      random-search configurations per searched feature set
 * @param cvFolds        folds of the tuning cross-validation (by run, training runs only)
 * @param conformalFolds folds whose out-of-fold residuals calibrate the intervals
 * @param orders         shuffled arrival orders of the early-stopping replay
 * @param maxIterations  most trees per model (early stopping in CV picks fewer)
 * @param useCache       read/write the per-zoo feature cache
 * @param python         interpreter for the Optuna replay (Debian's, with python3-optuna)
 * @param projectRoot    holds clients/python
 * @param command        the command line, recorded in the results
 * @param tuningFrom     an earlier predict.json of the same split whose tuning is reused ({@link ReusedTuning}), or null
 */
public record EvalOptions(Path zoo, Path transferZoo, Path outDir, boolean allowPartial, int threads, long seed,
                          double testFraction, int cvConfigs, int cvFolds, int conformalFolds, int orders,
                          int maxIterations, boolean useCache, String python, Path projectRoot, String command,
                          Path tuningFrom) {

    public static final String DEFAULT_ZOO = "/work/zoos/digits-3000";
    public static final String DEFAULT_TRANSFER_ZOO = "/work/zoos/fashion-100";

    /** Options that tune afresh. */
    public EvalOptions(Path zoo, Path transferZoo, Path outDir, boolean allowPartial, int threads, long seed,
                       double testFraction, int cvConfigs, int cvFolds, int conformalFolds, int orders,
                       int maxIterations, boolean useCache, String python, Path projectRoot, String command) {
        this(zoo, transferZoo, outDir, allowPartial, threads, seed, testFraction, cvConfigs, cvFolds, conformalFolds, orders,
                maxIterations, useCache, python, projectRoot, command, null);
    }

    public EvalOptions {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in (0, 1), was " + testFraction);
        }
        if (cvConfigs < 1 || cvFolds < 2 || conformalFolds < 2 || orders < 1 || maxIterations < 1 || threads < 1) {
            throw new IllegalArgumentException("--cv-configs, --orders, --max-iterations and --threads must be >= 1, "
                    + "--cv-folds and --conformal-folds >= 2");
        }
    }
}
