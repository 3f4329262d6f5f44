package io.weightcast.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small real networks and synthetic data for the tests (a few ms per epoch on CPU). */
final class TestNetworks {
    static final int FEATURES = 8;
    static final int HIDDEN = 16;
    static final int CLASSES = 3;

    private TestNetworks() {
    }

    /** An MLP: dense(8→16) + softmax output(16→3); layers named "hidden"/"out" or left unnamed. */
    static MultiLayerNetwork mlp(long seed, boolean named, Activation hidden) {
        DenseLayer.Builder dense = new DenseLayer.Builder().nIn(FEATURES).nOut(HIDDEN).activation(hidden);
        OutputLayer.Builder out = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(HIDDEN).nOut(CLASSES).activation(Activation.SOFTMAX);
        if (named) {
            dense.name("hidden");
            out.name("out");
        }
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Adam(0.02)).weightInit(WeightInit.XAVIER)
                .list().layer(dense.build()).layer(out.build()).build());
        net.init();
        return net;
    }

    /** Gaussian blobs around fixed class centres (the same for every seed): a learnable 3-class task. */
    static DataSet blobs(long seed, int rows) {
        Random centres = new Random(1234);
        double[][] mean = new double[CLASSES][FEATURES];
        for (double[] m : mean) {
            for (int j = 0; j < FEATURES; j++) {
                m[j] = centres.nextGaussian() * 1.5;
            }
        }
        Random r = new Random(seed);
        float[][] x = new float[rows][FEATURES];
        float[][] y = new float[rows][CLASSES];
        for (int i = 0; i < rows; i++) {
            int c = i % CLASSES;
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = (float) (mean[c][j] + r.nextGaussian());
            }
            y[i][c] = 1f;
        }
        return new DataSet(Nd4j.create(x), Nd4j.create(y));
    }

    /** Copies the network's parameter table at every epoch end (runs beside the listener under test). */
    static final class ParamRecorder extends BaseTrainingListener {
        final List<Map<String, INDArray>> epochs = new ArrayList<>();

        @Override
        public void onEpochEnd(Model model) {
            Map<String, INDArray> copy = new LinkedHashMap<>();
            model.paramTable().forEach((k, v) -> copy.put(k, v.dup()));
            epochs.add(copy);
        }
    }
}
