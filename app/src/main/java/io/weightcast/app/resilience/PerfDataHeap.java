package io.weightcast.app.resilience;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The heap in use of a local HotSpot JVM read from its perf-data file ({@code /tmp/hsperfdata_<user>/<pid>}), the
 * counters jstat prints as S0U + S1U + EU + OU, without starting a jstat JVM per sample: on two busy cores a round of
 * five jstat calls took ~4 s, too slow to see a peak. The JVM refreshes these counters at every GC and every
 * {@code PerfDataSamplingInterval} (50 ms). Format: the prologue of HotSpot's perfMemory.hpp, then entries of
 * (length, name offset, vector length, type, flags, units, variability, data offset).
 */
final class PerfDataHeap {
    private static final int MAGIC = 0xcafec0c0;
    private static final Set<String> USED = Set.of("sun.gc.generation.0.space.0.used", "sun.gc.generation.0.space.1.used",
            "sun.gc.generation.0.space.2.used", "sun.gc.generation.1.space.0.used");

    private PerfDataHeap() {
    }

    /** Heap in use in bytes, or -1 when the file is missing or not understood (the caller falls back to jstat). */
    static long usedBytes(long pid) {
        Path file = Path.of(System.getProperty("weightcast.hsperfdata.dir",
                "/tmp/hsperfdata_" + System.getProperty("user.name")), Long.toString(pid));
        if (pid <= 0 || !Files.isReadable(file)) {
            return -1;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 1 << 20));
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read it all
            }
            b.flip();
            return parse(b);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long parse(ByteBuffer b) {
        if (b.order(ByteOrder.BIG_ENDIAN).getInt(0) != MAGIC) {
            return -1;
        }
        b.order(b.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int entryOffset = b.getInt(24);
        int entries = b.getInt(28);
        long used = 0;
        int found = 0;
        int at = entryOffset;
        for (int i = 0; i < entries && at + 20 <= b.limit(); i++) {
            int length = b.getInt(at);
            int nameOffset = b.getInt(at + 4);
            int vectorLength = b.getInt(at + 8);
            byte type = b.get(at + 12);
            int dataOffset = b.getInt(at + 16);
            if (length <= 0) {
                break;
            }
            if (vectorLength == 0 && type == 'J' && USED.contains(name(b, at + nameOffset))) {
                used += b.getLong(at + dataOffset);
                found++;
            }
            at += length;
        }
        return found == 0 ? -1 : used;
    }

    private static String name(ByteBuffer b, int start) {
        int end = start;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(start, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
