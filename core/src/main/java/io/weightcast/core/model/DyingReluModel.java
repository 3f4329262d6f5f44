package io.weightcast.core.model;

import io.weightcast.core.features.FeatureExtractor;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The learned dying-ReLU classifier (design §6, issue 6 §5): LightGBM binary, P("≥ 50% of some
 * layer's units are dead on every input") from one checkpoint's WEIGHT features alone (no reported
 * metric: a loop that reports nothing must still be judged). Published on the models topic as
 * {@value #NAME}. The trainer fits it ({@link #fit}) on labels from the dead fractions the training
 * loops measured and reported ({@code dead_fraction/<layer>}, {@link #label}); the scorer loads it
 * ({@link #load}) and raises DYING_RELU when {@link #fires}; the benchmark judges this same code.
 *
 * <p>Why learned: the weight criterion (a unit dead for EVERY non-negative input) is a strict lower
 * bound that fired on 0 of 8,820 zoo checkpoints, while units dead on all real inputs are common;
 * the classifier reached precision 0.985 / recall 0.921 on held-out runs.
 */
public final class DyingReluModel implements AutoCloseable {
    /** Model name on the models topic (its key). */
    public static final String NAME = "dying-relu";
    /** "Dying": some layer has at least this fraction of its units dead (the label's definition). */
    public static final double DEAD_FRACTION = 0.5;
    /** Probability from which the classifier fires. */
    public static final double DECISION_PROBABILITY = 0.5;
    /** Trees per fit ({@link BinaryClassifier}'s parameters, not tuned). */
    public static final int ITERATIONS = BinaryClassifier.ITERATIONS;

    private static final List<String> FEATURE_NAMES = FeatureLayout.names().stream()
            .filter(FeatureLayout::isWeightFeature).toList();
    private static final int[] COLUMNS = IntStream.range(0, FeatureLayout.size())
            .filter(i -> FeatureLayout.isWeightFeature(FeatureLayout.names().get(i))).toArray();

    private final ModelVersion version;
    private final BinaryClassifier booster;

    private DyingReluModel(ModelVersion version, BinaryClassifier booster) {
        this.version = version;
        this.booster = booster;
    }

    /** The classifier's inputs: the layout's weight features, in layout order. */
    public static List<String> featureNames() {
        return FEATURE_NAMES;
    }

    /** The classifier's inputs from a full {@link FeatureLayout} vector. */
    public static double[] select(double[] layoutVector) {
        if (layoutVector.length != FeatureLayout.size()) {
            throw new IllegalArgumentException("feature vector has " + layoutVector.length + " values, layout "
                    + FeatureLayout.VERSION + " has " + FeatureLayout.size());
        }
        double[] out = new double[COLUMNS.length];
        for (int j = 0; j < COLUMNS.length; j++) {
            double v = layoutVector[COLUMNS[j]];
            out[j] = Double.isFinite(v) ? v : Double.NaN; // missing to LightGBM
        }
        return out;
    }

    /**
     * The label of one checkpoint from the metrics its loop reported: true when some reported
     * {@code dead_fraction/<layer>} is at least {@value #DEAD_FRACTION}, false when all are below,
     * null when none was reported (no ground truth: not a training row).
     */
    public static Boolean label(Map<String, Double> metrics) {
        return labelOfLayers(FeatureExtractor.measuredDeadFractions(metrics));
    }

    /**
     * The same from the measured fractions per layer (a feature record's {@code measured_dead_fractions}); null when
     * there are none.
     */
    public static Boolean labelOfLayers(Map<String, Double> measured) {
        if (measured == null) {
            return null;
        }
        double worst = measured.values().stream().filter(v -> v != null && Double.isFinite(v)).mapToDouble(Double::doubleValue)
                .max().orElse(Double.NaN);
        return Double.isNaN(worst) ? null : worst >= DEAD_FRACTION;
    }

    /** The decision from a probability. */
    public static boolean fires(double probability) {
        return probability >= DECISION_PROBABILITY;
    }

    /**
     * Fits the classifier and returns its LightGBM model text.
     *
     * @param layoutRows row-major full {@link FeatureLayout} vectors, {@code labels.length} rows
     * @throws IllegalArgumentException when the labels hold only one class (nothing to learn)
     */
    public static String fit(double[] layoutRows, boolean[] labels, int threads, long seed) {
        int rows = labels.length;
        int cols = FeatureLayout.size();
        if (layoutRows.length != (long) rows * cols) {
            throw new IllegalArgumentException(layoutRows.length + " values for " + rows + " rows of " + cols);
        }
        int positives = BinaryClassifier.positives(labels);
        if (positives == 0 || positives == rows) {
            throw new IllegalArgumentException("dying-ReLU labels hold one class only (" + positives + " of " + rows
                    + " positive): nothing to learn");
        }
        double[] x = new double[rows * COLUMNS.length];
        for (int i = 0; i < rows; i++) {
            double[] row = new double[cols];
            System.arraycopy(layoutRows, i * cols, row, 0, cols);
            System.arraycopy(select(row), 0, x, i * COLUMNS.length, COLUMNS.length);
        }
        return BinaryClassifier.fit(x, COLUMNS.length, labels, FEATURE_NAMES.toArray(String[]::new), threads, seed);
    }

    /**
     * Loads a published version.
     *
     * @throws IllegalArgumentException if it is not this classifier's (name, feature names) or does not load
     */
    public static DyingReluModel load(ModelVersion version) {
        if (!NAME.equals(version.name())) {
            throw new IllegalArgumentException("model '" + version.name() + "' is not the " + NAME + " classifier");
        }
        if (!FEATURE_NAMES.equals(version.featureNames())) {
            throw new IllegalArgumentException(NAME + " version " + version.version() + " was fit on other features ("
                    + (version.featureNames() == null ? 0 : version.featureNames().size()) + " names, layout "
                    + version.layoutVersion() + "); this build uses " + FEATURE_NAMES.size() + " of layout " + FeatureLayout.VERSION);
        }
        try {
            return new DyingReluModel(version, BinaryClassifier.load(version.modelText(), COLUMNS.length));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(NAME + " version " + version.version() + " does not load: " + e.getMessage(), e);
        }
    }

    /** The probability from which DYING_RELU is raised: what the trainer chose for this version, else {@link #DECISION_PROBABILITY}. */
    public double alertProbability() {
        Double chosen = version().alertProbability();
        return chosen == null || !Double.isFinite(chosen) ? DECISION_PROBABILITY : chosen;
    }

    public ModelVersion version() {
        return version;
    }

    /** P(dying) of one checkpoint from its full layout vector. */
    public double probability(double[] layoutVector) {
        return probabilities(select(layoutVector), 1)[0];
    }

    /** P(dying) per row of full layout vectors (row-major). */
    public double[] probabilitiesOfLayoutRows(double[] layoutRows, int rows) {
        int cols = FeatureLayout.size();
        double[] x = new double[rows * COLUMNS.length];
        for (int i = 0; i < rows; i++) {
            double[] row = new double[cols];
            System.arraycopy(layoutRows, i * cols, row, 0, cols);
            System.arraycopy(select(row), 0, x, i * COLUMNS.length, COLUMNS.length);
        }
        return probabilities(x, rows);
    }

    private double[] probabilities(double[] selected, int rows) {
        return booster.probabilities(selected, rows);
    }

    @Override
    public void close() {
        booster.close();
    }
}
