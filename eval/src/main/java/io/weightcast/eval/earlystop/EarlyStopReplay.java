package io.weightcast.eval.earlystop;

import io.weightcast.eval.JsonTree;
import io.weightcast.eval.ScorerModelCheck;
import io.weightcast.eval.ZooLoader;
import io.weightcast.eval.Progress;
import io.weightcast.eval.EvalRun;
import io.weightcast.core.model.AccuracyModel;
import io.weightcast.core.records.Interval;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.TopRunRule;
import io.weightcast.trainer.AccuracyModelFitter;
import io.weightcast.trainer.FitParams;
import io.weightcast.trainer.FitResult;
import io.weightcast.trainer.ZooRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The early-stop rule the trainer publishes, replayed offline on many more live runs than the live benchmark holds
 * (issue 19: "keep every top-5% run in every order"). Per arrival order (a seeded shuffle of the zoo) and history size
 * H: the trainer's own fit ({@link AccuracyModelFitter} at its defaults, or a variant) on the first H runs as one study,
 * then the next {@code live} runs scored epoch by epoch through core {@link AccuracyModel} and judged by core
 * {@link TopRunRule#below}, exactly the scorer's early-stop policy at its defaults (one checkpoint below stops a run).
 * Counts per cell: compute saved, and which of the live runs' top 5% (by final test accuracy) were stopped, with
 * their rank and the epoch. Variants:
 * <ul>
 * <li>{@code served}: the defaults (cross-fitted calibration, the share of top-quarter runs its thresholds may stop chosen
 * on the history, guard at the 80% interval);</li>
 * <li>{@code fixed}: the same with the share fixed at the benchmark's 0.25 (the rule before 2026-12-07);</li>
 * <li>{@code guard90}: guard at the 90% interval;</li>
 * <li>{@code unguarded}: cross-fitted calibration, the classifier alone;</li>
 * <li>{@code heldout}: the rule before 2026-12-06 (thresholds from the held-out runs alone, the classifier alone).</li>
 * </ul>
 * {@code java -cp weightcast.jar io.weightcast.eval.earlystop.EarlyStopReplay ZOO OUT_DIR H[,H…] ORDER[,ORDER…] LIVE [VARIANT,…]}
 * writes {@code OUT_DIR/early-stop-replay.json} and {@code .md}.
 */
public final class EarlyStopReplay {
    static final List<String> VARIANTS = List.of("served", "fixed", "guard90", "unguarded", "heldout");
    private static final String STUDY = "replay";

    private EarlyStopReplay() {
    }

    static FitParams params(String variant) {
        java.util.regex.Matcher c = java.util.regex.Pattern.compile("\\+c(\\d+)$").matcher(variant); // e.g. fixed+c2
        if (c.find()) {
            return params(variant.substring(0, c.start())).withConsecutive(Integer.parseInt(c.group(1)));
        }
        FitParams d = FitParams.defaults();
        return switch (variant) {
            case "served" -> d;
            case "fixed" -> d.withStopShares(List.of(io.weightcast.core.model.TopRunModel.ALPHA));
            case "guard90" -> d.withGuardLevel(0.9);
            case "fixedtop80" -> d.withStopShares(List.of(io.weightcast.core.model.TopRunModel.ALPHA)).withGuardOnTopRuns(true);
            case "fixedtop90" -> d.withStopShares(List.of(io.weightcast.core.model.TopRunModel.ALPHA)).withGuardOnTopRuns(true)
                    .withGuardLevel(0.9);
            case "fixedtop95" -> d.withStopShares(List.of(io.weightcast.core.model.TopRunModel.ALPHA)).withGuardOnTopRuns(true)
                    .withGuardLevel(0.95);
            case "unguarded" -> d.withGuardLevel(0);
            case "heldout" -> d.withConformalFolds(0).withGuardLevel(0);
            default -> {
                if (variant.startsWith("share")) { // e.g. share0.35: that share, fixed
                    yield d.withStopShares(List.of(Double.parseDouble(variant.substring("share".length()))));
                }
                throw new IllegalArgumentException("unknown variant " + variant + "; one of " + VARIANTS + " or shareX");
            }
        };
    }

    /** One cell: a variant at one history size in one order. */
    record Cell(String variant, int history, int order, int live, double computeSaved, int top5, List<String> lost,
                boolean top1Kept, double seconds, String rule) {
    }

    public static void main(String[] args) throws Exception {
        Path zooDir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int[] histories = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int[] orders = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        int live = Integer.parseInt(args[4]);
        List<String> variants = args.length > 5 ? List.of(args[5].split(",")) : VARIANTS;
        ZooLoader.Loaded zoo = ZooLoader.load(zooDir, false, true, 1, Progress.NONE);
        List<EvalRun> runs = new ArrayList<>(zoo.runs());
        runs.sort(Comparator.comparing(EvalRun::runId));
        List<Cell> cells = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int order : orders) {
            List<EvalRun> shuffled = new ArrayList<>(runs);
            Collections.shuffle(shuffled, new Random(order));
            for (int h : histories) {
                List<EvalRun> history = shuffled.subList(0, h);
                List<EvalRun> liveRuns = shuffled.subList(h, Math.min(shuffled.size(), h + live));
                List<ZooRun> fitted = history.stream().map(ScorerModelCheck::zooRun)
                        .map(r -> new ZooRun(r.runId(), STUDY, r.finalAccuracy(), r.checkpoints())).toList();
                for (String variant : variants) {
                    Cell cell = replay(variant, fitted, liveRuns, zoo.epochs(), h, order);
                    cells.add(cell);
                    System.out.printf("order %d H %d %-9s saved %.3f top-5%% lost %d of %d %s; %s (%.0f s, load %s)%n", order, h, variant,
                            cell.computeSaved(), cell.lost().size(), cell.top5(), cell.lost(), cell.rule(), cell.seconds(), load());
                }
            }
        }
        write(out, cells, zooDir, (System.nanoTime() - t0) / 1e9);
    }

    static Cell replay(String variant, List<ZooRun> history, List<EvalRun> liveRuns, int epochs, int h, int order) {
        long t0 = System.nanoTime();
        FitResult fit = new AccuracyModelFitter(params(variant)).fit(history);
        ModelVersion mv = ScorerModelCheck.published(fit).model();
        TopRunRule rule = fit.topRunRule();
        int n = liveRuns.size();
        int[] stop = new int[n];
        Arrays.fill(stop, epochs);
        try (AccuracyModel model = AccuracyModel.load(mv)) {
            int needed = rule == null ? 1 : rule.consecutive();
            for (int r = 0; r < n && rule != null; r++) {
                int streak = 0;
                for (int e = 1; e <= epochs; e++) {
                    double[] row = liveRuns.get(r).epoch(e).features();
                    double p = model.predict(row);
                    Double upper = upper(model.intervals(p, row), rule.guardLevel());
                    streak = Boolean.TRUE.equals(rule.below(model.topRunProbability(row), (double) e / epochs, upper, p, STUDY))
                            ? streak + 1 : 0;
                    if (streak >= needed) {
                        stop[r] = e;
                        break;
                    }
                }
            }
        }
        Integer[] byFinal = new Integer[n];
        for (int i = 0; i < n; i++) {
            byFinal[i] = i;
        }
        Arrays.sort(byFinal, (a, b) -> Double.compare(liveRuns.get(b).finalAccuracy(), liveRuns.get(a).finalAccuracy()));
        int top = Math.max(1, (int) Math.ceil(0.05 * n));
        List<String> lost = new ArrayList<>();
        for (int i = 0; i < top; i++) {
            int r = byFinal[i];
            if (stop[r] < epochs) {
                lost.add(String.format("rank %d (final %.4f, next outside the top 5%%: %.4f) stopped at epoch %d", i + 1,
                        liveRuns.get(r).finalAccuracy(), liveRuns.get(byFinal[top]).finalAccuracy(), stop[r]));
            }
        }
        long saved = Arrays.stream(stop).mapToLong(s -> epochs - s).sum();
        String described = rule == null ? "no rule" : String.format(java.util.Locale.ROOT, "share %.2f, %d in a row, guard %.2f%s below p%.0f",
                rule.alpha(), rule.consecutive(), rule.guardLevel(), rule.marginGuard() ? " (top runs)" : "", 100 * rule.cutPercentile());
        return new Cell(variant, h, order, n, (double) saved / ((long) n * epochs), top, lost, stop[byFinal[0]] >= epochs,
                (System.nanoTime() - t0) / 1e9, described);
    }

    private static Double upper(List<Interval> intervals, double level) {
        return intervals.stream().filter(i -> Math.abs(i.level() - level) < 1e-9).map(Interval::high).findFirst().orElse(null);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static void write(Path out, List<Cell> cells, Path zoo, double seconds) throws java.io.IOException {
        Files.createDirectories(out);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("what", "the trainer's early-stop rule replayed offline: per arrival order and history size H, the trainer's fit "
                + "on the first H runs, the next runs scored epoch by epoch and judged by core TopRunRule.below as the scorer does "
                + "(one checkpoint below stops the run); top-5%: the live runs' best 5% by final test accuracy");
        tree.put("zoo", zoo.toString());
        tree.put("seconds", seconds);
        tree.put("cells", cells);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        Files.writeString(out.resolve("early-stop-replay.json"), json.writeValueAsString(JsonTree.sanitize(
                json.convertValue(tree, Map.class))) + "\n");
        Files.writeString(out.resolve("early-stop-replay.md"), markdown(cells, seconds));
    }

    static String markdown(List<Cell> cells, double seconds) {
        StringBuilder md = new StringBuilder("# Early stop replayed offline (eval EarlyStopReplay)\n\n")
                .append("Per variant and history size H, over the arrival orders: mean compute saved, top-5% live runs stopped of "
                        + "all top-5% live runs, and orders losing one. Wall ").append(String.format("%.0f", seconds)).append(" s.\n\n")
                .append("| variant | H | orders | live runs | compute saved | top-5% stopped | orders losing a top-5% run | top-1 kept |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        Map<String, List<Cell>> groups = new LinkedHashMap<>();
        for (Cell c : cells) {
            groups.computeIfAbsent(c.variant() + "\u0000" + c.history(), k -> new ArrayList<>()).add(c);
        }
        for (List<Cell> g : groups.values()) {
            Cell first = g.get(0);
            md.append(String.format("| %s | %d | %d | %d | %.3f | %d of %d | %d | %s |%n", first.variant(), first.history(), g.size(),
                    first.live(), g.stream().mapToDouble(Cell::computeSaved).average().orElse(Double.NaN),
                    g.stream().mapToInt(c -> c.lost().size()).sum(), g.stream().mapToInt(Cell::top5).sum(),
                    g.stream().filter(c -> !c.lost().isEmpty()).count(), g.stream().allMatch(Cell::top1Kept) ? "every order" : "no"));
        }
        md.append("\nStopped top-5% runs:\n\n");
        for (Cell c : cells) {
            for (String l : c.lost()) {
                md.append("- ").append(c.variant()).append(", H = ").append(c.history()).append(", order ").append(c.order())
                        .append(": ").append(l).append('\n');
            }
        }
        return md.toString();
    }
}
