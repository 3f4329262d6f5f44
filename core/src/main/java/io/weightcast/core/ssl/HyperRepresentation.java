package io.weightcast.core.ssl;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.weightcast.core.records.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.ListenerVariables;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A trained (or training) hyper-representation encoder for one architecture: the SameDiff graph
 * ({@link EncoderGraph}), the per-layer normaliser and the configuration. Trained self-supervised
 * on checkpoints alone (no accuracies); {@link #embed} maps checkpoints to z. Not thread-safe:
 * one instance per thread (SameDiff sessions are per instance).
 */
public final class HyperRepresentation {

    private static final int MAGIC = 0x57435345; // "WCSE"
    /** 2: the decoder reconstructs the canonical order ({@link NeuronPermutation#canonical}); 1 reconstructed the view. */
    private static final int FORMAT = 2;

    /** What travels with the graph so a loaded encoder tokenises exactly as in training. */
    public record Header(@JsonProperty("architecture") String architecture,
                         @JsonProperty("config") EncoderConfig config,
                         @JsonProperty("normalizer") TokenNormalizer normalizer,
                         @JsonProperty("training_batch") int trainingBatch) {}

    /** One epoch's mean losses. */
    public record EpochLoss(int epoch, double loss, double contrastive, double reconstruction, double seconds) {}

    /**
     * One evaluation of a {@link TrainingPlan} training: the mean training losses of the steps since the last one.
     *
     * @param evaluation   1, 2, …
     * @param epochs       passes over the training checkpoints so far (steps · batch / checkpoints)
     * @param steps        training steps so far
     * @param seconds      wall time since the training started, earlier evaluations included
     * @param learningRate the rate of the last step
     */
    public record CurvePoint(int evaluation, double epochs, long steps, double seconds, double loss, double contrastive,
                             double reconstruction, double learningRate) {}

    /** A {@link TrainingPlan} training's evaluations and why it ended ("epochs", "patience" or "time budget"). */
    public record Outcome(List<CurvePoint> curve, String stoppedBy, double bestScore) {}

    /**
     * Where the training steps' wall time went, summed since the encoder was made: building the two views
     * (augmentations and the input arrays), SameDiff's training step (forward, backward, updater; the step's
     * losses come from its own forward pass), and freeing the inputs' native memory. For benchmarks and logs; not part of the model.
     */
    public static final class StepTimes {
        private long steps;
        private long checkpoints;
        private long viewsNanos;
        private long fitNanos;
        private long releaseNanos;

        public long steps() {
            return steps;
        }

        /** Checkpoints seen (each as two views). */
        public long checkpoints() {
            return checkpoints;
        }

        public long viewsNanos() {
            return viewsNanos;
        }

        public long fitNanos() {
            return fitNanos;
        }

        public long releaseNanos() {
            return releaseNanos;
        }

        public long totalNanos() {
            return viewsNanos + fitNanos + releaseNanos;
        }
    }

    private final ArchitectureSignature signature;
    private final Header header;
    private final SameDiff sd;
    private final StepTimes stepTimes = new StepTimes();
    /** Token columns: the widest layer's plus the scale column of {@link EncoderTuning#layerScale()}. */
    private final int inputWidth;

    private HyperRepresentation(ArchitectureSignature signature, Header header, SameDiff sd) {
        this.signature = signature;
        this.header = header;
        this.sd = sd;
        this.inputWidth = EncoderGraph.inputWidth(signature, header.config());
    }

    /** A fresh encoder for the architecture of {@code training}, normaliser fitted on it. */
    public static HyperRepresentation create(List<WeightTokens> training, EncoderConfig config) {
        if (training.size() < 2) {
            throw new IllegalArgumentException("an encoder needs at least 2 training checkpoints, got " + training.size());
        }
        ArchitectureSignature sig = training.get(0).signature();
        for (WeightTokens t : training) {
            if (!t.signature().key().equals(sig.key())) {
                throw new IllegalArgumentException("one encoder serves one architecture: " + sig.key() + " vs " + t.signature().key());
            }
            if (!t.isFinite()) {
                throw new IllegalArgumentException("training checkpoints must be finite (filter NaN/Inf weights out first)");
            }
        }
        int batch = Math.min(config.batchSize(), training.size());
        Header header = new Header(sig.key(), config, TokenNormalizer.fit(training), batch);
        SameDiff sd = EncoderGraph.build(sig, config, batch);
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(new Adam(config.learningRate()))
                .dataSetFeatureMapping(EncoderGraph.INPUT)
                .dataSetLabelMapping(EncoderGraph.TARGET)
                .build());
        return new HyperRepresentation(sig, header, sd);
    }

    public String architecture() {
        return header.architecture();
    }

    public EncoderConfig config() {
        return header.config();
    }

    public int embeddingDim() {
        return header.config().embeddingDim();
    }

    /** Whether this encoder can embed a checkpoint with that token layout. */
    public boolean accepts(ArchitectureSignature other) {
        return header.architecture().equals(other.key());
    }

    /**
     * Trains for {@code epochs} passes over {@code training} (shuffled; a last incomplete batch is
     * dropped, the contrastive loss is defined for full batches). Each step makes two augmented
     * views per checkpoint: neuron permutation, random erasing, optional noise; the decoder
     * reconstructs the checkpoint's canonical order ({@link NeuronPermutation#canonical}), the same
     * target for both views.
     */
    public List<EpochLoss> train(List<WeightTokens> training, int epochs, Consumer<EpochLoss> progress) {
        return train(training, epochs, progress, () -> { });
    }

    /**
     * {@link #train(List, int, Consumer)}, calling {@code beforeStep} on the training thread before every
     * training step (batch): a caller can pause the training there (block) or abandon it (throw). The
     * trainer service uses it to let a refit of its accuracy model go first.
     */
    public List<EpochLoss> train(List<WeightTokens> training, int epochs, Consumer<EpochLoss> progress, Runnable beforeStep) {
        Random random = new Random(header.config().seed());
        int batch = header.trainingBatch();
        List<WeightTokens> order = new ArrayList<>(training);
        List<EpochLoss> history = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            Collections.shuffle(order, random);
            double[] sums = new double[3];
            int steps = 0;
            for (int from = 0; from + batch <= order.size(); from += batch) {
                beforeStep.run();
                double[] losses = step(order.subList(from, from + batch), random);
                for (int i = 0; i < 3; i++) {
                    sums[i] += losses[i];
                }
                steps++;
            }
            EpochLoss e = new EpochLoss(epoch, sums[0] / steps, sums[1] / steps, sums[2] / steps,
                    (System.nanoTime() - start) / 1e9);
            history.add(e);
            progress.accept(e);
        }
        return history;
    }

    /** One training step on a batch: two views each, SameDiff's fit, the inputs freed; the step's losses. */
    private double[] step(List<WeightTokens> batch, Random random) {
        long t0 = System.nanoTime();
        MultiDataSet views = views(batch, random);
        long t1 = System.nanoTime();
        double[] losses = fit(views);
        long t2 = System.nanoTime();
        release(views.getFeatures(0), views.getLabels(0));
        long t3 = System.nanoTime();
        stepTimes.steps++;
        stepTimes.checkpoints += batch.size();
        stepTimes.viewsNanos += t1 - t0;
        stepTimes.fitNanos += t2 - t1;
        stepTimes.releaseNanos += t3 - t2;
        return losses;
    }

    /**
     * Trains by a {@link TrainingPlan}: the learning rate warms up and decays on plateaus of the score that
     * {@code monitor} returns for each evaluation (higher is better; the validation reconstruction R² in
     * {@code ssl-eval}), and the training stops when the plan's epochs, patience or time budget run out. A
     * last partial stretch of steps is evaluated too, so the curve ends where the training did.
     */
    public Outcome train(List<WeightTokens> training, TrainingPlan plan, ToDoubleFunction<CurvePoint> monitor) {
        Random random = new Random(header.config().seed());
        int batch = header.trainingBatch();
        List<WeightTokens> order = new ArrayList<>(training);
        LearningRateSchedule schedule = new LearningRateSchedule(header.config().learningRate(), plan);
        List<CurvePoint> curve = new ArrayList<>();
        long start = System.nanoTime();
        long budget = (long) (plan.budgetSeconds() * 1e9);
        double[] sums = new double[3];
        int window = 0;
        long steps = 0;
        double rate = schedule.rate(0);
        String stoppedBy = "epochs";
        outer:
        for (int epoch = 1; epoch <= plan.maxEpochs(); epoch++) {
            Collections.shuffle(order, random);
            for (int from = 0; from + batch <= order.size(); from += batch) {
                if (budget > 0 && System.nanoTime() - start >= budget) {
                    stoppedBy = "time budget";
                    break outer;
                }
                rate = schedule.rate(steps);
                learningRate(rate);
                double[] losses = step(order.subList(from, from + batch), random);
                for (int i = 0; i < 3; i++) {
                    sums[i] += losses[i];
                }
                window++;
                steps++;
                if (plan.evaluateEverySteps() > 0 && steps % plan.evaluateEverySteps() == 0) {
                    evaluate(curve, new Window(steps, (double) steps * batch / order.size(), start, sums, window, rate),
                            monitor, schedule);
                    window = 0;
                    if (schedule.exhausted()) {
                        stoppedBy = "patience";
                        break outer;
                    }
                }
            }
            if (plan.evaluateEverySteps() == 0 && window > 0) {
                evaluate(curve, new Window(steps, epoch, start, sums, window, rate), monitor, schedule);
                window = 0;
                if (schedule.exhausted()) {
                    stoppedBy = "patience";
                    break;
                }
            }
        }
        if (window > 0) {
            evaluate(curve, new Window(steps, (double) steps * batch / order.size(), start, sums, window, rate), monitor,
                    schedule);
        }
        return new Outcome(curve, stoppedBy, schedule.best());
    }

    /** The steps since the last evaluation: their summed losses and where the training stands. */
    private record Window(long steps, double epochs, long start, double[] sums, int count, double rate) {}

    private static void evaluate(List<CurvePoint> curve, Window w, ToDoubleFunction<CurvePoint> monitor,
                                 LearningRateSchedule schedule) {
        CurvePoint p = new CurvePoint(curve.size() + 1, w.epochs(), w.steps(), (System.nanoTime() - w.start()) / 1e9,
                w.sums()[0] / w.count(), w.sums()[1] / w.count(), w.sums()[2] / w.count(), w.rate());
        Arrays.fill(w.sums(), 0);
        curve.add(p);
        schedule.observe(monitor.applyAsDouble(p));
    }

    /** Sets Adam's learning rate for the following steps (its updaters read the rate from their config each step). */
    void learningRate(double rate) {
        ((Adam) sd.getTrainingConfig().getUpdater()).setLearningRate(rate);
    }

    /** The training steps' time by phase so far (live: later steps add to it). */
    public StepTimes stepTimes() {
        return stepTimes;
    }

    /** SameDiff listeners for every later training step and output (profiling; replaces earlier ones). */
    public void listeners(Listener... listeners) {
        sd.setListeners(listeners);
    }

    /** One training step on these views; its total, contrastive and reconstruction loss (before the update). */
    double[] fit(MultiDataSet views) {
        StepLosses step = new StepLosses(header.config().gamma());
        double dropout = header.config().tuning().dropout();
        if (dropout > 0) {
            dropoutRate(dropout);
        }
        try {
            sd.fit(views, step);
        } finally {
            if (dropout > 0) {
                dropoutRate(0);
            }
        }
        return step.values();
    }

    private void dropoutRate(double rate) {
        sd.getVariable(EncoderGraph.DROPOUT_RATE).setArray(Nd4j.scalar(DataType.FLOAT, (float) rate));
    }

    /** The losses of these views under the current parameters, by a forward pass of its own (tests compare). */
    double[] losses(MultiDataSet views) {
        Map<String, INDArray> out = sd.output(Map.of(EncoderGraph.INPUT, views.getFeatures(0),
                EncoderGraph.TARGET, views.getLabels(0)), EncoderGraph.LOSS, EncoderGraph.CONTRASTIVE, EncoderGraph.MSE);
        double[] losses = {out.get(EncoderGraph.LOSS).getDouble(0), out.get(EncoderGraph.CONTRASTIVE).getDouble(0),
                out.get(EncoderGraph.MSE).getDouble(0)};
        release(out.values().toArray(INDArray[]::new));
        return losses;
    }

    /**
     * The training step's own total, contrastive and reconstruction loss, as the graph defines them, taken from
     * the step's forward pass while SameDiff computes it (before the update; no second forward pass).
     */
    private static final class StepLosses extends BaseListener {
        // SameDiff M2.1 reports no activation for the loss variable itself (and a 0 total to iterationDone): the total
        // is formed here from its two terms, as the graph forms it.
        private static final List<String> NAMES = List.of(EncoderGraph.CONTRASTIVE, EncoderGraph.MSE);
        private final double gamma;
        private final double[] values = {Double.NaN, Double.NaN};

        StepLosses(double gamma) {
            this.gamma = gamma;
        }

        @Override
        public ListenerVariables requiredVariables(SameDiff sd) {
            return ListenerVariables.builder().trainingVariables(NAMES.toArray(String[]::new)).build();
        }

        @Override
        public boolean isActive(Operation operation) {
            return operation == Operation.TRAINING;
        }

        @Override
        public void activationAvailable(SameDiff sd, At at, org.nd4j.linalg.dataset.api.MultiDataSet batch, SameDiffOp op,
                                        String varName, INDArray activation) {
            int i = NAMES.indexOf(varName);
            if (i >= 0) {
                values[i] = activation.getDouble(0);
            }
        }

        /** Total, contrastive and reconstruction loss. */
        double[] values() {
            for (int i = 0; i < NAMES.size(); i++) {
                if (Double.isNaN(values[i])) {
                    throw new IllegalStateException("the training step did not report " + NAMES.get(i));
                }
            }
            return new double[] {gamma * values[0] + (1 - gamma) * values[1], values[0], values[1]};
        }
    }

    /**
     * Frees arrays' native memory now. ND4J otherwise frees it when the GC collects the Java objects,
     * which on a small heap happens too late: a 6-epoch ssl-eval grew to 22 GB resident and was
     * killed by the OOM killer before this.
     */
    private static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }

    /** Two views of each checkpoint, stacked [view 1 of all; view 2 of all], with their reconstruction target. */
    MultiDataSet views(List<WeightTokens> batch, Random random) {
        int b = batch.size();
        int size = signature.tokens() * inputWidth;
        float[] x = new float[2 * b * size];
        float[] target = new float[2 * b * size];
        for (int i = 0; i < b; i++) {
            fill(target, i * size, NeuronPermutation.canonical(batch.get(i)), null);
        }
        System.arraycopy(target, 0, target, b * size, b * size); // both views reconstruct the same target
        Random noise = header.config().noiseStd() > 0 ? random : null;
        for (int v = 0; v < 2; v++) {
            for (int i = 0; i < b; i++) {
                WeightTokens erased = NeuronPermutation.apply(batch.get(i), random);
                header.config().erasing().applyInPlace(erased, random);
                fill(x, (v * b + i) * size, erased, noise);
            }
        }
        long[] shape = {2L * b, signature.tokens(), inputWidth};
        return new MultiDataSet(new INDArray[] {Nd4j.create(x, shape, 'c')}, new INDArray[] {Nd4j.create(target, shape, 'c')});
    }

    /**
     * Writes one checkpoint's normalised tokens at {@code offset} of a [tokens, inputWidth] row-major block (padding
     * stays 0). With {@link EncoderTuning#layerScale()} each layer's normalised values are divided by their RMS in this
     * checkpoint and log(RMS) goes into the last column of each of the layer's tokens; noise goes on the scaled values.
     */
    private void fill(float[] into, int offset, WeightTokens tokens, Random noise) {
        TokenNormalizer norm = header.normalizer();
        double std = header.config().noiseStd();
        boolean scaled = header.config().tuning().layerScale();
        for (int l = 0; l < signature.layers().size(); l++) {
            LayerShape layer = signature.layers().get(l);
            int first = signature.firstToken(l);
            int width = layer.width();
            float[] m = tokens.layers()[l];
            double rms = scaled ? layerRms(norm, l, m) : 1.0;
            for (int u = 0; u < layer.units(); u++) {
                int row = offset + (first + u) * inputWidth;
                for (int c = 0; c < width; c++) {
                    float v = (float) (norm.apply(l, m[u * width + c]) / rms);
                    if (noise != null) {
                        v += (float) (noise.nextGaussian() * std);
                    }
                    into[row + c] = v;
                }
                if (scaled) {
                    into[row + signature.maxWidth()] = (float) Math.log(rms);
                }
            }
        }
    }

    /** RMS of a layer's normalised values in one checkpoint (floored: an erased layer is all one value). */
    static double layerRms(TokenNormalizer norm, int layer, float[] values) {
        double sq = 0;
        for (float v : values) {
            double g = norm.apply(layer, v);
            sq += g * g;
        }
        return Math.max(1e-3, Math.sqrt(sq / values.length));
    }

    /** The normalised canonical tokens of the checkpoints, [n, tokens, maxWidth] row-major. */
    private float[] inputs(List<WeightTokens> checkpoints) {
        int size = signature.tokens() * inputWidth;
        float[] x = new float[checkpoints.size() * size];
        for (int i = 0; i < checkpoints.size(); i++) {
            WeightTokens t = checkpoints.get(i);
            if (!accepts(t.signature())) {
                throw new IllegalArgumentException("encoder for " + header.architecture() + " cannot embed " + t.signature().key());
            }
            fill(x, i * size, NeuronPermutation.canonical(t), null);
        }
        return x;
    }

    private INDArray array(float[] x, int n) {
        return Nd4j.create(x, new long[] {n, signature.tokens(), inputWidth}, 'c');
    }

    /** z for each checkpoint (no augmentation; in canonical order, so any permutation of a network gives its z), in order. */
    public float[][] embed(List<WeightTokens> checkpoints) {
        float[][] out = new float[checkpoints.size()][];
        int chunk = 256;
        for (int from = 0; from < checkpoints.size(); from += chunk) {
            List<WeightTokens> part = checkpoints.subList(from, Math.min(checkpoints.size(), from + chunk));
            INDArray x = array(inputs(part), part.size());
            INDArray z = sd.output(Map.of(EncoderGraph.INPUT, x), EncoderGraph.EMBEDDING).get(EncoderGraph.EMBEDDING);
            for (int i = 0; i < part.size(); i++) {
                out[from + i] = z.getRow(i).toFloatVector();
            }
            release(x, z);
        }
        return out;
    }

    public float[] embed(WeightTokens checkpoint) {
        return embed(List.of(checkpoint))[0];
    }

    /**
     * R² of the decoder's reconstruction of un-augmented checkpoints (canonical order), over every real
     * weight in the normalised space (1 = perfect; 0 = no better than each layer's mean). With
     * {@link EncoderTuning#layerScale()} both sides are taken back to the per-layer normalised space first, the
     * reconstruction with its own predicted log-scale (mean of the layer's scale column), so the figure means the
     * same with and without scale tokens.
     */
    public double reconstructionR2(List<WeightTokens> checkpoints) {
        double sse = 0;
        double sst = 0;
        int chunk = 256;
        boolean scaled = header.config().tuning().layerScale();
        int maxWidth = signature.maxWidth();
        int size = signature.tokens() * inputWidth;
        for (int from = 0; from < checkpoints.size(); from += chunk) {
            List<WeightTokens> part = checkpoints.subList(from, Math.min(checkpoints.size(), from + chunk));
            float[] truth = inputs(part);
            INDArray x = array(truth, part.size());
            INDArray rec = sd.output(Map.of(EncoderGraph.INPUT, x), EncoderGraph.RECONSTRUCTION).get(EncoderGraph.RECONSTRUCTION);
            float[] out = rec.dup('c').reshape(-1).toFloatVector();
            for (int i = 0; i < part.size(); i++) {
                for (int l = 0; l < signature.layers().size(); l++) {
                    LayerShape layer = signature.layers().get(l);
                    int first = signature.firstToken(l);
                    double trueScale = 1;
                    double predictedScale = 1;
                    if (scaled) {
                        double logScale = 0;
                        for (int u = 0; u < layer.units(); u++) {
                            logScale += out[i * size + (first + u) * inputWidth + maxWidth];
                        }
                        predictedScale = Math.exp(logScale / layer.units());
                        trueScale = Math.exp(truth[i * size + first * inputWidth + maxWidth]);
                    }
                    for (int u = 0; u < layer.units(); u++) {
                        int row = i * size + (first + u) * inputWidth;
                        for (int c = 0; c < layer.width(); c++) {
                            double t = truth[row + c] * trueScale;
                            double err = t - out[row + c] * predictedScale;
                            sse += err * err;
                            sst += t * t; // normalised: each layer's mean is 0
                        }
                    }
                }
            }
            release(x, rec);
        }
        return 1 - sse / sst;
    }

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream graph = new ByteArrayOutputStream();
            sd.save(graph, false);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(out);
            byte[] head = Json.bytes(header);
            data.writeInt(MAGIC);
            data.writeInt(FORMAT);
            data.writeInt(head.length);
            data.write(head);
            data.write(graph.toByteArray());
            data.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads a saved encoder; {@code signature} is the token layout of the architecture it serves
     * (from any checkpoint of it) and must match the saved one.
     */
    public static HyperRepresentation fromBytes(byte[] bytes, ArchitectureSignature signature) {
        Header header = header(bytes);
        if (!header.architecture().equals(signature.key())) {
            throw new IllegalArgumentException("encoder is for " + header.architecture() + ", not " + signature.key());
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            in.skipNBytes(12L + headerLength(bytes));
            return new HyperRepresentation(signature, header, SameDiff.load(in, false));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a saved Weightcast encoder: " + e.getMessage(), e);
        }
    }

    /** The header of a saved encoder, without loading the graph. */
    public static Header header(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a saved Weightcast encoder (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IllegalArgumentException("saved encoder format " + format + " is not supported (expected " + FORMAT + ")");
            }
            byte[] head = in.readNBytes(in.readInt());
            return Json.read(head, Header.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a saved Weightcast encoder: " + e.getMessage(), e);
        }
    }

    private static int headerLength(byte[] bytes) {
        return ((bytes[8] & 0xff) << 24) | ((bytes[9] & 0xff) << 16) | ((bytes[10] & 0xff) << 8) | (bytes[11] & 0xff);
    }
}
