package io.weightcast.eval.ssl;

import io.weightcast.eval.GbmModel;
import io.weightcast.eval.Gbm;
import io.weightcast.eval.GbmParams;
import io.weightcast.eval.TrainTestSplit;
import io.weightcast.eval.Rows;
import io.weightcast.eval.EvalRun;
import io.weightcast.eval.Progress;
import io.weightcast.core.model.RegressionMetrics;
import com.fasterxml.jackson.core.type.TypeReference;
import io.weightcast.core.records.Json;
import io.weightcast.core.spectral.NativeBlas;
import io.weightcast.core.ssl.EncoderConfig;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code weightcast ssl-eval} (issue 4, deliverables 3–5; Schürholt et al. 2021, Table 6): on a zoo
 * directory, trains core's hyper-representation encoder self-supervised on the training runs'
 * checkpoints, embeds every checkpoint, and compares predictors of the final test accuracy, the
 * generalisation gap and the epoch on W, s(W), z and z + s(W).
 *
 * <p>Protocol: runs split BY RUN ({@link TrainTestSplit}, seeded) into training, validation and test
 * runs; the encoder sees only (a capped sample of) the training runs' checkpoints and no label; each
 * predictor is fitted on the training runs, its λ / configuration / number of trees chosen on the
 * validation runs, and every reported number is on the test runs' checkpoints (all epochs pooled).
 * W gets ridge regression (the paper's linear model; LightGBM on 4,970 columns × 12k rows is slow on
 * two shared cores), the others LightGBM; ridge on every input is reported beside it, as the
 * paper's linear probes.
 */
public final class SslBenchmark {
    public static final int MIN_RUNS = 10;
    /** Ridge CG steps per λ. */
    static final int RIDGE_ITERATIONS = 150;
    private static final int CHUNK = 512;
    /** Checkpoints of the training runs the linear bound's basis is fitted on (a seeded sample; more than the 4,970 weights). */
    static final int BOUND_FIT_CHECKPOINTS = 8000;
    /** Checkpoints of the test runs the linear bound is measured on (a seeded sample). */
    static final int BOUND_TEST_CHECKPOINTS = 4000;

    private final SslOptions o;
    private final Progress progress;
    private final Consumer<String> say;

    public SslBenchmark(SslOptions options, Progress progress, Consumer<String> say) {
        this.o = options;
        this.progress = progress;
        this.say = say;
    }

    /** One side of the split as rows: a checkpoint per (run, step), runs in zoo order. */
    private record Side(List<SslZoo.Run> runs, int[] checkpoint, int epochs) {
        int rows() {
            return checkpoint.length;
        }

        SslZoo.Run run(int row) {
            return runs.get(row / epochs);
        }

        int step(int row) {
            return row % epochs + 1;
        }
    }

    /** Held-out scores of one predictor on one task. */
    private record Score(double r2, double kendallTau, Map<String, Object> detail) {
    }

