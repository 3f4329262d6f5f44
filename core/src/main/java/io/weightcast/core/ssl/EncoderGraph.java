package io.weightcast.core.ssl;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.custom.DistributionUniform;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.weightinit.impl.OneInitScheme;
import org.nd4j.weightinit.impl.XavierInitScheme;
import org.nd4j.weightinit.impl.ZeroInitScheme;

/**
 * The SameDiff graph of the encoder/decoder (Schürholt et al. 2021, Fig. 2):
 * <pre>
 * x [B, T, F] ─ per-layer Linear(F→d) ─ + position ─ [compression token; tokens] ─ N × block ─ token 0
 *   ─ Linear + tanh → z [B, e]  ─ projection head → p (NT-Xent on the two views' p)
 *                               └ Linear(e→T·d) + position ─ N × block ─ per-layer Linear(d→F) → x̂ (MSE)
 * </pre>
 * Blocks are pre-norm transformer blocks: h += MHA(LN h); h += FFN(LN h) with GELU and width 4·d.
 * Tokens are zero-padded to the widest layer F; padded columns are masked out of the MSE.
 * Variable names are part of the saved-encoder format: {@value #INPUT}, {@value #EMBEDDING},
 * {@value #RECONSTRUCTION}, {@value #TARGET}, {@value #LOSS}, {@value #DROPOUT_RATE}.
 * {@link EncoderTuning} changes the graph: z without tanh, a deeper projection head with batch
 * norm, dropout in the blocks (a constant rate the training sets before each step and resets to 0),
 * one more token column holding the layer's log-scale.
 */
final class EncoderGraph {

    static final String INPUT = "x";
    static final String TARGET = "target";
    static final String EMBEDDING = "z";
    static final String RECONSTRUCTION = "reconstruction";
    static final String LOSS = "loss";
    static final String CONTRASTIVE = "loss_contrastive";
    static final String MSE = "loss_reconstruction";
    /** Scalar constant: 0 except during a training step (SameDiff M2.1's dropout ops have no training mode). */
    static final String DROPOUT_RATE = "dropout_rate";

    private final SameDiff sd = SameDiff.create();
    private final ArchitectureSignature signature;
    private final EncoderConfig config;
    private final int tokens;
    private final int width;
    private SDVariable dropoutRate;

    private EncoderGraph(ArchitectureSignature signature, EncoderConfig config) {
        this.signature = signature;
        this.config = config;
        this.tokens = signature.tokens();
        this.width = inputWidth(signature, config);
    }

    /** Columns of a token: the widest layer's, plus the scale column when {@link EncoderTuning#layerScale()}. */
    static int inputWidth(ArchitectureSignature signature, EncoderConfig config) {
        return signature.maxWidth() + config.tuning().extraColumns();
    }

    /** Builds the whole graph; the contrastive loss is defined for batches of exactly {@code batch} checkpoints
     *  (2·batch views); inference ({@code z}) takes any batch. */
    static SameDiff build(ArchitectureSignature signature, EncoderConfig config, int batch) {
        Nd4j.getRandom().setSeed(config.seed());
        return new EncoderGraph(signature, config).define(batch);
    }

