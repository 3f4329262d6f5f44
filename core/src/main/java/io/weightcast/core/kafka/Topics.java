package io.weightcast.core.kafka;

import java.util.List;

/** Topic names of the contract (design §4), under a configurable prefix (default {@code weightcast.}). */
public record Topics(String prefix) {
    public static final String DEFAULT_PREFIX = "weightcast.";

    public static Topics defaults() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String checkpoints() {
        return prefix + "checkpoints";
    }

    public String runs() {
        return prefix + "runs";
    }

    public String features() {
        return prefix + "features";
    }

    public String scores() {
        return prefix + "scores";
    }

    public String alerts() {
        return prefix + "alerts";
    }

    public String models() {
        return prefix + "models";
    }

    /** Spectra of large checkpoints, computed off the features path (design §5 "Spectra"; streams service). */
    public String spectra() {
        return prefix + "spectra";
    }

    /** Trained weight encoders (hyper-representations, design §5 "Embeddings"), compacted, keyed by
     *  {@code io.weightcast.core.records.EncoderVersion#KEY}: the trainer writes, streams reads. Apart from
     *  {@code models} because a saved encoder is megabytes of graph, not a LightGBM text the scorer loads. */
    public String encoders() {
        return prefix + "encoders";
    }

    public String deadLetters() {
        return prefix + "dead-letters";
    }

    public List<String> all() {
        return List.of(checkpoints(), runs(), features(), spectra(), scores(), alerts(), models(), encoders(), deadLetters());
    }

    /** Topics that are compacted (latest value per key is what matters). */
    public boolean compacted(String topic) {
        return topic.equals(models()) || topic.equals(encoders());
    }
}
