package io.weightcast.eval;

import java.nio.file.Path;

/**
 * What {@code weightcast eval} runs on and how hard it tries. The predictors are the trainer's own fit at its defaults:
 * nothing here tunes them.
 *
 * @param zoo            the digits zoo directory (eval/README.md format)
 * @param transferZoo    the zoo the digits predictor must rank (Fashion-MNIST), or null; skipped with a note when absent
 * @param outDir         where predict.json, predict.md and the plots go
 * @param allowPartial   evaluate zoos still being generated (recorded as {@code complete: false})
 * @param threads        worker threads (feature pass, LightGBM, the Optuna replay's processes)
 * @param testFraction   share of runs held out (by run)
 * @param conformalFolds folds of the training runs' out-of-fold predictions (the early-stop replay's interval rule and
 *                       the top-run rule's settings)
 * @param orders         shuffled arrival orders of the early-stopping replay
 * @param useCache       read/write the per-zoo feature cache
 * @param python         interpreter for the Optuna replay (Debian's, with python3-optuna)
 * @param projectRoot    holds clients/python
 * @param command        the command line, recorded in the results
 */
public record EvalOptions(Path zoo, Path transferZoo, Path outDir, boolean allowPartial, int threads, long seed,
                          double testFraction, int conformalFolds, int orders, boolean useCache, String python,
                          Path projectRoot, String command) {

    public static final String DEFAULT_ZOO = "/work/zoos/digits-3000";
    public static final String DEFAULT_TRANSFER_ZOO = "/work/zoos/fashion-100";

    public EvalOptions {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in (0, 1), was " + testFraction);
        }
        if (conformalFolds < 2 || orders < 1 || threads < 1) {
            throw new IllegalArgumentException("--orders and --threads must be >= 1, --conformal-folds >= 2");
        }
    }
}
