package io.weightcast.core.model;

import io.weightcast.core.records.ChanceFloor;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Fits and applies a {@link ChanceFloor}: the part of a final-accuracy model that recognises runs
 * which end exactly at chance and predicts that value for them (a hurdle model: classifier for the
 * point mass, regressor for the rest). The trainer and the benchmark fit it with the same code; the
 * scorer applies it through {@link AccuracyModel}.
 *
 * <p>Why: a network that collapsed to one class scores exactly the chance level on a class-balanced
 * test set, whichever class it picked, so those runs are tied. A regressor predicts each of them a
 * slightly different value near chance; Kendall's τ-b then counts those pairs as ranked without any
 * ground truth behind the ranking. On the 3,000-run digits zoo the floor lifted τ of the final
 * checkpoint from 0.88 to 0.94 and of epoch 3 from 0.83 to 0.88, R² unchanged (eval/results/predict.md).
 */
public final class ChanceFloorModel implements AutoCloseable {
    /** The classifier's probability from which the floor applies. */
    public static final double DECISION_PROBABILITY = 0.5;
    /** A level needs at least this share of the training runs (and {@link #MIN_RUNS}) ending exactly there. */
    public static final double MIN_SHARE = 0.05;
    public static final int MIN_RUNS = 5;
    /** A floor, not a ceiling: levels above this are not chance. */
    public static final double MAX_LEVEL = 0.5;
    /** Accuracies are ratios of counts: equal ones agree to far better than this. */
    static final double TOLERANCE = 1e-9;

    private final ChanceFloor floor;
    private final BinaryClassifier classifier;

    private ChanceFloorModel(ChanceFloor floor, BinaryClassifier classifier) {
        this.floor = floor;
        this.classifier = classifier;
    }

    /**
     * The chance level of a zoo from its runs' final accuracies: the most frequent exact value, when
     * it is at most {@link #MAX_LEVEL} and at least {@link #MIN_SHARE} of the runs (and {@link #MIN_RUNS})
     * ended there; empty otherwise (no point mass to model).
     */
    public static OptionalDouble level(double[] runFinals) {
        Map<Long, Integer> counts = new HashMap<>();
        for (double f : runFinals) {
            if (Double.isFinite(f) && f <= MAX_LEVEL) {
                counts.merge(Math.round(f / TOLERANCE), 1, Integer::sum);
            }
        }
        long bestKey = 0;
        int best = 0;
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            if (e.getValue() > best || (e.getValue() == best && e.getKey() < bestKey)) {
                best = e.getValue();
                bestKey = e.getKey();
            }
        }
        if (best < MIN_RUNS || best < MIN_SHARE * runFinals.length) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(bestKey * TOLERANCE);
    }

    public static boolean atLevel(double finalAccuracy, double level) {
        return Math.abs(finalAccuracy - level) <= 10 * TOLERANCE;
    }

    /** How many of {@code runFinals} ended at {@code level}. */
    public static int runsAt(double[] runFinals, double level) {
        int n = 0;
        for (double f : runFinals) {
            n += atLevel(f, level) ? 1 : 0;
        }
        return n;
    }

    /**
     * Fits the classifier on rows (checkpoints) whose target is their run's final accuracy.
     *
     * @param x            the training rows
     * @return the floor, or null when the rows hold one class only (nothing to learn)
     */
    public static ChanceFloor fit(FeatureMatrix x, double[] targets, double level, int runsAtLevel, int threads, long seed) {
        double[] rowMajor = x.rowMajor();
        int rows = x.rows();
        int cols = x.cols();
        String[] featureNames = x.names();
        boolean[] y = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = atLevel(targets[i], level);
        }
        int positives = BinaryClassifier.positives(y);
        if (positives == 0 || positives == rows) {
            return null;
        }
        return new ChanceFloor(level, DECISION_PROBABILITY, BinaryClassifier.fit(rowMajor, cols, y, featureNames, threads, seed),
                runsAtLevel);
    }

    /** @param cols the columns of the model it belongs to */
    public static ChanceFloorModel load(ChanceFloor floor, int cols) {
        return new ChanceFloorModel(floor, BinaryClassifier.load(floor.modelText(), cols));
    }

    public ChanceFloor floor() {
        return floor;
    }

    /** P(the run ends at the chance level) per row. */
    public double[] probabilities(double[] rowMajor, int rows) {
        return classifier.probabilities(rowMajor, rows);
    }

    /** Replaces, in place, the predictions of rows the classifier puts at the chance level by the level. */
    public double[] apply(double[] rowMajor, int rows, double[] predictions) {
        double[] p = probabilities(rowMajor, rows);
        for (int i = 0; i < rows; i++) {
            if (p[i] >= floor.decisionProbability()) {
                predictions[i] = floor.level();
            }
        }
        return predictions;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
