package io.weightcast.app.live;

import io.weightcast.app.cli.SettingsOptions;
import io.weightcast.app.stack.ZooProcess;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weightcast eval-live}: the live benchmark of issue 19. Replays a zoo directory into a running
 * stack (a fresh local one per producer mode, or the one at {@code --bootstrap}): history runs whole,
 * then live runs {@code --concurrency} at a time; judges only what the topics carry; writes
 * live.json, live.md and plots.
 */
@Command(name = "eval-live", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Live benchmark: replay a zoo directory into a running stack (history runs, then live runs K at a time) "
                + "with a plain Kafka producer and/or the Python client; judge the scores, alerts and models the topics carry; "
                + "writes live.json, live.md and plots."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "1:failed", "2:bad input (zoo, options)"})
public final class EvalLiveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--zoo", paramLabel = "DIR", required = true, description = "A zoo directory (eval/generate-zoos.sh, python3 -m weightcast.demo.zoo --out).")
    Path zoo;

    @Option(names = "--history", paramLabel = "H", required = true, description = "Runs sent whole before the live phase (>= 3).")
    int history;

    @Option(names = "--concurrency", paramLabel = "K", defaultValue = "4", description = "Live runs trained at a time (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--mode", defaultValue = "both", description = "plain (a KafkaProducer following the README contract), "
            + "client (the Python client) or both (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "An external stack's Kafka (default: start a local stack, fresh data dir, per mode).")
    String bootstrap;

    @Option(names = "--out", paramLabel = "DIR", description = "Where live.json, live.md and the plots go (default: eval/results under the project root).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the history/live split and the order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit-live", paramLabel = "N", description = "At most N live runs (default: every run not in the history).")
    Integer limitLive;

    @Option(names = "--score-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "Wait this long for a checkpoint's score (default: ${DEFAULT-VALUE}).")
    int scoreTimeout;

    @Option(names = "--model-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Wait this long for a model fitted on the history before going live with the latest (default: ${DEFAULT-VALUE}).")
    int modelTimeout;

    @Option(names = "--orders", paramLabel = "N", defaultValue = "3",
            description = "Arrival orders of the live runs, each a full replay on a fresh stack; early stopping is judged over all "
                    + "(default: ${DEFAULT-VALUE}, the issue's minimum).")
    int orders;

    @Option(names = "--python", paramLabel = "EXE", description = "Python for the client mode (default: $WEIGHTCAST_PYTHON or /usr/bin/python3).")
    String python;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        Path root = Path.of(System.getProperty("weightcast.home", ".")).toAbsolutePath().normalize();
        Path results = (out != null ? out : root.resolve("eval/results")).toAbsolutePath();
        List<String> modes = switch (mode.toLowerCase(Locale.ROOT)) {
            case "plain" -> List.of("plain");
            case "client" -> List.of("client");
            case "both" -> List.of("plain", "client");
            default -> null;
        };
        if (modes == null) {
            err.println("weightcast eval-live: --mode must be plain, client or both, was " + mode);
            err.flush();
            return 2;
        }
        LiveOptions options;
        try {
            Map<String, String> merged = settings.merged(Map.of());
            options = new LiveOptions(zoo.toAbsolutePath(), history, concurrency, modes, bootstrap, results, seed, limitLive,
                    merged, python != null ? python : ZooProcess.python(), ZooProcess.pythonClientDir(), scoreTimeout * 1000L,
                    modelTimeout * 1000L, orders, commandLine());
            java.nio.file.Files.createDirectories(results);
        } catch (IllegalArgumentException | java.io.IOException e) {
            err.println("weightcast eval-live: " + e.getMessage());
            err.flush();
            return 2;
        }
        long t0 = System.nanoTime();
        LiveBenchmark bench = new LiveBenchmark(options, line -> {
            err.println(line);
            err.flush();
        });
        try {
            List<HistoryResult> all = new ArrayList<>();
            ReplayPlan plan = ReplayPlan.of(options.zoo(), history, limitLive, seed, "", "");
            for (String m : modes) {
                all.add(bench.run(m));
            }
            LiveReport.write(results, options, plan, all, (System.nanoTime() - t0) / 1e9);
            stdout.println(String.format(Locale.ROOT, "results: %s, %s (%.0f s)", results.resolve("live.json"), results.resolve("live.md"),
                    (System.nanoTime() - t0) / 1e9));
            stdout.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("weightcast eval-live: " + e.getMessage());
            err.flush();
            return 2;
        } catch (Exception e) {
            err.println("weightcast eval-live: failed: " + e);
            e.printStackTrace(err);
            err.flush();
            return 1;
        }
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        int at = args.indexOf(spec.name());
        List<String> rest = at >= 0 ? args.subList(at + 1, args.size()) : args;
        return "./weightcast eval-live" + (rest.isEmpty() ? "" : " " + String.join(" ", rest));
    }
}
