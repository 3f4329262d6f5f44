package io.weightcast.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * Metrics the training loop reports with an epoch's checkpoint (design §4 metadata {@code metrics}:
 * {@code train_acc}, {@code val_loss}, {@code val_acc}, ...). Called on the training thread at the
 * end of the epoch, so it may evaluate the model on validation data.
 */
@FunctionalInterface
public interface EpochMetrics {
    /** @param epoch the epoch just finished, starting at 1 */
    Map<String, Double> at(Model model, long epoch);
}
