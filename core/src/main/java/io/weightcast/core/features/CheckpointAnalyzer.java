package io.weightcast.core.features;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Computes the per-layer features of design §5 (statistics, norms, dead units, max bias) for one
 * checkpoint. Stateless and thread-safe; the one place this math lives.
 */
public final class CheckpointAnalyzer {
    private CheckpointAnalyzer() {
    }

    /**
     * @param activation the net's hidden activation (metadata {@code activation}); dead units are
     *                   only defined for ReLU-family nets and are NaN otherwise
     */
    public static CheckpointFeatures analyze(SafeTensors file, String activation) {
        return analyze(file, activation, bytes -> { });
    }

    /**
     * As {@link #analyze(SafeTensors, String)}, telling {@code progress} the bytes of each weight layer's tensors once
     * they are analysed ({@link #layerBytes}): a big memory-mapped file is read here, layer by layer.
     */
    public static CheckpointFeatures analyze(SafeTensors file, String activation, LongConsumer progress) {
        return analyze(file, activation, progress, 1);
    }

    /**
     * As {@link #analyze(SafeTensors, String, LongConsumer)} with up to {@code threads} layers at once, taken in file
     * order (so a memory-mapped file is still read nearly front to back); {@code progress} is called from those threads.
     * The result is the same as with one thread.
     */
    public static CheckpointFeatures analyze(SafeTensors file, String activation, LongConsumer progress, int threads) {
        CheckpointTopology topology = CheckpointTopology.of(file);
        boolean relu = isRelu(activation);
        boolean batchNorm = hasBatchNormStatistics(file);
        List<CheckpointTopology.Layer> all = topology.layers();
        List<Computed> computed = new ArrayList<>();
        if (threads <= 1 || all.size() < 2) {
            for (int i = 0; i < all.size(); i++) {
                computed.add(layer(file, all.get(i), i, relu, batchNorm, progress));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, all.size()), r -> {
                Thread t = new Thread(r, "statistics");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Computed>> futures = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    int index = i;
                    futures.add(pool.submit(() -> layer(file, all.get(index), index, relu, batchNorm, progress)));
                }
                for (Future<Computed> f : futures) {
                    computed.add(join(f));
                }
            } finally {
                pool.shutdownNow();
            }
        }
        List<LayerFeatures> layers = new ArrayList<>();
        Map<String, Double> dead = new LinkedHashMap<>();
        List<String> nonfiniteTensors = new ArrayList<>();
        long nonfinite = 0;
        for (Computed c : computed) {
            CheckpointTopology.Layer layer = c.layer();
            nonfinite += c.kernel().nonfinite() + c.bias().nonfinite();
            if (c.kernel().nonfinite() > 0) {
                nonfiniteTensors.add(layer.kernel().name());
            }
            if (c.bias().nonfinite() > 0) {
                nonfiniteTensors.add(layer.bias().name());
            }
            if (c.criterion()) {
                dead.put(layer.name(), c.deadFraction());
            }
            layers.add(new LayerFeatures(layer.name(), c.index(), layer.parameters(), values(c.kernel(), c.bias(), c.deadFraction())));
        }
        // Non-finite values in tensors outside weight layers (e.g. BatchNorm statistics) count too.
        for (TensorInfo t : file.tensors()) {
            if (t.dtype().isFloatingPoint() && !nonfiniteTensors.contains(t.name()) && !inLayers(topology, t)) {
                long bad = TensorValues.of(file, t).nonfinite();
                if (bad > 0) {
                    nonfinite += bad;
                    nonfiniteTensors.add(t.name());
                }
            }
        }
        return new CheckpointFeatures(List.copyOf(layers), topology.parameters(), nonfinite, nonfiniteTensors, dead, notes(file));
    }

    /** One layer's summaries and dead units, computed on its own (any thread). */
    private record Computed(CheckpointTopology.Layer layer, int index, TensorSummary kernel, TensorSummary bias,
                            boolean criterion, double deadFraction) {
    }

    private static Computed layer(SafeTensors file, CheckpointTopology.Layer layer, int index, boolean relu, boolean batchNorm,
                                  LongConsumer progress) {
        // Each tensor is read in place (F16/BF16/FP8 widened block by block) for its statistics and dead units.
        TensorValues kernel = TensorValues.of(file, layer.kernel());
        TensorValues bias = layer.bias() == null ? null : TensorValues.of(file, layer.bias());
        TensorSummary k = kernel.summary();
        TensorSummary b = bias == null ? TensorSummary.EMPTY : bias.summary();
        // The first layer's input is the data, not a ReLU output, so the criterion does not apply there;
        // nor to a layer that feeds a BatchNorm (below).
        boolean criterion = relu && index > 0 && !(batchNorm && layer.bias() == null);
        double deadFraction = criterion ? DeadUnits.fraction(kernel, (int) layer.units(), bias) : Double.NaN;
        progress.accept(layerBytes(layer));
        return new Computed(layer, index, k, b, criterion, deadFraction);
    }

    private static Computed join(Future<Computed> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing statistics", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Integer and bool tensors (step counters, masks, token ids) are not weights: skipped, and said so. */
    static List<String> notes(SafeTensors file) {
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (TensorInfo t : file.tensorsByOffset()) {
            if (!t.dtype().isFloatingPoint()) {
                skipped.computeIfAbsent(t.dtype().name(), k -> new ArrayList<>()).add(t.name());
            }
        }
        if (skipped.isEmpty()) {
            return List.of();
        }
        StringBuilder s = new StringBuilder();
        int count = 0;
        for (Map.Entry<String, List<String>> e : skipped.entrySet()) {
            List<String> names = e.getValue();
            count += names.size();
            s.append(s.length() == 0 ? "" : "; ").append(e.getKey()).append(": ")
                    .append(String.join(", ", names.subList(0, Math.min(3, names.size()))))
                    .append(names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
        }
        return List.of(count + " integer/bool tensor(s) skipped, not weights (" + s + ")");
    }

    /** The bytes of a layer's kernel and bias in the file. */
    public static long layerBytes(CheckpointTopology.Layer layer) {
        return layer.kernel().end() - layer.kernel().begin() + (layer.bias() == null ? 0 : layer.bias().end() - layer.bias().begin());
    }

    private static Map<String, Double> values(TensorSummary k, TensorSummary b, double deadFraction) {
        Map<String, Double> v = new LinkedHashMap<>();
        put(v, "kernel", k);
        put(v, "bias", b);
        v.put("dead_fraction", deadFraction);
        v.put("max_bias", b.p100());
        return v;
    }

    private static void put(Map<String, Double> v, String prefix, TensorSummary s) {
        v.put(prefix + "_mean", s.mean());
        v.put(prefix + "_std", s.std());
        v.put(prefix + "_p0", s.p0());
        v.put(prefix + "_p25", s.p25());
        v.put(prefix + "_p50", s.p50());
        v.put(prefix + "_p75", s.p75());
        v.put(prefix + "_p100", s.p100());
        v.put(prefix + "_l1", s.l1());
        v.put(prefix + "_l2", s.l2());
    }

    /**
     * Whether the file holds BatchNorm running statistics (PyTorch {@code running_mean}, Keras {@code moving_mean}).
     * A layer without a bias of its own in such a file is the conv→BatchNorm pattern (the bias is BatchNorm's):
     * BatchNorm re-centres and re-scales each unit, so non-positive weights do not make it dead, and the weight
     * criterion does not apply (on a ResNet-18 it called 12-25% of the 1x1 downsample convs' units dead that
     * the loop measured alive).
     */
    static boolean hasBatchNormStatistics(SafeTensors file) {
        return file.tensors().stream().anyMatch(t -> t.name().endsWith("running_mean") || t.name().endsWith("moving_mean"));
    }

    private static boolean inLayers(CheckpointTopology topology, TensorInfo t) {
        return topology.layers().stream().anyMatch(l -> l.kernel().equals(t) || t.equals(l.bias()));
    }

    public static boolean isRelu(String activation) {
        if (activation == null) {
            return false;
        }
        String a = activation.toLowerCase(Locale.ROOT);
        return a.equals("relu") || a.equals("relu6");
    }
}
