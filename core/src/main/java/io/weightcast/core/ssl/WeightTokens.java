package io.weightcast.core.ssl;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import java.util.Map;

/**
 * A checkpoint as tokens: per layer a row-major {@code units × width} matrix, row u = unit u's
 * incoming weights (PyTorch order: in-channel-major, then kernel position) followed by its bias.
 * Immutable by convention: augmentations return new instances.
 */
public record WeightTokens(ArchitectureSignature signature, float[][] layers) {

    public static WeightTokens of(SafeTensors file) {
        return of(file, ArchitectureSignature.of(file));
    }

    public static WeightTokens of(SafeTensors file, ArchitectureSignature signature) {
        float[][] out = new float[signature.layers().size()][];
        for (int i = 0; i < out.length; i++) {
            LayerShape l = signature.layers().get(i);
            double[] kernel = file.values(l.kernelName());
            double[] bias = l.hasBias() ? file.values(l.biasName()) : null;
            float[] m = new float[l.units() * l.width()];
            for (int u = 0; u < l.units(); u++) {
                for (int k = 0; k < l.fanIn(); k++) {
                    m[u * l.width() + k] = (float) kernel[u * l.fanIn() + k];
                }
                if (bias != null) {
                    m[u * l.width() + l.fanIn()] = (float) bias[u];
                }
            }
            out[i] = m;
        }
        return new WeightTokens(signature, out);
    }

    /** Whether every weight is finite (a NaN/Inf checkpoint would poison an encoder's training). */
    public boolean isFinite() {
        for (float[] m : layers) {
            for (float v : m) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    public float get(int layer, int unit, int column) {
        return layers[layer][unit * signature.layers().get(layer).width() + column];
    }

    /** All weights in token order, flattened (the "W" baseline's input). */
    public float[] flatten() {
        float[] flat = new float[signature.parameters()];
        int at = 0;
        for (float[] m : layers) {
            System.arraycopy(m, 0, flat, at, m.length);
            at += m.length;
        }
        return flat;
    }

    public WeightTokens copy() {
        float[][] c = new float[layers.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = layers[i].clone();
        }
        return new WeightTokens(signature, c);
    }

    /** Back to a safetensors checkpoint with the original tensor names and shapes (float32). */
    public byte[] toSafeTensors(Map<String, String> metadata) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata(metadata);
        for (int i = 0; i < layers.length; i++) {
            LayerShape l = signature.layers().get(i);
            float[] kernel = new float[l.units() * l.fanIn()];
            float[] bias = new float[l.units()];
            for (int u = 0; u < l.units(); u++) {
                System.arraycopy(layers[i], u * l.width(), kernel, u * l.fanIn(), l.fanIn());
                if (l.hasBias()) {
                    bias[u] = layers[i][u * l.width() + l.fanIn()];
                }
            }
            w.tensor(l.kernelName(), l.kernelShape(), kernel);
            if (l.hasBias()) {
                w.tensor(l.biasName(), new long[] {l.units()}, bias);
            }
        }
        return w.toBytes();
    }
}