    public Map<String, Object> run() throws IOException {
        long t0 = System.nanoTime();
        double loadAtStart = TrainingCurve.loadAverage();
        SslZoo zoo = SslZoo.load(o.zoo(), o.allowPartial(), o.useCache(), o.threads(), progress);
        if (zoo.runs().size() < MIN_RUNS) {
            throw new IllegalArgumentException("zoo " + o.zoo() + " has " + zoo.runs().size() + " usable runs; ssl-eval needs "
                    + MIN_RUNS);
        }
        int epochs = zoo.epochs();
        say.accept(String.format(Locale.ROOT, "zoo %s: %d runs x %d epochs = %d checkpoints of %s (%d runs left out)",
                o.zoo(), zoo.runs().size(), epochs, zoo.checkpoints(), zoo.signature().key(), zoo.skipped().size()));

        Side[] sides = split(zoo);
        Side train = sides[0];
        Side validation = sides[1];
        Side test = sides[2];
        say.accept(String.format(Locale.ROOT, "split by run: %d training, %d validation, %d test runs", train.runs().size(),
                validation.runs().size(), test.runs().size()));

        limitNativeThreads(o.threads());
        EncoderConfig config = o.encoder();
        Map<String, Object> bound = reconstructionBound(zoo, train, test, config.embeddingDim());
        List<WeightTokens> encoderTraining = encoderTraining(zoo, train);
        HyperRepresentation encoder = HyperRepresentation.create(encoderTraining, config);
        say.accept(String.format(Locale.ROOT, "encoder: %d tokens x %d wide, d_model %d, %d heads, %d blocks, z %d, batch %d; "
                        + "training on %d checkpoints for %d epochs", zoo.signature().tokens(), zoo.signature().maxWidth(),
                config.dModel(), config.heads(), config.blocks(), config.embeddingDim(), config.batchSize(),
                encoderTraining.size(), o.encoderEpochs()));
        long tTrain = System.nanoTime();
        TrainingCurve curve = new TrainingCurve(zoo, curveSample(train, 0x7a11L), curveSample(validation, 0xa11dL), o, say);
        HyperRepresentation.Outcome outcome = encoder.train(encoderTraining, o.plan(), p -> curve.evaluate(encoder, p));
        double trainSeconds = (System.nanoTime() - tTrain) / 1e9;
        List<HyperRepresentation.EpochLoss> history = new ArrayList<>();
        double before = 0;
        for (HyperRepresentation.CurvePoint p : outcome.curve()) { // seconds of each stretch, as the epochs' were
            history.add(new HyperRepresentation.EpochLoss(p.evaluation(), p.loss(), p.contrastive(), p.reconstruction(),
                    p.seconds() - before));
            before = p.seconds();
        }
        say.accept(String.format(Locale.ROOT, "encoder training stopped by %s after %d steps (%.2f epochs) in %.0f s; "
                        + "best validation reconstruction R² %.3f", outcome.stoppedBy(),
                outcome.curve().isEmpty() ? 0 : outcome.curve().get(outcome.curve().size() - 1).steps(),
                outcome.curve().isEmpty() ? 0 : outcome.curve().get(outcome.curve().size() - 1).epochs(), trainSeconds,
                outcome.bestScore()));

        long tEmbed = System.nanoTime();
        float[][] z = embedAll(zoo, encoder);
        double embedMs = (System.nanoTime() - tEmbed) / 1e6 / zoo.checkpoints();
        double singleMs = singleCheckpointMs(zoo, test, encoder);
        say.accept(String.format(Locale.ROOT, "trained in %.0f s; embedded %d checkpoints at %.2f ms each (%.1f ms one at a time)",
                trainSeconds, zoo.checkpoints(), embedMs, singleMs));

        double recTest = encoder.reconstructionR2(tokens(zoo, test));
        double recValidation = encoder.reconstructionR2(tokens(zoo, validation));
        double recTrain = encoder.reconstructionR2(encoderTraining);
        say.accept(String.format(Locale.ROOT, "reconstruction R²: test %.3f, validation %.3f, encoder training %.3f", recTest,
                recValidation, recTrain));

        Map<SslInput, Map<SslTask, Score>> gbm = new EnumMap<>(SslInput.class);
        Map<SslInput, Map<SslTask, Score>> linear = new EnumMap<>(SslInput.class);
        Map<SslInput, Map<SslTask, Score>> perCheckpoint = new EnumMap<>(SslInput.class);
        for (SslInput input : SslInput.values()) {
            long t = System.nanoTime();
            Map<SslTask, Score> ridge = ridge(input, train, validation, test, z);
            linear.put(input, subset(SslTask.RUN, ridge));
            perCheckpoint.put(input, subset(SslTask.PER_CHECKPOINT, ridge));
            if (input != SslInput.W) {
                gbm.put(input, lightGbm(input, train, validation, test, z));
            }
            say.accept(String.format(Locale.ROOT, "%s: %s; per checkpoint (ridge) %s (%.0f s)", input.key(),
                    summary(input == SslInput.W ? linear.get(input) : gbm.get(input)), summary(perCheckpoint.get(input)),
                    (System.nanoTime() - t) / 1e9));
        }
        gbm.put(SslInput.W, linear.get(SslInput.W));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tasks", table(gbm, Score::r2));
        json.put("tasks_kendall_tau", table(gbm, Score::kendallTau));
        json.put("tasks_linear", table(linear, Score::r2));
        json.put("tasks_linear_kendall_tau", table(linear, Score::kendallTau));
        json.put("tasks_per_checkpoint", table(perCheckpoint, Score::r2));
        json.put("tasks_per_checkpoint_kendall_tau", table(perCheckpoint, Score::kendallTau));
        json.put("reconstruction_r2", recTest);
        json.put("reconstruction_r2_validation", recValidation);
        json.put("reconstruction_r2_encoder_training", recTrain);
        json.put("reconstruction_bound", bound);
        json.put("zoo", zooJson(zoo, train, validation, test, encoderTraining.size()));
        json.put("train_seconds", trainSeconds);
        json.put("training_curve", curve.json());
        json.put("training_stopped_by", outcome.stoppedBy());
        json.put("training_plan", planJson(curve.probeProtocol()));
        json.put("embed_ms_per_checkpoint", embedMs);
        json.put("embed_ms_single_checkpoint", singleMs);
        json.put("epochs", o.encoderEpochs());
        json.put("encoder", encoderJson(encoder, history));
        json.put("predictors", predictorsJson(gbm, linear, perCheckpoint));
        putRunFacts(json, t0, loadAtStart);
        return json;
    }

