package io.weightcast.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A file's data section as read-only memory-mapped windows of at most {@link #WINDOW_BYTES} each (a larger tensor gets
 * a window of its own), cut at tensor boundaries so every tensor lies in one window: a file above 2 GiB works, the
 * heap holds none of it, and the kernel pages in what the analysis touches. The mappings outlive the channel.
 */
final class MappedData implements TensorData {
    /** Few mappings for a large file, far below a ByteBuffer's 2 GiB index limit. */
    static final long WINDOW_BYTES = 1L << 30;
    /** The largest buffer Java can index (as for arrays). */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    private final long[] starts;
    private final MappedByteBuffer[] windows;
    private final long size;

    private MappedData(long[] starts, MappedByteBuffer[] windows, long size) {
        this.starts = starts;
        this.windows = windows;
        this.size = size;
    }

    /** Maps the data section that begins at file offset {@code dataStart}; {@code byOffset}: the tensors, validated, in byte order. */
    static MappedData map(FileChannel channel, long dataStart, long dataLen, List<TensorInfo> byOffset, long windowBytes)
            throws IOException {
        List<Long> starts = new ArrayList<>();
        List<MappedByteBuffer> windows = new ArrayList<>();
        long from = -1;
        long to = -1;
        for (TensorInfo t : byOffset) {
            long length = t.end() - t.begin();
            if (length > MAX_TENSOR_BYTES) {
                throw new SafeTensorsFormatException("tensor '" + t.name() + "' has " + length + " bytes; one tensor can have at most "
                        + MAX_TENSOR_BYTES + " (2 GiB - 8, the largest buffer Java can index)");
            }
            if (length == 0) {
                continue;
            }
            if (from >= 0 && t.end() - from > windowBytes) {
                starts.add(from);
                windows.add(channel.map(FileChannel.MapMode.READ_ONLY, dataStart + from, to - from));
                from = -1;
            }
            if (from < 0) {
                from = t.begin();
            }
            to = t.end();
        }
        if (from >= 0) {
            starts.add(from);
            windows.add(channel.map(FileChannel.MapMode.READ_ONLY, dataStart + from, to - from));
        }
        return new MappedData(starts.stream().mapToLong(Long::longValue).toArray(), windows.toArray(new MappedByteBuffer[0]), dataLen);
    }

    @Override
    public ByteBuffer bytes(TensorInfo t) {
        int length = (int) (t.end() - t.begin());
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        int w = Arrays.binarySearch(starts, t.begin());
        w = w >= 0 ? w : -w - 2;
        return windows[w].slice((int) (t.begin() - starts[w]), length).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long size() {
        return size;
    }
}
