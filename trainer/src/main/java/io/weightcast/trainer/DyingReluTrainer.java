package io.weightcast.trainer;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.model.DyingReluModel;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.ModelVersion;
import io.weightcast.core.records.RunEvent;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's second model: the dying-ReLU classifier ({@link DyingReluModel}), refit whenever the
 * accuracy model is (same {@link RefitPolicy}) and published on the models topic under its own name
 * ({@value DyingReluModel#NAME}) with its own version numbers. Labels come from the runs topic
 * ({@link DeadUnitLabels}). A candidate replaces the current version unless its F1 on the candidate's
 * held-out runs is below the current version's F1 on the same checkpoints (as {@link PublishGate}
 * does with R² for the accuracy model); no current version, one of another layout or one that does
 * not load is always replaced. The version's {@code holdout} and {@code residual_quantiles} stay
 * null (they describe a regressor); its held-out precision and recall are the gauges below and the log.
 *
 * <p>Metrics (in the trainer's registry): {@code weightcast_trainer_dying_relu_model_version},
 * {@code weightcast_trainer_dying_relu_holdout_precision}, {@code _holdout_recall} (of the last
 * published candidate; NaN until one was fit here), {@code weightcast_trainer_dying_relu_fits_total{outcome}}
 * (published|rejected|skipped|failed). Poll thread only.
 */
final class DyingReluTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DyingReluTrainer.class);
    static final String SKIPPED = "skipped";

    private final DeadUnitLabels labels;
    private final DyingReluFitter fitter;
    private final Gauge version;
    private final Gauge precision;
    private final Gauge recall;
    private final Counter fits;
    private final Gauge alertProbability;
    private ModelVersion current;
    private int maxVersionSeen;

    DyingReluTrainer(FitParams params, PrometheusRegistry registry) {
        this(params, registry, DeadUnitLabels.DEFAULT_MAX_RUNS);
    }

    /** @param maxRuns runs whose labels are held (the zoo's bounds together) */
    DyingReluTrainer(FitParams params, PrometheusRegistry registry, int maxRuns) {
        this.labels = new DeadUnitLabels(maxRuns);
        this.fitter = new DyingReluFitter(params);
        this.version = Gauge.builder().name("weightcast_trainer_dying_relu_model_version")
                .help("Version of the current dying-ReLU classifier (0: none)").register(registry);
        this.precision = Gauge.builder().name("weightcast_trainer_dying_relu_holdout_precision")
                .help("Last published dying-ReLU classifier: precision on the labelled checkpoints of held-out runs").register(registry);
        this.recall = Gauge.builder().name("weightcast_trainer_dying_relu_holdout_recall")
                .help("Last published dying-ReLU classifier: recall on the labelled checkpoints of held-out runs").register(registry);
        this.alertProbability = Gauge.builder().name("weightcast_trainer_dying_relu_alert_probability")
                .help("Last published dying-ReLU classifier: the probability from which the scorer raises DYING_RELU, chosen on the "
                        + "study's runs out of fold for run precision >= 0.9 (above 1: silent)").register(registry);
        this.fits = Counter.builder().name("weightcast_trainer_dying_relu_fits_total")
                .help("Dying-ReLU classifier fits by outcome (skipped: too few labelled runs or one class)")
                .labelNames("outcome").register(registry);
        for (String outcome : List.of(TrainerMetrics.PUBLISHED, TrainerMetrics.REJECTED, SKIPPED, TrainerMetrics.FAILED)) {
            fits.initLabelValues(outcome);
        }
        precision.set(Double.NaN);
        recall.set(Double.NaN);
        alertProbability.set(Double.NaN);
    }

    void addRunEvent(RunEvent event, String keyRunId) {
        labels.add(event, keyRunId);
    }

    /** A feature record: its checkpoint's measured dead fractions, when the loop reported them in the metadata. */
    void addFeatures(FeatureVector features) {
        labels.add(features);
    }

    /** A version read from the models topic (replay or our own): numbers are never reused. */
    void adopt(ModelVersion mv) {
        maxVersionSeen = Math.max(maxVersionSeen, mv.version());
        if (current == null || mv.version() >= current.version()) {
            current = mv;
            version.set(mv.version());
        }
    }

    ModelVersion current() {
        return current;
    }

    int labelledCheckpoints() {
        return labels.size();
    }

    int labelledRuns() {
        return labels.runs();
    }

    /** Fits on the zoo and publishes through {@code publisher} when the candidate is not worse; never throws. */
    void refit(List<ZooRun> zoo, Consumer<ModelVersion> publisher) {
        long t0 = System.nanoTime();
        try {
            DyingReluFitter.Result fit = fitter.fit(zoo, labels);
            if (!fit.fitted()) {
                fits.labelValues(SKIPPED).inc();
                LOG.info("dying-ReLU classifier not fitted: {}", fit.skipped());
                return;
            }
            ClassifierMetrics cand = fit.holdout();
            ClassifierMetrics cur = currentOn(fit);
            boolean publish = cur == null || !(cand.f1() < cur.f1() - 1e-9);
            String outcome;
            if (publish) {
                ModelVersion mv = ModelVersion.builder().name(DyingReluModel.NAME).version(maxVersionSeen + 1)
                        .layoutVersion(FeatureLayout.VERSION).featureNames(DyingReluModel.featureNames())
                        .modelText(fit.modelText()).trainingRuns(fit.train().runs()).trainingRows(fit.train().rows())
                        .alertProbability(fit.alert().alertProbability()).createdAt(System.currentTimeMillis()).build();
                maxVersionSeen = mv.version(); // even if the ack is lost: never reuse a number
                publisher.accept(mv);
                adopt(mv);
                precision.set(cand.precision());
                recall.set(cand.recall());
                alertProbability.set(fit.alert().alertProbability());
                fits.labelValues(TrainerMetrics.PUBLISHED).inc();
                outcome = "published version " + mv.version();
            } else {
                fits.labelValues(TrainerMetrics.REJECTED).inc();
                outcome = "rejected";
            }
            LOG.info(String.format(Locale.ROOT, "dying-ReLU classifier fit: train %d runs / %d checkpoints (%d dying); held-out"
                            + " %d runs / %d checkpoints: precision %.3f recall %.3f F1 %.4f%s; %.2f s; %s",
                    fit.train().runs(), fit.train().rows(), fit.train().positives(), cand.runs(), cand.checkpoints(),
                    cand.precision(), cand.recall(), cand.f1(),
                    cur == null ? "" : String.format(Locale.ROOT, " (current v%d F1 %.4f)", current.version(), cur.f1()),
                    (System.nanoTime() - t0) / 1e9, outcome));
            DyingReluAlertCalibration.Choice a = fit.alert();
            LOG.info(String.format(Locale.ROOT, "dying-ReLU alert probability %.3f%s, chosen out of fold on %d runs (%d end dying): "
                            + "it flags %d, %d of them dying (precision %.3f, recall %.3f)", a.alertProbability(),
                    a.alertProbability() > 1 ? " (silent: no threshold from 0.5 reaches run precision 0.9)" : "", a.runs(), a.dying(),
                    a.flagged(), a.cameTrue(), a.precision(), a.recall()));
        } catch (TransactionalPublisher.LeadershipLostException e) {
            LOG.warn("dying-ReLU classifier not published: {}", e.getMessage()); // fenced: the trainer steps down
        } catch (RuntimeException e) {
            fits.labelValues(TrainerMetrics.FAILED).inc();
            LOG.error("dying-ReLU classifier fit failed (retried at the next refit): {}", e.toString(), e);
        }
    }

    /** The current version on the candidate's held-out checkpoints; null when there is nothing comparable. */
    private ClassifierMetrics currentOn(DyingReluFitter.Result fit) {
        if (current == null || current.layoutVersion() != FeatureLayout.VERSION) {
            return null;
        }
        try (DyingReluModel model = DyingReluModel.load(current)) {
            return DyingReluFitter.evaluate(model, fit.holdoutData());
        } catch (IllegalArgumentException e) {
            LOG.warn("current dying-ReLU version {} does not load, replacing it: {}", current.version(), e.getMessage());
            return null;
        }
    }

    long fitCount(String outcome) {
        return (long) fits.labelValues(outcome).get();
    }
}