    private SameDiff define(int batch) {
        int d = config.dModel();
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, tokens, width);
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, tokens, width);
        if (config.tuning().dropout() > 0) {
            dropoutRate = sd.constant(DROPOUT_RATE, Nd4j.scalar(DataType.FLOAT, 0f));
        }

        SDVariable h = perLayer(x, width, d, "embed").add(weight("pos_enc", new ZeroInitScheme('c'), tokens, d));
        SDVariable compression = weight("compression_token", new XavierInitScheme('c', d, d), 1, 1, d);
        // A [B, 1, d] copy of the compression token for a batch whose size is only known at run time.
        SDVariable first = h.get(SDIndex.all(), SDIndex.interval(0, 1), SDIndex.all()).mul(0.0).add(compression);
        h = sd.concat(1, first, h);
        for (int b = 0; b < config.blocks(); b++) {
            h = block(h, "enc" + b, tokens + 1);
        }
        SDVariable pooled = h.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
        SDVariable toZ = linear(pooled, d, config.embeddingDim(), "to_z");
        SDVariable z = config.tuning().linearBottleneck() ? sd.identity(EMBEDDING, toZ) : sd.math.tanh(EMBEDDING, toZ);

        SDVariable g = linear(z, config.embeddingDim(), tokens * d, "from_z");
        g = sd.reshape(g, -1, tokens, d).add(weight("pos_dec", new ZeroInitScheme('c'), tokens, d));
        for (int b = 0; b < config.blocks(); b++) {
            g = block(g, "dec" + b, tokens);
        }
        SDVariable reconstruction = sd.identity(RECONSTRUCTION, perLayer(g, d, width, "unembed"));

        SDVariable mask = sd.constant("mask", paddingMask());
        SDVariable diff = reconstruction.sub(target).mul(mask);
        long valid = paddingMask().sumNumber().longValue();
        SDVariable mse = sd.mean(sd.sum(diff.mul(diff), 1, 2)).div(MSE, (double) valid);

        SDVariable ntXent = ntXent(z, batch);
        SDVariable loss = ntXent.mul(config.gamma()).add(LOSS, mse.mul(1 - config.gamma()));
        sd.setLossVariables(loss);
        return sd;
    }

    /** Per-layer Linear over the token axis: layer l's tokens share one projection (they have one meaning per column). */
    private SDVariable perLayer(SDVariable in, int from, int to, String name) {
        List<SDVariable> parts = new ArrayList<>();
        for (int l = 0; l < signature.layers().size(); l++) {
            int first = signature.firstToken(l);
            int units = signature.layers().get(l).units();
            SDVariable slice = in.get(SDIndex.all(), SDIndex.interval(first, first + units), SDIndex.all());
            SDVariable flat = sd.reshape(slice, -1, from);
            parts.add(sd.reshape(linear(flat, from, to, name + l), -1, units, to));
        }
        return parts.size() == 1 ? parts.get(0) : sd.concat(1, parts.toArray(SDVariable[]::new));
    }

    private SDVariable block(SDVariable h, String name, int length) {
        int d = config.dModel();
        int heads = config.heads();
        int dh = d / heads;
        SDVariable a = sd.reshape(norm(h, name + "_ln1"), -1, d); // [B·T, d]
        AttentionWeights w = new AttentionWeights(
                weight(name + "_wq", new XavierInitScheme('c', d, dh), heads, dh, d),
                weight(name + "_wk", new XavierInitScheme('c', d, dh), heads, dh, d),
                weight(name + "_wv", new XavierInitScheme('c', d, dh), heads, dh, d),
                weight(name + "_wo", new XavierInitScheme('c', d, d), heads * dh, d));
        h = h.add(dropout(selfAttention(sd, a, w, length, heads)));
        SDVariable f = sd.reshape(norm(h, name + "_ln2"), -1, d);
        f = linear(sd.nn.gelu(linear(f, d, 4 * d, name + "_ff1")), 4 * d, d, name + "_ff2");
        return h.add(dropout(sd.reshape(f, -1, length, d)));
    }

    /**
     * Inverted dropout at the rate held in {@link #DROPOUT_RATE}: a uniform draw of the input's run-time shape
     * (SameDiff's dropout ops need a static shape), kept where ≥ rate, scaled by 1/(1 − rate). At rate 0 every
     * draw in [0, 1) is kept and the scale is 1: the identity.
     */
    private SDVariable dropout(SDVariable in) {
        if (dropoutRate == null) {
            return in;
        }
        SDVariable u = new DistributionUniform(sd, sd.shape(in), 0.0, 1.0, DataType.FLOAT).outputVariable();
        return in.mul(u.gte(dropoutRate).castTo(DataType.FLOAT)).div(dropoutRate.rsub(1.0));
    }

    /** libnd4j's layout: Wq, Wk, Wv [heads, dh, d] (head h's query is Wq[h]·x), Wo [heads·dh, d]. */
    record AttentionWeights(SDVariable q, SDVariable k, SDVariable v, SDVariable o) {}

    /**
     * Scaled dot-product multi-head self-attention from plain matrix products: the same function as libnd4j's
     * {@code multi_head_dot_product_attention} (scaled, no mask) with its weights in its layout (softmax over the keys,
     * heads concatenated in order before Wo), so the parameters mean the same. That op's gradient recomputes the whole
     * forward pass and cost ~45% of a training step (bench's {@code SslTrainingBenchmark}). {@code a} is [B·T, d];
     * returns [B, T, d].
     */
    static SDVariable selfAttention(SameDiff sd, SDVariable a, AttentionWeights w, int length, int heads) {
        long d = w.o().getShape()[1];
        long dh = d / heads;
        SDVariable q = heads(sd, a, w.q(), length, heads);
        SDVariable k = heads(sd, a, w.k(), length, heads);
        SDVariable v = heads(sd, a, w.v(), length, heads);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(dh)); // [B, H, T(query), T(key)]
        SDVariable weights = sd.nn.softmax(scores, 3);
        SDVariable out = sd.permute(sd.mmul(weights, v), 0, 2, 1, 3); // [B, T, H, dh]
        return sd.reshape(sd.mmul(sd.reshape(out, -1, heads * dh), w.o()), -1, length, d);
    }

    /** [B·T, d] × per-head projections [H, dh, d] → [B, H, T, dh]. */
    private static SDVariable heads(SameDiff sd, SDVariable a, SDVariable w, int length, int heads) {
        long dh = w.getShape()[1];
        long d = w.getShape()[2];
        SDVariable projected = sd.mmul(a, sd.reshape(w, heads * dh, d), false, true, false); // [B·T, H·dh]
        return sd.permute(sd.reshape(projected, -1, length, heads, dh), 0, 2, 1, 3);
    }

    private SDVariable norm(SDVariable h, String name) {
        int d = config.dModel();
        return sd.nn.layerNorm(h, weight(name + "_g", new OneInitScheme('c'), d),
                weight(name + "_b", new ZeroInitScheme('c'), d), false, 2);
    }

    private SDVariable linear(SDVariable in, int from, int to, String name) {
        // bias_add rather than a broadcasting add: its gradient is a plain column sum (add_bp's generic broadcast
        // reduction cost ~9% of a step)
        return sd.nn.biasAdd(sd.mmul(in, weight(name + "_w", new XavierInitScheme('c', from, to), from, to)),
                weight(name + "_b", new ZeroInitScheme('c'), to), false);
    }

    private SDVariable weight(String name, org.nd4j.weightinit.WeightInitScheme init, long... shape) {
        return sd.var(name, init, DataType.FLOAT, shape);
    }

    /**
     * NT-Xent (SimCLR) over 2·batch views: rows 0..B−1 are view 1, B..2B−1 view 2 of the same
     * checkpoints; each view's positive is its twin, all other views are negatives.
     */
    private SDVariable ntXent(SDVariable z, int batch) {
        int e = config.embeddingDim();
        int k = config.projectionDim();
        SDVariable p = projection(z, e, k);
        SDVariable unit = p.div(sd.norm2(p, true, 1).add(1e-8));
        SDVariable sim = sd.mmul(unit, unit, false, true, false).div(config.temperature());
        int n = 2 * batch;
        SDVariable logits = sim.sub(sd.constant("self_mask", Nd4j.eye(n).castTo(DataType.FLOAT).muli(1e9)));
        // log-softmax by hand: SameDiff M2.1 cannot clone its LogSoftMax op for the gradient graph.
        SDVariable max = sd.max(logits, true, 1);
        SDVariable shifted = logits.sub(max);
        SDVariable logProb = shifted.sub(sd.math.log(sd.sum(sd.math.exp(shifted), true, 1)));
        INDArray positives = Nd4j.zeros(DataType.FLOAT, n, n);
        for (int i = 0; i < n; i++) {
            positives.putScalar(i, (i + batch) % n, 1f);
        }
        return sd.sum(logProb.mul(sd.constant("positives", positives))).div(CONTRASTIVE, -n);
    }

    /**
     * The contrastive projection head: (layers − 1) × [Linear(e→e), batch norm if configured, ReLU], then Linear(e→k).
     * The original head (2 layers, no norm) keeps its variable names proj1, proj2.
     */
    private SDVariable projection(SDVariable z, int e, int k) {
        EncoderTuning t = config.tuning();
        SDVariable h = z;
        for (int i = 1; i < t.projectionLayers(); i++) {
            h = linear(h, e, e, "proj" + i);
            if (t.batchNorm()) {
                h = batchNorm(h, e, "proj" + i + "_bn");
            }
            h = sd.nn.relu(h, 0);
        }
        return linear(h, e, k, "proj" + t.projectionLayers());
    }

    /** Batch norm over the rows of [N, e] with the batch's own statistics (the head only ever sees training batches). */
    private SDVariable batchNorm(SDVariable h, int e, String name) {
        SDVariable centred = h.sub(sd.mean(h, true, 0));
        SDVariable var = sd.mean(centred.mul(centred), true, 0);
        return centred.div(sd.math.sqrt(var.add(1e-5))).mul(weight(name + "_g", new OneInitScheme('c'), 1, e))
                .add(weight(name + "_b", new ZeroInitScheme('c'), 1, e));
    }

    private INDArray paddingMask() {
        INDArray mask = Nd4j.zeros(DataType.FLOAT, tokens, width);
        for (int l = 0; l < signature.layers().size(); l++) {
            LayerShape layer = signature.layers().get(l);
            int first = signature.firstToken(l);
            for (int u = 0; u < layer.units(); u++) {
                for (int c = 0; c < layer.width(); c++) {
                    mask.putScalar(first + u, c, 1f);
                }
                for (int c = signature.maxWidth(); c < width; c++) {
                    mask.putScalar(first + u, c, 1f); // the scale column
                }
            }
        }
        return mask;
    }
}