    /**
     * ND4J's OpenMP pool defaults to every core; on this shared 2-core machine under load that made
     * each SameDiff step several times slower than one thread (measured: 50 s vs 3–8 s per epoch of
     * the CI encoder at load 8–12). Use the threads we were given, like the feature pass does for OpenBLAS.
     */
    static void limitNativeThreads(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeBlas.threads(threads);
    }

    /**
     * {@code ssl-eval --bound-only}: the zoo, its split and the linear bound on reconstruction
     * ({@link ReconstructionBound}), without training an encoder: minutes where the whole evaluation takes an hour.
     */
    public Map<String, Object> runBoundOnly() throws IOException {
        long t0 = System.nanoTime();
        double loadAtStart = TrainingCurve.loadAverage();
        SslZoo zoo = SslZoo.load(o.zoo(), o.allowPartial(), o.useCache(), o.threads(), progress);
        Side[] sides = split(zoo);
        limitNativeThreads(o.threads());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("reconstruction_bound", reconstructionBound(zoo, sides[0], sides[2], o.encoder().embeddingDim()));
        json.put("zoo", zooJson(zoo, sides[0], sides[1], sides[2], 0));
        putRunFacts(json, t0, loadAtStart);
        return json;
    }

    /** How the results were made: seed, threads, command, when, wall time and load. */
    private void putRunFacts(Map<String, Object> json, long t0, double loadAtStart) {
        json.put("seed", o.seed());
        json.put("threads", o.threads());
        json.put("command", o.command());
        json.put("generated_at", Instant.now().toString());
        json.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        json.put("load_average", Map.of("start", loadAtStart, "end", TrainingCurve.loadAverage()));
    }

    /** PCA of seeded samples of the training and test runs' checkpoints: what a k-dimensional linear z can reconstruct. */
    private Map<String, Object> reconstructionBound(SslZoo zoo, Side train, Side test, int embeddingDim) {
        long t = System.nanoTime();
        ReconstructionBound.Result r = ReconstructionBound.of(zoo.signature(),
                checkpoints(zoo, sample(train, BOUND_FIT_CHECKPOINTS, 0xb0dL)),
                checkpoints(zoo, sample(test, BOUND_TEST_CHECKPOINTS, 0x7e57L)), embeddingDim);
        double seconds = (System.nanoTime() - t) / 1e9;
        say.accept(String.format(Locale.ROOT, "linear bound on reconstruction (PCA of %d training checkpoints, %d test "
                        + "checkpoints): test R² %s with %d directions; R² 0.5 needs %s (%.0f s)", r.fitCheckpoints(),
                r.testCheckpoints(), r.points().stream().filter(p -> p.components() == r.layerComponents())
                        .map(p -> String.format(Locale.ROOT, "%.3f", p.testR2())).findFirst().orElse("n/a"),
                r.layerComponents(), r.componentsFor().get(0.5) < 0 ? "more than the basis" : r.componentsFor().get(0.5) + "",
                seconds));
        return ReconstructionBound.json(r, zoo.signature(), seconds);
    }

    private static List<WeightTokens> checkpoints(SslZoo zoo, int[] rows) {
        int epochs = zoo.epochs();
        List<WeightTokens> out = new ArrayList<>(rows.length);
        for (int i : rows) {
            out.add(zoo.tokens(zoo.runs().get(i / epochs).weights()[i % epochs]));
        }
        return out;
    }

