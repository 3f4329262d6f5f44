package io.weightcast.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A SameDiff listener that splits a training step's wall time by what ran between its callbacks:
 * the time from {@code preOpExecution} to {@code opExecution} is the op's own (forward when no output
 * of it is a gradient, else backward; also by op type), from {@code preUpdate} to the next callback the
 * updater (Adam and the parameter subtraction), and the rest (from iteration start, between ops) the
 * session's bookkeeping. Training only.
 */
final class OpTimer extends BaseListener {
    private final Map<String, Long> parts = new LinkedHashMap<>();
    private final Map<String, Long> byOp = new HashMap<>();
    private long last;
    private String pending;
    private String pendingOp;

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlMs) {
        last = System.nanoTime();
        pending = "session";
        pendingOp = null;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
        close();
        boolean backward = op.getOutputsOfOp().stream().anyMatch(n -> n.contains("-grad"))
                || op.getName().contains("grad") || op.getOp().opName().endsWith("_bp");
        pending = backward ? "backward_ops" : "forward_ops";
        pendingOp = (backward ? "bwd " : "fwd ") + op.getOp().opName();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
        close();
        pending = "session";
    }

    @Override
    public void preUpdate(SameDiff sd, At at, Variable v, INDArray update) {
        close();
        pending = "updater";
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        close();
        pending = null;
    }

    private void close() {
        long now = System.nanoTime();
        if (pending != null) {
            parts.merge(pending, now - last, Long::sum);
            if (pendingOp != null) {
                byOp.merge(pendingOp, now - last, Long::sum);
            }
        }
        pendingOp = null;
        last = now;
    }

    Map<String, Double> parts(long steps) {
        Map<String, Double> out = new LinkedHashMap<>();
        parts.forEach((k, v) -> out.put(k, v / 1e6 / steps));
        return out;
    }

    Map<String, Double> topOps(long steps, int n) {
        Map<String, Double> out = new LinkedHashMap<>();
        byOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue() / 1e6 / steps));
        return out;
    }
}
