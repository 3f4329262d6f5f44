package io.weightcast.core.ssl;

/**
 * The "fair setup" knobs of issue 23 (closer to Schürholt et al. 2021's training than the original
 * CPU-sized encoder). {@link #ORIGINAL} is the graph every encoder had before: tanh bottleneck, a
 * 2-layer projection head without normalisation, no dropout, per-layer normalisation fitted on the
 * zoo only. A saved encoder without this block in its header reads as {@link #ORIGINAL}.
 *
 * @param linearBottleneck z = Linear(token 0) instead of tanh(Linear(token 0)): an unbounded z
 * @param projectionLayers Linear layers of the contrastive projection head (≥ 2); hidden width = z's
 * @param batchNorm        batch normalisation (over the step's 2·batch views, batch statistics only)
 *                         before each hidden ReLU of the projection head; the head serves only the
 *                         training loss, so no running averages are needed
 * @param dropout          dropout rate on each transformer block's attention and feed-forward output
 *                         during training steps (inverted, so inference is the plain graph)
 * @param layerScale       per checkpoint and layer, the normalised weights are divided by their RMS and
 *                         log(RMS) is appended to every token of the layer as one more column (input and
 *                         reconstruction target): the encoder sees shapes and scale separately
 */
public record EncoderTuning(boolean linearBottleneck,
                            int projectionLayers,
                            boolean batchNorm,
                            double dropout,
                            boolean layerScale) {

    public static final EncoderTuning ORIGINAL = new EncoderTuning(false, 2, false, 0.0, false);

    /** Issue 23's fair setup: linear z, a 4-layer head with batch norm, dropout 0.1, per-layer scale tokens. */
    public static final EncoderTuning FAIR = new EncoderTuning(true, 4, true, 0.1, true);

    public EncoderTuning {
        if (projectionLayers < 2 || !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("need a projection head of ≥ 2 layers and 0 ≤ dropout < 1, were "
                    + projectionLayers + " and " + dropout);
        }
    }

    /** Extra input columns per token beyond the widest layer. */
    public int extraColumns() {
        return layerScale ? 1 : 0;
    }
}
