package io.weightcast.core.ssl;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.safetensors.SafeTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The token layout of an architecture: its weight layers in order with their unit counts and token
 * widths. An encoder serves exactly the architectures whose {@link #key()} equals the one it was
 * trained on; every other checkpoint passes without an embedding.
 */
public record ArchitectureSignature(List<LayerShape> layers) {

    public ArchitectureSignature {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint without weight layers has no token layout");
        }
    }

    public static ArchitectureSignature of(SafeTensors file) {
        List<LayerShape> shapes = new ArrayList<>();
        int previousUnits = -1;
        for (CheckpointTopology.Layer layer : CheckpointTopology.of(file).layers()) {
            long[] shape = layer.kernel().shape();
            int units = Math.toIntExact(shape[0]);
            int fanIn = Math.toIntExact(layer.kernel().elementCount() / units);
            shapes.add(new LayerShape(layer.name(), layer.kernel().name(), shape.clone(),
                    layer.bias() == null ? null : layer.bias().name(), units, fanIn,
                    inputGroups(shape, fanIn, previousUnits)));
            previousUnits = units;
        }
        return new ArchitectureSignature(shapes);
    }

    /** Conv kernels name their in-channels (axis 1); a dense kernel's inputs group by the previous
     *  layer's units when they divide (global pooling: 1 each; a channel-major flatten: H·W each). */
    private static int inputGroups(long[] shape, int fanIn, int previousUnits) {
        if (shape.length > 2) {
            return Math.toIntExact(shape[1]);
        }
        return previousUnits > 0 && fanIn % previousUnits == 0 ? previousUnits : fanIn;
    }

    /** Stable identity, e.g. {@code conv1:16x10,conv2:16x145,conv3:16x145,dense:10x17}. */
    public String key() {
        return layers.stream().map(LayerShape::describe).collect(Collectors.joining(","));
    }

    public int tokens() {
        return layers.stream().mapToInt(LayerShape::units).sum();
    }

    /** The widest token: every token is zero-padded to it in the encoder's input. */
    public int maxWidth() {
        return layers.stream().mapToInt(LayerShape::width).max().orElseThrow();
    }

    public int parameters() {
        return layers.stream().mapToInt(l -> l.units() * l.width()).sum();
    }

    /** Index of the first token of layer {@code i}. */
    public int firstToken(int i) {
        int t = 0;
        for (int j = 0; j < i; j++) {
            t += layers.get(j).units();
        }
        return t;
    }

    /** Whether layer {@code i}'s units can be permuted without changing the function: the next
     *  layer exists and groups its inputs by exactly these units. */
    public boolean permutable(int i) {
        return i + 1 < layers.size() && layers.get(i + 1).inputGroups() == layers.get(i).units();
    }
}
