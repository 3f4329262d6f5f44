package io.weightcast.streams;

import io.weightcast.core.records.Embedding;
import io.weightcast.core.records.EncoderVersion;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.ssl.ArchitectureSignature;
import io.weightcast.core.ssl.HyperRepresentation;
import io.weightcast.core.ssl.WeightTokens;
import java.util.function.Supplier;

/**
 * Joins a checkpoint's hyper-representation z to its feature vector (design §5 "Embeddings") when
 * the current encoder serves its architecture. Checkpoints of other architectures, or any before
 * the first encoder, pass without one. The encoder is loaded on first use of each version; one
 * loaded graph serves all stream threads under a lock (SameDiff sessions are not thread-safe, and
 * embedding a digits checkpoint takes about a millisecond).
 */
final class EmbeddingStage {
    enum Outcome { EMBEDDED, NO_ENCODER, OTHER_ARCHITECTURE, FAILED, OFF }

    record Result(Outcome outcome, Embedding embedding) {}

    private final Supplier<EncoderVersion> current;
    private EncoderVersion loadedVersion;
    private HyperRepresentation loaded;
    private int failedVersion = -1;

    EmbeddingStage(Supplier<EncoderVersion> current) {
        this.current = current;
    }

    static EmbeddingStage off() {
        return new EmbeddingStage(null);
    }

    synchronized Result embed(SafeTensors checkpoint) {
        if (current == null) {
            return new Result(Outcome.OFF, null);
        }
        EncoderVersion v = current.get();
        if (v == null) {
            return new Result(Outcome.NO_ENCODER, null);
        }
        ArchitectureSignature signature;
        try {
            signature = ArchitectureSignature.of(checkpoint);
        } catch (IllegalArgumentException e) {
            return new Result(Outcome.OTHER_ARCHITECTURE, null);
        }
        if (!v.architecture().equals(signature.key())) {
            return new Result(Outcome.OTHER_ARCHITECTURE, null);
        }
        if (v.version() == failedVersion) {
            return new Result(Outcome.FAILED, null); // once is enough to find out an encoder does not load
        }
        if (loadedVersion == null || loadedVersion.version() != v.version()) {
            try {
                loaded = HyperRepresentation.fromBytes(v.encoderBytes(), signature);
                loadedVersion = v;
            } catch (RuntimeException e) {
                failedVersion = v.version();
                throw e;
            }
        }
        float[] z = loaded.embed(WeightTokens.of(checkpoint, signature));
        for (float x : z) {
            if (!Float.isFinite(x)) {
                return new Result(Outcome.FAILED, null); // NaN/Inf weights: the health alerts speak for them
            }
        }
        return new Result(Outcome.EMBEDDED, new Embedding(v.version(), z));
    }
}
