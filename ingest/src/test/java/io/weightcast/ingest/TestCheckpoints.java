package io.weightcast.ingest;

import io.weightcast.core.safetensors.DType;
import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsWriter;
import io.weightcast.core.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Safetensors files for tests: a small CNN-like state dict with seeded random weights. */
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

    /** conv1 (16,1,3,3), conv2 (16,16,3,3), fc (10, fcIn) with biases; ~{@code 40·fcIn} bytes of F32 in fc. */
    static SafeTensorsWriter cnn(long seed, int fcIn) {
        Random r = new Random(seed);
        SafeTensorsWriter w = new SafeTensorsWriter();
        tensor(w, r, "conv1.weight", 16, 1, 3, 3);
        tensor(w, r, "conv1.bias", 16);
        tensor(w, r, "conv2.weight", 16, 16, 3, 3);
        tensor(w, r, "conv2.bias", 16);
        tensor(w, r, "fc.weight", 10, fcIn);
        tensor(w, r, "fc.bias", 10);
        return w;
    }

    static byte[] cnn(long seed, int fcIn, Map<String, String> metadata) {
        return cnn(seed, fcIn).metadata(metadata).toBytes();
    }

    private static void tensor(SafeTensorsWriter w, Random r, String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * 0.1;
        }
        w.tensor(name, DType.F32, shape, v);
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
