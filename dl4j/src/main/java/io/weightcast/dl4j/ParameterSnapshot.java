package io.weightcast.dl4j;

import io.weightcast.ingest.TensorSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network's parameters at one moment as checkpoint tensors in PyTorch layout (design §4), copied
 * out of ND4J so training can go on changing them.
 * <ul>
 *   <li>Names: {@code <layer>.weight}, {@code <layer>.bias} (BatchNorm: also {@code running_mean},
 *       {@code running_var}; other parameters keep their DL4J key), where {@code <layer>} is the DL4J
 *       layer name, or {@code layer<i>} when the layer has none (MultiLayerNetwork names unnamed layers
 *       by their index).</li>
 *   <li>Layout: Dense and output layers store W as [nIn, nOut] and are transposed to [nOut, nIn];
 *       convolution kernels are [nOut, nIn, kH, kW] already; DL4J's [1, n] row-vector parameters
 *       (biases, norm scales) become 1-dim [n], which the feature math reads as biases. Other layer
 *       types are exported in their DL4J layout.</li>
 *   <li>Order: layers in network (topological) order, weight before bias: PyTorch's state_dict order.</li>
 *   <li>Values: F32, whatever the network's data type.</li>
 * </ul>
 *
 * @param layers       names of the layers that have a kernel (≥ 2-dim parameter), in order
 * @param activation   the hidden layers' activation (most common among non-output layers), or null
 */
public record ParameterSnapshot(TensorSet tensors, List<String> layers, String activation, long parameterCount) {

    // DL4J parameter keys → PyTorch state_dict suffixes.
    private static final Map<String, String> TORCH_NAMES = Map.of(
            "W", "weight", "b", "bias", "gamma", "weight", "beta", "bias", "mean", "running_mean", "var", "running_var");

    public static ParameterSnapshot of(Model model) {
        Layer[] layers = layersOf(model);
        TensorSet tensors = TensorSet.create();
        List<String> kernelLayers = new ArrayList<>();
        Map<String, Integer> hiddenActivations = new LinkedHashMap<>();
        String outputActivation = null;
        long count = 0;
        for (int i = 0; i < layers.length; i++) {
            Map<String, INDArray> params = layers[i].paramTable();
            if (params == null || params.isEmpty()) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer conf = unwrap(layers[i].conf().getLayer());
            String name = layerName(layers[i].conf().getLayer(), conf, i);
            boolean hasKernel = false;
            for (Map.Entry<String, INDArray> p : inStateDictOrder(params)) {
                long[] shape = torchShape(conf, p.getKey(), p.getValue());
                float[] values = Nd4j.toFlattened('c', torchView(conf, p.getKey(), p.getValue()))
                        .castTo(DataType.FLOAT).toFloatVector();
                tensors.add(name + "." + TORCH_NAMES.getOrDefault(p.getKey(), p.getKey()), shape, values);
                hasKernel |= shape.length >= 2;
                count += values.length;
            }
            if (hasKernel) {
                kernelLayers.add(name);
            }
            if (conf instanceof BaseOutputLayer out) {
                outputActivation = ActivationNames.of(out.getActivationFn());
            } else if (conf instanceof BaseLayer base && base.getActivationFn() != null) {
                hiddenActivations.merge(ActivationNames.of(base.getActivationFn()), 1, Integer::sum);
            }
        }
        return new ParameterSnapshot(tensors, List.copyOf(kernelLayers), mostCommon(hiddenActivations, outputActivation),
                count);
    }

    private static Layer[] layersOf(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            return net.getLayers();
        }
        if (model instanceof ComputationGraph graph) {
            return graph.getLayers(); // in topological order
        }
        throw new IllegalArgumentException("unsupported DL4J model type " + model.getClass().getName()
                + " (MultiLayerNetwork or ComputationGraph)");
    }

    private static org.deeplearning4j.nn.conf.layers.Layer unwrap(org.deeplearning4j.nn.conf.layers.Layer conf) {
        if (conf instanceof FrozenLayer frozen) {
            return unwrap(frozen.getLayer());
        }
        if (conf instanceof BaseWrapperLayer wrapper) {
            return unwrap(wrapper.getUnderlying());
        }
        return conf;
    }

    private static String layerName(org.deeplearning4j.nn.conf.layers.Layer outer,
                                    org.deeplearning4j.nn.conf.layers.Layer inner, int index) {
        String name = outer.getLayerName() != null ? outer.getLayerName() : inner.getLayerName();
        boolean unnamed = name == null || name.isBlank() || name.equals(String.valueOf(index));
        return unnamed ? "layer" + index : name;
    }

    /** Weight first, bias second, then the rest as DL4J lists them. */
    private static List<Map.Entry<String, INDArray>> inStateDictOrder(Map<String, INDArray> params) {
        List<Map.Entry<String, INDArray>> ordered = new ArrayList<>(params.entrySet());
        ordered.sort((a, b) -> Integer.compare(rank(a.getKey()), rank(b.getKey())));
        return ordered;
    }

    private static int rank(String key) {
        return switch (key) {
            case "W", "gamma" -> 0;
            case "b", "beta" -> 1;
            default -> 2;
        };
    }

    private static boolean isDenseKernel(org.deeplearning4j.nn.conf.layers.Layer conf, String key, INDArray a) {
        return "W".equals(key) && a.rank() == 2 && (conf instanceof DenseLayer || conf instanceof BaseOutputLayer);
    }

    private static boolean isRowVector(String key, INDArray a) {
        return !"W".equals(key) && a.rank() == 2 && a.size(0) == 1;
    }

    private static INDArray torchView(org.deeplearning4j.nn.conf.layers.Layer conf, String key, INDArray a) {
        return isDenseKernel(conf, key, a) ? a.transpose() : a;
    }

    private static long[] torchShape(org.deeplearning4j.nn.conf.layers.Layer conf, String key, INDArray a) {
        if (isDenseKernel(conf, key, a)) {
            return new long[] {a.size(1), a.size(0)};
        }
        if (isRowVector(key, a)) {
            return new long[] {a.size(1)};
        }
        return a.shape().clone();
    }

    private static String mostCommon(Map<String, Integer> counts, String fallback) {
        return counts.entrySet().stream()
                .reduce((a, b) -> b.getValue() > a.getValue() ? b : a)
                .map(Map.Entry::getKey)
                .orElse(fallback);
    }
}
