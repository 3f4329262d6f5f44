package io.weightcast.core.features;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers of a checkpoint. Tensors group by name prefix ({@code conv1.weight}, {@code conv1.bias}
 * → {@code conv1}); a floating-point tensor with ≥ 2 dims is the layer's kernel, a 1-dim one its bias.
 * Layers without a kernel (normalisation layers, counters) are not weight layers and are left out.
 * Order: the metadata key {@code layers} (comma-separated) when given, else the tensors' byte
 * order, which our clients write in {@code state_dict} order. Kernels are read PyTorch-style,
 * output units on the first axis.
 */
public record CheckpointTopology(List<Layer> layers) {

    /** One weight layer: its kernel and optional bias. */
    public record Layer(String name, TensorInfo kernel, TensorInfo bias) {
        public long units() {
            return kernel.rows();
        }

        public long parameters() {
            return kernel.elementCount() + (bias == null ? 0 : bias.elementCount());
        }
    }

    public static CheckpointTopology of(SafeTensors file) {
        Map<String, List<TensorInfo>> byLayer = new LinkedHashMap<>();
        for (TensorInfo t : file.tensorsByOffset()) {
            if (t.dtype().isFloatingPoint()) {
                byLayer.computeIfAbsent(layerName(t.name()), k -> new ArrayList<>()).add(t);
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (Map.Entry<String, List<TensorInfo>> e : byLayer.entrySet()) {
            TensorInfo kernel = e.getValue().stream().filter(t -> t.rank() >= 2).findFirst().orElse(null);
            if (kernel == null) {
                continue;
            }
            TensorInfo bias = e.getValue().stream()
                    .filter(t -> t.rank() == 1 && t.rows() == kernel.rows())
                    .min((a, b) -> Boolean.compare(!a.name().endsWith("bias"), !b.name().endsWith("bias")))
                    .orElse(null);
            layers.add(new Layer(e.getKey(), kernel, bias));
        }
        return new CheckpointTopology(ordered(layers, file.metadata().get("layers")));
    }

    static String layerName(String tensorName) {
        int dot = tensorName.lastIndexOf('.');
        return dot < 0 ? tensorName : tensorName.substring(0, dot);
    }

    private static List<Layer> ordered(List<Layer> layers, String order) {
        if (order == null || order.isBlank()) {
            return List.copyOf(layers);
        }
        List<String> names = Arrays.stream(order.split(",")).map(String::strip).toList();
        List<Layer> out = new ArrayList<>(layers);
        out.sort((a, b) -> Integer.compare(rank(names, a.name()), rank(names, b.name())));
        return List.copyOf(out);
    }

    private static int rank(List<String> names, String name) {
        int i = names.indexOf(name);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    public long parameters() {
        return layers.stream().mapToLong(Layer::parameters).sum();
    }
}