    /** Training, validation and test runs, by run: test first, then validation out of the rest. */
    private Side[] split(SslZoo zoo) {
        List<EvalRun> all = zoo.runs().stream().map(SslZoo.Run::eval).toList();
        TrainTestSplit outer = TrainTestSplit.of(all, o.testFraction(), o.seed());
        TrainTestSplit inner = TrainTestSplit.of(outer.train(), o.validationFraction() / (1 - o.testFraction()), o.seed() + 1);
        return new Side[] {side(zoo, inner.train()), side(zoo, inner.test()), side(zoo, outer.test())};
    }

    private static Side side(SslZoo zoo, List<EvalRun> runs) {
        Set<String> ids = new HashSet<>(runs.stream().map(EvalRun::runId).toList());
        List<SslZoo.Run> selected = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        int epochs = zoo.epochs();
        for (int r = 0; r < zoo.runs().size(); r++) {
            if (ids.contains(zoo.runs().get(r).runId())) {
                selected.add(zoo.runs().get(r));
                for (int s = 0; s < epochs; s++) {
                    index.add(r * epochs + s);
                }
            }
        }
        return new Side(List.copyOf(selected), index.stream().mapToInt(Integer::intValue).toArray(), epochs);
    }

    /** The training runs' checkpoints (every epoch), a seeded uniform sample of them above the cap. */
    private List<WeightTokens> encoderTraining(SslZoo zoo, Side train) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < train.rows(); i++) {
            rows.add(i);
        }
        if (o.maxTrainCheckpoints() > 0 && rows.size() > o.maxTrainCheckpoints()) {
            Collections.shuffle(rows, new Random(o.seed() ^ 0xe5c0deL));
            rows = new ArrayList<>(rows.subList(0, o.maxTrainCheckpoints()));
            Collections.sort(rows);
        }
        List<WeightTokens> out = new ArrayList<>(rows.size());
        rows.forEach(i -> out.add(zoo.tokens(train.run(i).weights()[train.step(i) - 1])));
        return out;
    }

    /** Rows (run-major indices into the zoo) of a seeded uniform sample of at most {@code curveCheckpoints}, sorted. */
    private int[] curveSample(Side side, long salt) {
        return sample(side, o.curveCheckpoints(), salt);
    }

    /** Rows (run-major indices into the zoo) of a seeded uniform sample of at most {@code cap} of the side's, sorted. */
    private int[] sample(Side side, int cap, long salt) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < side.rows(); i++) {
            rows.add(i);
        }
        if (rows.size() > cap) {
            Collections.shuffle(rows, new Random(o.seed() ^ salt));
            rows = new ArrayList<>(rows.subList(0, cap));
            Collections.sort(rows);
        }
        return rows.stream().mapToInt(i -> side.checkpoint()[i]).toArray();
    }

    private Map<String, Object> planJson(String probe) {
        // the plan's components in snake case: max_epochs, evaluate_every_steps, warmup_steps, decay_factor, …
        Map<String, Object> m = new LinkedHashMap<>(Json.MAPPER.convertValue(o.plan(), new TypeReference<Map<String, Object>>() { }));
        m.put("curve_checkpoints", o.curveCheckpoints());
        m.put("probe", probe);
        return m;
    }

    private static List<WeightTokens> tokens(SslZoo zoo, Side side) {
        List<WeightTokens> out = new ArrayList<>(side.rows());
        for (int i = 0; i < side.rows(); i++) {
            out.add(zoo.tokens(side.run(i).weights()[side.step(i) - 1]));
        }
        return out;
    }

    /** z of every checkpoint, indexed run-major (run r, step s → r·epochs + s − 1). */
    private float[][] embedAll(SslZoo zoo, HyperRepresentation encoder) {
        int epochs = zoo.epochs();
        float[][] z = new float[zoo.checkpoints()][];
        progress.start("embed", z.length);
        for (int from = 0; from < z.length; from += CHUNK) {
            int to = Math.min(z.length, from + CHUNK);
            List<WeightTokens> chunk = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                chunk.add(zoo.tokens(zoo.runs().get(i / epochs).weights()[i % epochs]));
            }
            float[][] part = encoder.embed(chunk);
            System.arraycopy(part, 0, z, from, part.length);
            progress.advance(part.length);
        }
        progress.finish();
        return z;
    }

    /** Median latency of embedding one checkpoint on its own (what the streams service does per record). */
    private static double singleCheckpointMs(SslZoo zoo, Side test, HyperRepresentation encoder) {
        int n = Math.min(25, test.rows());
        double[] ms = new double[n];
        encoder.embed(zoo.tokens(test.run(0).weights()[0])); // warm-up
        for (int i = 0; i < n; i++) {
            int row = (int) ((long) i * test.rows() / n);
            WeightTokens t = zoo.tokens(test.run(row).weights()[test.step(row) - 1]);
            long s = System.nanoTime();
            encoder.embed(t);
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        return ms[n / 2];
    }

    // ------------------------------------------------------------------------------------ inputs and targets

    private static float[][] inputs(SslInput input, Side side, float[][] z) {
        int[] stats = SslInput.statisticsColumns();
        float[][] x = new float[side.rows()][];
        for (int i = 0; i < side.rows(); i++) {
            SslZoo.Run run = side.run(i);
            int step = side.step(i);
            x[i] = switch (input) {
                case W -> run.weights()[step - 1];
                case STATS -> statistics(run, step, stats, 0);
                case EMBEDDING -> z[side.checkpoint()[i]];
                case BOTH -> {
                    float[] zi = z[side.checkpoint()[i]];
                    float[] v = statistics(run, step, stats, zi.length);
                    System.arraycopy(zi, 0, v, 0, zi.length);
                    yield v;
                }
            };
        }
        return x;
    }

    /** The statistics columns after {@code offset} leading empty slots; non-finite values stay NaN. */
    private static float[] statistics(SslZoo.Run run, int step, int[] columns, int offset) {
        double[] f = run.eval().epoch(step).features();
        float[] v = new float[offset + columns.length];
        for (int j = 0; j < columns.length; j++) {
            v[offset + j] = (float) f[columns[j]];
        }
        return v;
    }

    private static double[] targets(SslTask task, Side side) {
        double[] y = new double[side.rows()];
        for (int i = 0; i < side.rows(); i++) {
            y[i] = task.target(side.run(i), side.step(i));
        }
        return y;
    }

    private static double[][] allTargets(Side side) {
        double[][] y = new double[RIDGE_TARGETS.size()][];
        for (int t = 0; t < y.length; t++) {
            y[t] = targets(RIDGE_TARGETS.get(t), side);
        }
        return y;
    }

    // ------------------------------------------------------------------------------------ predictors

    /** Every task once (the epoch serves both tables): one ridge fit per input. */
    private static final List<SslTask> RIDGE_TARGETS = List.of(SslTask.values());

    /** The rows of one table out of the scores of every task. */
    private static Map<SslTask, Score> subset(List<SslTask> tasks, Map<SslTask, Score> all) {
        Map<SslTask, Score> out = new LinkedHashMap<>();
        tasks.forEach(t -> out.put(t, all.get(t)));
        return out;
    }

    /**
     * Ridge on every target of {@link #RIDGE_TARGETS} at once (one pass over the rows per CG step); NaN inputs (a
     * statistic of an absent bias) become the column's training mean.
     */
    private Map<SslTask, Score> ridge(SslInput input, Side train, Side validation, Side test, float[][] z) {
        float[][] xt = inputs(input, train, z);
        float[][] xv = inputs(input, validation, z);
        float[][] xs = inputs(input, test, z);
        if (input != SslInput.W) {
            float[] fill = columnMeans(xt);
            for (float[][] x : List.of(xt, xv, xs)) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = imputed(x[i], fill);
                }
            }
        }
        List<RidgeRegression.Model> models = RidgeRegression.fit(xt, allTargets(train), xv, allTargets(validation),
                RidgeRegression.LAMBDAS, RIDGE_ITERATIONS, o.threads());
        Map<SslTask, Score> out = new EnumMap<>(SslTask.class);
        for (int t = 0; t < RIDGE_TARGETS.size(); t++) {
            RidgeRegression.Model m = models.get(t);
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("model", "ridge");
            detail.put("lambda", m.lambda());
            detail.put("cg_steps_last_lambda", m.iterations());
            detail.put("validation_mse", m.validationMse());
            out.put(RIDGE_TARGETS.get(t), score(targets(RIDGE_TARGETS.get(t), test), m.predict(xs), detail));
        }
        return out;
    }

    private Map<SslTask, Score> lightGbm(SslInput input, Side train, Side validation, Side test, float[][] z) {
        Rows rt = rows(inputs(input, train, z), train);
        Rows rv = rows(inputs(input, validation, z), validation);
        Rows rs = rows(inputs(input, test, z), test);
        Map<SslTask, Score> out = new EnumMap<>(SslTask.class);
        for (SslTask task : SslTask.RUN) {
            Rows t = rt.withTargets(targets(task, train));
            Rows v = rv.withTargets(targets(task, validation));
            Random rnd = new Random(o.seed() ^ 0x5eedL);
            GbmParams best = null;
            double bestMse = Double.POSITIVE_INFINITY;
            for (int c = 0; c < o.gbmConfigs(); c++) {
                GbmParams p = c == 0 ? GbmParams.defaults(o.maxIterations()) : GbmParams.sample(rnd, o.maxIterations());
                Gbm.CvResult r = Gbm.crossValidate(List.of(t), List.of(v), p, o.maxIterations(), o.threads(), o.seed());
                if (r.mse() < bestMse) {
                    bestMse = r.mse();
                    best = p.withIterations(r.iterations());
                }
            }
            try (GbmModel model = GbmModel.fit(t, best, "regression", o.threads(), o.seed())) {
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("model", "lightgbm");
                detail.put("params", best.toMap());
                detail.put("validation_mse", bestMse);
                out.put(task, score(targets(task, test), model.predict(rs), detail));
            }
        }
        return out;
    }

    private static Rows rows(float[][] x, Side side) {
        int cols = x[0].length;
        double[] m = new double[x.length * cols];
        int[] run = new int[x.length];
        int[] epoch = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < cols; j++) {
                float v = x[i][j];
                m[i * cols + j] = Float.isFinite(v) ? v : Double.NaN;
            }
            run[i] = i / side.epochs();
            epoch[i] = side.step(i);
        }
        return new Rows(m, x.length, cols, new double[x.length], run, epoch);
    }

    private static Score score(double[] y, double[] pred, Map<String, Object> detail) {
        return new Score(RegressionMetrics.r2(y, pred), RegressionMetrics.kendallTau(y, pred), detail);
    }

    private static float[] columnMeans(float[][] x) {
        double[] sum = new double[x[0].length];
        int[] n = new int[sum.length];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                if (Float.isFinite(row[j])) {
                    sum[j] += row[j];
                    n[j]++;
                }
            }
        }
        float[] mean = new float[sum.length];
        for (int j = 0; j < mean.length; j++) {
            mean[j] = n[j] == 0 ? 0f : (float) (sum[j] / n[j]);
        }
        return mean;
    }

    private static float[] imputed(float[] row, float[] fill) {
        float[] out = row;
        for (int j = 0; j < row.length; j++) {
            if (!Float.isFinite(row[j])) {
                if (out == row) {
                    out = row.clone();
                }
                out[j] = fill[j];
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ results

    private static Map<String, Object> table(Map<SslInput, Map<SslTask, Score>> scores,
                                             java.util.function.ToDoubleFunction<Score> metric) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SslTask task : scores.get(SslInput.W).keySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (SslInput input : SslInput.values()) {
                row.put(input.key(), metric.applyAsDouble(scores.get(input).get(task)));
            }
            out.put(task.key(), row);
        }
        return out;
    }

    private static String summary(Map<SslTask, Score> scores) {
        StringBuilder s = new StringBuilder();
        scores.forEach((task, sc) -> s.append(String.format(Locale.ROOT, "%s%s R² %.3f τ %.3f", s.length() == 0 ? "" : ", ",
                task.key(), sc.r2(), sc.kendallTau())));
        return s.toString();
    }

    private Map<String, Object> zooJson(SslZoo zoo, Side train, Side validation, Side test, int encoderCheckpoints) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", zoo.runs().size());
        m.put("checkpoints", zoo.checkpoints());
        m.put("path", o.zoo().toString());
        m.put("source", zoo.loaded().manifest().source());
        m.put("epochs", zoo.epochs());
        m.put("complete", zoo.loaded().manifest().complete());
        m.put("architecture", zoo.signature().key());
        m.put("parameters", zoo.signature().parameters());
        m.put("train_runs", train.runs().size());
        m.put("validation_runs", validation.runs().size());
        m.put("test_runs", test.runs().size());
        m.put("test_checkpoints", test.rows());
        m.put("encoder_training_checkpoints", encoderCheckpoints);
        m.put("skipped_runs", zoo.skipped().size());
        Map<String, String> reasons = new LinkedHashMap<>();
        zoo.skippedSorted().entrySet().stream().limit(20).forEach(e -> reasons.put(e.getKey(), e.getValue()));
        m.put("skipped", reasons);
        return m;
    }

    private Map<String, Object> encoderJson(HyperRepresentation encoder, List<HyperRepresentation.EpochLoss> history) {
        EncoderConfig c = encoder.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", encoder.architecture());
        m.put("d_model", c.dModel());
        m.put("heads", c.heads());
        m.put("blocks", c.blocks());
        m.put("embedding_dim", c.embeddingDim());
        m.put("projection_dim", c.projectionDim());
        m.put("gamma", c.gamma());
        m.put("temperature", c.temperature());
        m.put("learning_rate", c.learningRate());
        m.put("batch_size", c.batchSize());
        m.put("noise_std", c.noiseStd());
        m.put("erasing", Map.of("probability", c.erasing().probability(), "min_scale", c.erasing().minScale(),
                "max_scale", c.erasing().maxScale()));
        m.put("seed", c.seed());
        m.put("linear_bottleneck", c.tuning().linearBottleneck());
        m.put("projection_layers", c.tuning().projectionLayers());
        m.put("batch_norm", c.tuning().batchNorm());
        m.put("dropout", c.tuning().dropout());
        m.put("layer_scale", c.tuning().layerScale());
        m.put("epochs", o.encoderEpochs());
        m.put("max_train_checkpoints", o.maxTrainCheckpoints());
        m.put("saved_bytes", encoder.toBytes().length);
        List<Map<String, Object>> losses = new ArrayList<>();
        for (HyperRepresentation.EpochLoss e : history) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("epoch", e.epoch());
            l.put("loss", e.loss());
            l.put("contrastive", e.contrastive());
            l.put("reconstruction", e.reconstruction());
            l.put("seconds", e.seconds());
            losses.add(l);
        }
        m.put("loss_history", losses);
        return m;
    }

    private Map<String, Object> predictorsJson(Map<SslInput, Map<SslTask, Score>> gbm, Map<SslInput, Map<SslTask, Score>> linear,
                                               Map<SslInput, Map<SslTask, Score>> perCheckpoint) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", "W: ridge regression (standardised columns, λ from " + Arrays.toString(RidgeRegression.LAMBDAS)
                + " by validation MSE, conjugate gradients); stats, embedding, both: LightGBM (" + o.gbmConfigs()
                + " configurations, trees by early stopping on the validation runs)");
        m.put("tasks_linear", "ridge regression on every input (the paper's linear probes)");
        m.put("tasks_per_checkpoint", "ridge regression on every input, the same λ grid and the same checkpoints and "
                + "splits as tasks_linear; targets are the checkpoint's own test accuracy and gap");
        m.put("stats_columns", SslInput.statisticsColumns().length);
        Map<String, Object> detail = new LinkedHashMap<>();
        for (SslInput input : SslInput.values()) {
            Map<String, Object> perTask = new LinkedHashMap<>();
            for (SslTask task : SslTask.RUN) {
                Map<String, Object> both = new LinkedHashMap<>();
                both.put("tasks", gbm.get(input).get(task).detail());
                both.put("tasks_linear", linear.get(input).get(task).detail());
                perTask.put(task.key(), both);
            }
            for (SslTask task : List.of(SslTask.CHECKPOINT_TEST_ACCURACY, SslTask.CHECKPOINT_GAP)) {
                perTask.put("checkpoint_" + task.key(), Map.of("tasks_per_checkpoint", perCheckpoint.get(input).get(task).detail()));
            }
            detail.put(input.key(), perTask);
        }
        m.put("detail", detail);
        return m;
    }
}
