package io.weightcast.eval.ssl;

import io.weightcast.eval.EvalOptions;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.TrainingPlan;
import java.nio.file.Path;

/**
 * What {@code weightcast ssl-eval} (issue 4, deliverables 3–5) runs on and how hard it tries.
 *
 * @param zoo                 the zoo directory (eval/README.md format); default the digits benchmark zoo
 * @param outDir              where ssl.json and ssl.md go
 * @param allowPartial        evaluate a zoo still being generated
 * @param useCache            read/write the zoo's feature cache (the statistics columns come from it)
 * @param threads             worker threads (reading checkpoints, features, LightGBM, the ridge solver)
 * @param seed                the split, the encoder's training subsample and the LightGBM search
 * @param testFraction        share of runs held out for the reported numbers (by run)
 * @param validationFraction  share of runs for model selection (ridge λ, LightGBM configuration and trees)
 * @param plan                how the encoder trains: most passes ({@code --epochs}), warm-up, decay on plateaus and early
 *                            stop on the validation reconstruction R², time budget ({@link TrainingPlan})
 * @param curveCheckpoints    checkpoints of the validation runs (and as many of the training runs, for the probe's
 *                            fit) that each evaluation of the training curve uses: seeded samples when there are more
 * @param maxTrainCheckpoints cap on the encoder's training checkpoints: a seeded uniform sample of the
 *                            training runs' checkpoints (all epochs) when there are more; 0 = no cap
 * @param encoder             the encoder's shape and training ({@link EncoderConfig#defaults()} unless overridden)
 * @param gbmConfigs          LightGBM configurations tried per (task, input): the trainer's defaults, then random ones
 * @param maxIterations       most trees (early stopping on the validation runs picks fewer)
 * @param command             the command line, recorded in the results
 */
public record SslOptions(Path zoo, Path outDir, boolean allowPartial, boolean useCache, int threads, long seed,
                         double testFraction, double validationFraction, TrainingPlan plan, int curveCheckpoints,
                         int maxTrainCheckpoints, EncoderConfig encoder, int gbmConfigs, int maxIterations, String command) {

    public static final String DEFAULT_ZOO = EvalOptions.DEFAULT_ZOO;

    public SslOptions {
        if (!(testFraction > 0 && validationFraction > 0 && testFraction + validationFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction and --validation-fraction must be positive with a sum below 1, were "
                    + testFraction + " and " + validationFraction);
        }
        if (maxTrainCheckpoints < 0 || gbmConfigs < 1 || maxIterations < 1 || threads < 1 || curveCheckpoints < 4) {
            throw new IllegalArgumentException("--gbm-configs, --max-iterations and --threads must be >= 1, "
                    + "--curve-checkpoints >= 4, --max-train-checkpoints >= 0");
        }
    }

    /** Most passes of the self-supervised training over its checkpoints. */
    public int encoderEpochs() {
        return plan.maxEpochs();
    }
}
