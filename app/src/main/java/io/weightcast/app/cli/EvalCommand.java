package io.weightcast.app.cli;

import io.weightcast.app.stack.ZooProcess;
import io.weightcast.eval.EvalOptions;
import io.weightcast.eval.PredictBenchmark;
import io.weightcast.eval.PredictReport;
import io.weightcast.eval.Progress;
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
 * {@code weightcast eval}: the prediction and early-stopping benchmark of issue 6 on zoo directories
 * (eval/README.md); writes {@code eval/results/predict.json}, {@code predict.md} and PNG plots. The
 * work is {@link PredictBenchmark} (eval module); this class is its command line.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark the final-accuracy predictors, conformal intervals, early stopping (vs Optuna's pruners), "
                + "the dying-ReLU flag and transfer on zoo directories; writes predict.json, predict.md and plots."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "1:failed (e.g. the Optuna replay)", "2:bad input (zoo missing, partial without --allow-partial, options)"})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--zoo", paramLabel = "DIR", defaultValue = EvalOptions.DEFAULT_ZOO,
            description = "The digits zoo (default: ${DEFAULT-VALUE}).")
    Path zoo;

    @Option(names = "--transfer-zoo", paramLabel = "DIR", defaultValue = EvalOptions.DEFAULT_TRANSFER_ZOO,
            description = "The zoo the digits predictor must rank; skipped with a note when absent (default: ${DEFAULT-VALUE}).")
    Path transferZoo;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "Where the results go (default: eval/results under the project root).")
    Path outDir;

    @Option(names = "--allow-partial", description = "Evaluate zoos still being generated (recorded as complete: false with the run count).")
    boolean allowPartial;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Worker threads for features, LightGBM and the Optuna replay (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the split, folds and orders (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--test-fraction", defaultValue = "0.3", description = "Share of runs held out (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--conformal-folds", defaultValue = "10",
            description = "Folds of the training runs' out-of-fold predictions, which the early-stop replay's rules are set on "
                    + "(default: ${DEFAULT-VALUE}).")
    int conformalFolds;

    @Option(names = "--orders", defaultValue = "20", description = "Shuffled arrival orders of the early-stopping replay (default: ${DEFAULT-VALUE}).")
    int orders;

    @Option(names = "--no-cache", description = "Recompute the features instead of reading the per-zoo cache (ZOO/.weightcast-features-v<layout>.bin).")
    boolean noCache;

    @Option(names = "--python", paramLabel = "EXE", description = "Python for the Optuna replay (default: $WEIGHTCAST_PYTHON or /usr/bin/python3).")
    String python;

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
        }
        Path root = Path.of(System.getProperty("weightcast.home", ".")).toAbsolutePath().normalize();
        Path results = outDir != null ? outDir : root.resolve("eval/results");
        EvalOptions options;
        try {
            options = new EvalOptions(zoo, transferZoo, results, allowPartial, threads, seed, testFraction, conformalFolds,
                    orders, !noCache, python != null ? python : ZooProcess.python(), root, commandLine());
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
            PredictBenchmark.Result result = new PredictBenchmark(options, adapter, line -> {
                err.println(line);
                err.flush();
            }).run();
            Map<String, Object> written = PredictReport.write(results, result);
            out.println(String.format(Locale.ROOT, "results: %s, %s (%.0f s)", results.resolve("predict.json"),
                    results.resolve("predict.md"), ((Number) written.get("wall_seconds")).doubleValue()));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage(), e, 2);
        } catch (Exception e) {
            return fail(err, "failed: " + e, e, 1);
        }
    }

    /** The command as given, for the record in predict.json. */
    private String commandLine() {
        // the parse result is the top-level command's: its args start with this subcommand's name
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        int at = args.indexOf(spec.name());
        return String.join(" ", List.of("./weightcast", spec.name())) + (at + 1 < args.size()
                ? " " + String.join(" ", args.subList(at + 1, args.size())) : "");
    }

    private int fail(PrintWriter err, String message, Throwable e, int code) {
        err.println("weightcast eval: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }
}
