package io.weightcast.core.records;

import java.util.Base64;

/**
 * A value of the compacted {@code encoders} topic: one trained hyper-representation encoder
 * ({@code io.weightcast.core.ssl.HyperRepresentation#toBytes()}, base64) for one architecture.
 *
 * @param architecture        the token layout it serves ({@code ArchitectureSignature#key()})
 * @param trainingRuns        runs whose checkpoints it was trained on (self-supervised: no labels used)
 * @param reconstructionR2    the decoder's R² on checkpoints of held-out runs (normalised weights)
 * @param trainSeconds        wall time of the training
 */
public record EncoderVersion(
        String name,
        int version,
        String architecture,
        int embeddingDim,
        int trainingRuns,
        int trainingCheckpoints,
        int epochs,
        double finalLoss,
        double reconstructionR2,
        double trainSeconds,
        String encoderBase64,
        long createdAt) {

    /** The key (and name) of the current encoder on the encoders topic. */
    public static final String KEY = "weight-encoder";

    public byte[] encoderBytes() {
        if (encoderBase64 == null) {
            throw new MalformedRecordException("encoder version " + version + " carries no encoder");
        }
        try {
            return Base64.getDecoder().decode(encoderBase64);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("encoder version " + version + " is not valid base64: " + e.getMessage());
        }
    }
}
