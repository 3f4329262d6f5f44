package io.weightcast.app.live;

import io.weightcast.core.records.Json;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The records of the plain producer mode, built from the README / design §4 contract alone: the
 * checkpoint's {@code __metadata__} holds only {@code run_id}, {@code step}, {@code planned_steps},
 * {@code activation} and {@code framework} (no metrics, no hyper-parameters: a producer that knows
 * nothing of our client); hyper-parameters travel in {@code started}, the epoch's metrics in a
 * {@code metrics} event, the label in {@code finished}.
 */
public final class ContractRecords {
    private ContractRecords() {
    }

    /** The zoo's checkpoint bytes re-written with the contract's metadata keys only (tensors byte for byte). */
    public static byte[] checkpoint(ZooRun run, int step) throws IOException {
        SafeTensors file = SafeTensors.read(Files.readAllBytes(run.checkpoint(step)));
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.metadata("run_id", run.replayId());
        w.metadata("step", Integer.toString(step));
        w.metadata("planned_steps", Integer.toString(run.epochs()));
        if (run.activation() != null) {
            w.metadata("activation", run.activation());
        }
        w.metadata("framework", file.meta("framework").orElse("pytorch"));
        for (TensorInfo t : file.tensorsByOffset()) {
            w.raw(t.name(), t.dtype(), t.shape(), file.rawBytes(t));
        }
        return w.toBytes();
    }

    public static byte[] started(ZooRun run) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "started");
        e.put("run_id", run.replayId());
        e.put("study", run.study());
        e.put("hparams", run.events().hparams() == null ? Map.of() : run.events().hparams());
        e.put("planned_steps", run.epochs());
        e.put("timestamp", System.currentTimeMillis());
        return Json.bytes(e);
    }

    /** The epoch's reported metrics (val_acc, val_loss, train_acc, train_loss, dead_fraction/*; no eval/*). */
    public static byte[] metrics(ZooRun run, int step) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "metrics");
        e.put("run_id", run.replayId());
        e.put("study", run.study());
        e.put("step", step);
        e.put("metrics", run.reportedMetrics(step));
        e.put("timestamp", System.currentTimeMillis());
        return Json.bytes(e);
    }

    public static byte[] finished(ZooRun run) {
        Map<String, Object> fin = new LinkedHashMap<>();
        fin.put("test_accuracy", run.events().finalTestAccuracy());
        if (Double.isFinite(run.events().finalTrainAccuracy())) {
            fin.put("train_accuracy", run.events().finalTrainAccuracy());
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "finished");
        e.put("run_id", run.replayId());
        e.put("study", run.study());
        e.put("final", fin);
        e.put("timestamp", System.currentTimeMillis());
        return Json.bytes(e);
    }
}
