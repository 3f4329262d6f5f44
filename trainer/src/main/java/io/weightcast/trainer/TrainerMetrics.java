package io.weightcast.trainer;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weightcast.core.records.ModelVersion;

/**
 * The trainer's Prometheus metrics, in its own registry (several services share a JVM in local
 * mode). The holdout gauges describe the CURRENT model (the one the scorer uses), not the last
 * candidate; rejected candidates show up in the log and in {@code fits_total{outcome="rejected"}}.
 * {@code candidate_holdout_r2} and {@code current_on_holdout_r2} are the two numbers the last fit's
 * publish decision compared (both on the candidate's held-out runs).
 */
public final class TrainerMetrics {
    public static final String PUBLISHED = "published";
    public static final String REJECTED = "rejected";
    public static final String FAILED = "failed";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Gauge zooRuns = Gauge.builder().name("weightcast_trainer_zoo_runs")
            .help("Finished runs with at least one feature vector").register(registry);
    final Gauge featureVectors = Gauge.builder().name("weightcast_trainer_feature_vectors")
            .help("Feature vectors held, one per (run, step)").register(registry);
    final Gauge modelVersion = Gauge.builder().name("weightcast_trainer_model_version")
            .help("Version of the current accuracy model (0: none)").register(registry);
    final Gauge holdoutR2 = Gauge.builder().name("weightcast_trainer_holdout_r2")
            .help("Current model's R² on the final checkpoint of held-out runs").register(registry);
    final Gauge holdoutMae = Gauge.builder().name("weightcast_trainer_holdout_mae")
            .help("Current model's mean absolute error on the final checkpoint of held-out runs").register(registry);
    final Gauge holdoutTau = Gauge.builder().name("weightcast_trainer_holdout_kendall_tau")
            .help("Current model's Kendall tau-b on the final checkpoint of held-out runs").register(registry);
    final Gauge candidateHoldoutR2 = Gauge.builder().name("weightcast_trainer_candidate_holdout_r2")
            .help("Last fit's candidate: R² on the final checkpoint of its held-out runs (published or not)").register(registry);
    final Gauge currentOnHoldoutR2 = Gauge.builder().name("weightcast_trainer_current_on_holdout_r2")
            .help("Last fit: R² of the version then current on the candidate's held-out runs"
                    + " (NaN: no comparable current version)").register(registry);
    final Gauge holdoutR2Without = Gauge.builder().name("weightcast_trainer_holdout_r2_without")
            .help("Current model's fit repeated without a feature family (label family), R² on the same held-out runs:"
                    + " the gap to weightcast_trainer_holdout_r2 is what the family adds").labelNames("family").register(registry);
    final Gauge leader = Gauge.builder().name("weightcast_trainer_leader")
            .help("1 while this trainer replica holds trainer.transactional.id and may publish; 0 once a newer replica fenced"
                    + " it (or its producer failed for good): it then publishes nothing and reports not ready").register(registry);
    final Counter fits = Counter.builder().name("weightcast_trainer_fits_total")
            .help("Fits by outcome").labelNames("outcome").register(registry);
    final Histogram fitDuration = Histogram.builder().name("weightcast_trainer_fit_duration_seconds")
            .help("Wall time of a fit, evaluation included")
            .classicOnly().classicUpperBounds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60).register(registry);
    final Counter malformed = Counter.builder().name("weightcast_trainer_malformed_records_total")
            .help("Records skipped because they could not be decoded or used").labelNames("topic").register(registry);

    final Counter encoderCheckpoints = Counter.builder().name("weightcast_trainer_encoder_checkpoints_total")
            .help("Checkpoints read for the encoder: held, or why not (split, too_large, full, no_layers, nonfinite)")
            .labelNames("outcome").register(registry);
    final Gauge weightsHeld = Gauge.builder().name("weightcast_trainer_encoder_weights_held")
            .help("Checkpoints whose weights the trainer holds for encoder training and embedding").register(registry);
    final Gauge encoderVersion = Gauge.builder().name("weightcast_trainer_encoder_version")
            .help("Version of the current weight encoder (0: none)").register(registry);
    final Gauge encoderReconstructionR2 = Gauge.builder().name("weightcast_trainer_encoder_reconstruction_r2")
            .help("Current encoder's decoder R² on checkpoints of held-out runs (normalised weights)").register(registry);
    final Gauge encoderTrainSeconds = Gauge.builder().name("weightcast_trainer_encoder_train_seconds")
            .help("Wall time of the last encoder training").register(registry);
    final Gauge encoderTraining = Gauge.builder().name("weightcast_trainer_encoder_training")
            .help("1 while an encoder training is under way (paused or not), else 0").register(registry);
    final Counter encoderPausedSeconds = Counter.builder().name("weightcast_trainer_encoder_paused_seconds_total")
            .help("Time encoder trainings spent paused while a refit of the accuracy model was due or running").register(registry);
    final Counter encoderRestedSeconds = Counter.builder().name("weightcast_trainer_encoder_rested_seconds_total")
            .help("Time encoder trainings rested between steps to stay within trainer.encoder.cpu.share of wall time").register(registry);
    final Counter pollBatches = Counter.builder().name("weightcast_trainer_poll_batches_total")
            .help("Polls that returned records (the trainer reads its topics in batches of at most max.poll.records)")
            .register(registry);
    final Counter encoderTrainings = Counter.builder().name("weightcast_trainer_encoder_trainings_total")
            .help("Encoder trainings by outcome (published, failed)").labelNames("outcome").register(registry);
    final Gauge inputsHoldoutR2 = Gauge.builder().name("weightcast_trainer_inputs_holdout_r2")
            .help("Last fit with an encoder: final-accuracy R² on held-out runs by inputs (features, embedding, both)")
            .labelNames("inputs").register(registry);
    final Gauge inputsHoldoutTau = Gauge.builder().name("weightcast_trainer_inputs_holdout_kendall_tau")
            .help("Last fit with an encoder: final-accuracy Kendall tau on held-out runs by inputs (features, embedding, both)")
            .labelNames("inputs").register(registry);

    final Gauge taskHoldoutR2 = Gauge.builder().name("weightcast_trainer_task_holdout_r2")
            .help("Per encoder version: R² over every held-out checkpoint by task (final_accuracy, generalization_gap, epoch)"
                    + " and inputs (statistics: weight features only; embedding; both)").labelNames("task", "inputs").register(registry);
    final Gauge taskHoldoutTau = Gauge.builder().name("weightcast_trainer_task_holdout_kendall_tau")
            .help("Per encoder version: Kendall tau over every held-out checkpoint by task and inputs")
            .labelNames("task", "inputs").register(registry);

    public TrainerMetrics(String... topics) {
        encoderTrainings.initLabelValues(PUBLISHED);
        encoderTrainings.initLabelValues(FAILED);
        fits.initLabelValues(PUBLISHED);
        fits.initLabelValues(REJECTED);
        fits.initLabelValues(FAILED);
        for (String t : topics) {
            malformed.initLabelValues(t);
        }
        holdoutR2.set(Double.NaN);
        holdoutMae.set(Double.NaN);
        holdoutTau.set(Double.NaN);
        candidateHoldoutR2.set(Double.NaN);
        currentOnHoldoutR2.set(Double.NaN);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    void current(ModelVersion mv) {
        modelVersion.set(mv.version());
        if (mv.holdout() != null) {
            holdoutR2.set(mv.holdout().r2());
            holdoutMae.set(mv.holdout().mae());
            holdoutTau.set(mv.holdout().kendallTau());
        }
        mv.ablations().forEach((family, m) -> holdoutR2Without.labelValues(family).set(m.r2()));
    }

    /** A fit reached a decision: the two R² it compared (the current's NaN when nothing was compared). */
    void compared(FitResult candidate, PublishDecision decision) {
        candidateHoldoutR2.set(candidate.holdout().r2());
        currentOnHoldoutR2.set(decision.currentOnHoldout() == null ? Double.NaN : decision.currentOnHoldout().r2());
    }

    long fitCount(String outcome) {
        return (long) fits.labelValues(outcome).get();
    }
}
