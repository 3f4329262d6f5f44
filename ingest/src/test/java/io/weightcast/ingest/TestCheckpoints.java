package io.weightcast.ingest;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checkpoint metadata and hand-made files for the ingest tests; the checkpoints themselves come from the testkit's CheckpointBuilder.cnn. */
final class TestCheckpoints {
    private TestCheckpoints() {
    }

    static Map<String, String> metadata(String runId, long step) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("step", Long.toString(step));
        m.put("planned_steps", "18");
        m.put("framework", "pytorch");
        m.put("activation", "relu");
        return m;
    }

    /** A file whose header is exactly {@code headerJson} followed by {@code dataBytes} zero bytes. */
    static byte[] rawFile(String headerJson, int dataBytes) {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    /** True when both files hold the same tensor names, dtypes, shapes and bytes. */
    static boolean sameTensors(SafeTensors a, SafeTensors b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (TensorInfo t : a.tensors()) {
            TensorInfo u;
            try {
                u = b.tensor(t.name());
            } catch (IllegalArgumentException e) {
                return false;
            }
            if (t.dtype() != u.dtype() || !java.util.Arrays.equals(t.shape(), u.shape())
                    || !java.util.Arrays.equals(a.rawBytes(t), b.rawBytes(u))) {
                return false;
            }
        }
        return true;
    }
}
