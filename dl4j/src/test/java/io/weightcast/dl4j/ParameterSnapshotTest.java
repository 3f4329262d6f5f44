package io.weightcast.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.features.CheckpointTopology;
import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import io.weightcast.ingest.TensorSet;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J parameters → PyTorch-layout tensors, on real (untrained) networks; no broker. */
class ParameterSnapshotTest {

    @Test
    void unnamedDenseLayersAreNamedByIndexAndTransposed() {
        MultiLayerNetwork net = TestNetworks.mlp(5, false, Activation.TANH);

        ParameterSnapshot snap = ParameterSnapshot.of(net);
        SafeTensors file = read(snap.tensors());

        assertThat(snap.layers()).containsExactly("layer0", "layer1");
        assertThat(snap.activation()).isEqualTo("tanh");
        assertThat(snap.parameterCount()).isEqualTo(net.numParams());
        assertThat(file.tensor("layer0.weight").shape()).containsExactly(16, 8);
        INDArray w = net.getParam("0_W");
        assertThat(file.values("layer0.weight")[3 * 8 + 5]).isEqualTo(w.getDouble(5, 3));
        assertThat(file.values("layer1.weight")[2 * 16 + 7]).isEqualTo(net.getParam("1_W").getDouble(7, 2));
    }

    @Test
    void convolutionKernelsKeepTheirLayoutInAGraphInTopologicalOrder() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "conv")
                .addLayer("fc", new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(), "pool")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("head")
                .setInputTypes(InputType.convolutional(10, 10, 2))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();

        ParameterSnapshot snap = ParameterSnapshot.of(graph);
        SafeTensors file = read(snap.tensors());

        assertThat(file.tensorsByOffset()).extracting(TensorInfo::name).containsExactly(
                "conv.weight", "conv.bias", "fc.weight", "fc.bias", "head.weight", "head.bias");
        assertThat(snap.layers()).containsExactly("conv", "fc", "head");
        assertThat(snap.activation()).isEqualTo("relu");
        INDArray kernel = graph.getParam("conv_W");
        assertThat(file.tensor("conv.weight").shape()).containsExactly(4, 2, 3, 3).isEqualTo(kernel.shape());
        assertThat(file.values("conv.weight")).containsExactly(kernel.reshape(kernel.length()).toDoubleVector());
        assertThat(file.tensor("conv.bias").shape()).containsExactly(4);
        assertThat(file.tensor("fc.weight").shape()).containsExactly(5, 4 * 4 * 4);
        assertThat(file.tensor("head.weight").shape()).containsExactly(3, 5);
        assertThat(CheckpointTopology.of(file).layers()).extracting(CheckpointTopology.Layer::units)
                .containsExactly(4L, 5L, 3L);
    }

    @Test
    void aDoubleNetworkIsExportedAsF32() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(4).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().name("a").nIn(3).nOut(2).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).name("b").nIn(2).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .build());
        net.init();

        SafeTensors file = read(ParameterSnapshot.of(net).tensors());

        assertThat(file.tensorsByOffset()).extracting(TensorInfo::dtype).containsOnly(DType.F32);
        assertThat(file.values("a.weight")[1 * 3 + 2]).isEqualTo((float) net.getParam("0_W").getDouble(2, 1));
        assertThat(ParameterSnapshot.of(net).activation()).isEqualTo("sigmoid");
    }

    @Test
    void aSingleLayerNetworkReportsItsOutputActivation() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.TANH).build())
                .build());
        net.init();

        assertThat(ParameterSnapshot.of(net).activation()).isEqualTo("tanh");
    }

    @Test
    void otherModelTypesAreRefusedWithTheReason() {
        Model oneLayer = TestNetworks.mlp(6, true, Activation.RELU).getLayer(0); // a Layer is a Model too
        assertThatThrownBy(() -> ParameterSnapshot.of(oneLayer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported DL4J model type");
    }

    @Test
    void activationNamesFollowPytorchSpelling() {
        assertThat(ActivationNames.of(new ActivationReLU())).isEqualTo("relu");
        assertThat(ActivationNames.of(new ActivationReLU6())).isEqualTo("relu6");
        assertThat(ActivationNames.of(new ActivationTanH())).isEqualTo("tanh");
        assertThat(ActivationNames.of(new ActivationSigmoid())).isEqualTo("sigmoid");
        assertThat(ActivationNames.of(new ActivationGELU())).isEqualTo("gelu");
        assertThat(ActivationNames.of(new ActivationLReLU())).isEqualTo("leaky_relu");
        assertThat(ActivationNames.of(null)).isNull();
    }

    private static SafeTensors read(TensorSet tensors) {
        return SafeTensors.read(tensors.toSafeTensors(Map.of()));
    }
}
