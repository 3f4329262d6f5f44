package io.weightcast.app.cli;

import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.EncoderTuning;
import io.weightcast.core.ssl.TrainingPlan;
import io.weightcast.eval.Progress;
import io.weightcast.eval.ssl.SslBenchmark;
import io.weightcast.eval.ssl.SslOptions;
import io.weightcast.eval.ssl.SslReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weightcast ssl-eval}: issue 4's evaluation of self-supervised hyper-representations on a zoo
 * directory (eval/README.md): trains the encoder on the training runs' checkpoints, embeds every
 * checkpoint and compares predictors on W, s(W), z and both; writes {@code eval/results/ssl.json}
 * and {@code ssl.md}. The work is {@link SslBenchmark} (eval module); this class is its command line.
 */
@Command(name = "ssl-eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the self-supervised weight encoder on a zoo and compare predictors of final accuracy, "
                + "generalisation gap and epoch on W, s(W), the embedding and both; writes ssl.json and ssl.md."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "1:failed", "2:bad input (zoo missing, partial without --allow-partial, options)"})
public final class SslEvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--zoo", paramLabel = "DIR", defaultValue = SslOptions.DEFAULT_ZOO,
            description = "The zoo directory (default: ${DEFAULT-VALUE}).")
    Path zoo;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Where ssl.json and ssl.md go (default: eval/results under the project root).")
    Path outDir;

    @Option(names = "--epochs", defaultValue = "6",
            description = "Most encoder training epochs (passes over its checkpoints) (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--time-budget-minutes", paramLabel = "MIN", defaultValue = "0",
            description = "Wall time of the encoder's training at most, its evaluations included; 0 = none (default: ${DEFAULT-VALUE}).")
    double timeBudgetMinutes;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "Stop the training after N evaluations without a new best validation reconstruction R²; 0 = never "
                    + "(default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--eval-every-steps", paramLabel = "N", defaultValue = "0",
            description = "Evaluate the training curve every N steps; 0 = after every epoch (default: ${DEFAULT-VALUE}).")
    int evalEverySteps;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "0",
            description = "Linear learning-rate warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--lr-decay", paramLabel = "F", defaultValue = "1",
            description = "Learning rate × F when the validation reconstruction R² has not risen for --plateau-patience "
                    + "evaluations; 1 = constant (default: ${DEFAULT-VALUE}).")
    double lrDecay;

    @Option(names = "--plateau-patience", paramLabel = "N", defaultValue = "1",
            description = "Evaluations without a new best before a decay (default: ${DEFAULT-VALUE}).")
    int plateauPatience;

    @Option(names = "--curve-checkpoints", paramLabel = "N", defaultValue = "3000",
            description = "Validation checkpoints (and training checkpoints for the probe's fit) per curve evaluation: "
                    + "seeded samples (default: ${DEFAULT-VALUE}).")
    int curveCheckpoints;

    @Option(names = "--max-train-checkpoints", paramLabel = "N", defaultValue = "1536",
            description = "Cap on the encoder's training checkpoints: a seeded uniform sample of the training runs' "
                    + "checkpoints (all epochs); 0 = all (default: ${DEFAULT-VALUE}).")
    int maxTrainCheckpoints;

    @Option(names = "--d-model", description = "Encoder token width (default: core's EncoderConfig.defaults()).")
    Integer dModel;

    @Option(names = "--heads", description = "Attention heads (default: core's).")
    Integer heads;

    @Option(names = "--blocks", description = "Transformer blocks in encoder and decoder (default: core's).")
    Integer blocks;

    @Option(names = "--embedding-dim", description = "Dimension of z (default: core's).")
    Integer embeddingDim;

    @Option(names = "--projection-dim", description = "Contrastive projection head's output (default: core's).")
    Integer projectionDim;

    @Option(names = "--gamma", description = "Loss = γ·NT-Xent + (1−γ)·MSE (default: core's).")
    Double gamma;

    @Option(names = "--temperature", description = "NT-Xent temperature (default: core's).")
    Double temperature;

    @Option(names = "--learning-rate", description = "Adam learning rate (default: core's).")
    Double learningRate;

    @Option(names = "--batch-size", description = "Checkpoints per step (default: core's).")
    Integer batchSize;

    @Option(names = "--noise-std", description = "Gaussian noise on the normalised views (default: core's).")
    Double noiseStd;

    @Option(names = "--fair", description = "Issue 23's fair setup: --linear-bottleneck --projection-layers 4 --batch-norm "
            + "--dropout 0.1 --layer-scale (each can still be given).")
    boolean fair;

    @Option(names = "--linear-bottleneck", negatable = true, description = "z = Linear(token 0), no tanh.")
    Boolean linearBottleneck;

    @Option(names = "--projection-layers", paramLabel = "N", description = "Linear layers in the contrastive projection head (default 2).")
    Integer projectionLayers;

    @Option(names = "--batch-norm", negatable = true, description = "Batch norm before each hidden ReLU of the projection head.")
    Boolean batchNorm;

    @Option(names = "--dropout", description = "Dropout on each transformer block's attention and feed-forward output while training (default 0).")
    Double dropout;

    @Option(names = "--layer-scale", negatable = true,
            description = "Divide each layer of each checkpoint by its RMS and give log(RMS) to the encoder as a token column.")
    Boolean layerScale;

    @Option(names = "--encoder-seed", description = "Encoder initialisation and augmentations (default: core's).")
    Long encoderSeed;

    @Option(names = "--test-fraction", defaultValue = "0.15", description = "Share of runs held out (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--validation-fraction", defaultValue = "0.15",
            description = "Share of runs for model selection (default: ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--gbm-configs", defaultValue = "4",
            description = "LightGBM configurations tried per task and input (default: ${DEFAULT-VALUE}).")
    int gbmConfigs;

    @Option(names = "--max-iterations", defaultValue = "1000", description = "Most LightGBM trees (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Worker threads (checkpoint reading, ND4J, LightGBM, ridge) (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the split, the training sample and the search (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bound-only", description = "Only the linear bound on reconstruction (PCA of the training runs' "
            + "checkpoints, no encoder): writes ssl-bound.json, ssl-bound.md and ssl-bound.png in minutes.")
    boolean boundOnly;

    @Option(names = "--allow-partial", description = "Evaluate a zoo still being generated.")
    boolean allowPartial;

    @Option(names = "--no-cache", description = "Recompute the features instead of reading the per-zoo cache (ZOO/.weightcast-features-v<layout>.bin).")
    boolean noCache;

    @Option(names = "--progress", negatable = true, description = "Progress bar on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--verbose", description = "Library logs and stack traces of failures.")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!verbose) {
            QuietLoggers.warnOnly("org.nd4j", "org.bytedeco");
            // a WARN per dropout op at graph build ("No fields found for property name dtype" of DistributionUniform)
            QuietLoggers.errorOnly("org.nd4j.autodiff.functions.DifferentialFunction");
        }
        Path root = Path.of(System.getProperty("weightcast.home", ".")).toAbsolutePath().normalize();
        Path results = outDir != null ? outDir : root.resolve("eval/results");
        SslOptions options;
        try {
            TrainingPlan plan = new TrainingPlan(epochs, evalEverySteps, warmupSteps, lrDecay, plateauPatience, patience,
                    timeBudgetMinutes * 60);
            options = new SslOptions(zoo, results, allowPartial, !noCache, threads, seed, testFraction, validationFraction,
                    plan, curveCheckpoints, maxTrainCheckpoints, encoderConfig(), gbmConfigs, maxIterations, commandLine());
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage(), e, 2);
        }
        ProgressBar bar = new ProgressBar(err, progress != null ? progress : ProgressBar.stderrIsTerminal());
        Progress adapter = new Progress() {
            @Override
            public void start(String phase, long total) {
                bar.start(phase, total, false);
            }

            @Override
            public void advance(long units) {
                bar.advance(units);
            }

            @Override
            public void finish() {
                bar.finish();
            }
        };
        try {
            SslBenchmark benchmark = new SslBenchmark(options, adapter, line -> {
                err.println(line);
                err.flush();
            });
            String name = boundOnly ? "ssl-bound" : "ssl";
            Map<String, Object> written = boundOnly ? SslReport.writeBound(results, benchmark.runBoundOnly())
                    : SslReport.write(results, benchmark.run());
            out.println(String.format(Locale.ROOT, "results: %s, %s (%.0f s)", results.resolve(name + ".json"),
                    results.resolve(name + ".md"), ((Number) written.get("wall_seconds")).doubleValue()));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage(), e, 2);
        } catch (Exception e) {
            return fail(err, "failed: " + e, e, 1);
        }
    }

    /** core's defaults with the options given on the command line. */
    private EncoderConfig encoderConfig() {
        EncoderConfig d = EncoderConfig.defaults();
        return new EncoderConfig(dModel != null ? dModel : d.dModel(), heads != null ? heads : d.heads(),
                blocks != null ? blocks : d.blocks(), embeddingDim != null ? embeddingDim : d.embeddingDim(),
                projectionDim != null ? projectionDim : d.projectionDim(), gamma != null ? gamma : d.gamma(),
                temperature != null ? temperature : d.temperature(), learningRate != null ? learningRate : d.learningRate(),
                batchSize != null ? batchSize : d.batchSize(), noiseStd != null ? noiseStd : d.noiseStd(), d.erasing(),
                encoderSeed != null ? encoderSeed : d.seed(), tuning());
    }

    /** core's original graph, or the fair setup with --fair, with the options given on the command line. */
    private EncoderTuning tuning() {
        EncoderTuning t = fair ? EncoderTuning.FAIR : EncoderConfig.defaults().tuning();
        return new EncoderTuning(linearBottleneck != null ? linearBottleneck : t.linearBottleneck(),
                projectionLayers != null ? projectionLayers : t.projectionLayers(), batchNorm != null ? batchNorm : t.batchNorm(),
                dropout != null ? dropout : t.dropout(), layerScale != null ? layerScale : t.layerScale());
    }

    /** The command as given, for the record in ssl.json. */
    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        int at = args.indexOf(spec.name());
        return "./weightcast " + spec.name() + (at + 1 < args.size() ? " " + String.join(" ", args.subList(at + 1, args.size())) : "");
    }

    private int fail(PrintWriter err, String message, Throwable e, int code) {
        err.println("weightcast ssl-eval: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }
}
