package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * A tensor's elements as float32, read in place: F32 from the data section itself, F16, BF16 and FP8 widened as they
 * are read (exactly: every such value is a float), a block at a time into the caller's array. No copy of the
 * tensor exists, so a 524 MB BF16 embedding needs no heap beyond the caller's block.
 *
 * <p>Not thread-safe (a widening view keeps a small scratch array): one view per reader. Element {@code i} is the
 * row-major element {@code i}; {@link #get(int, float[], int, int)} is the fast path, {@link #get(int)} for scattered
 * reads (dead units stop at a unit's first positive weight).
 */
public abstract class FloatView {
    /** Raw source elements widened per bulk call: the scratch array's size. */
    static final int CHUNK = 1024;

    private final int size;

    protected FloatView(int size) {
        this.size = size;
    }

    /** Elements in the view. */
    public final int size() {
        return size;
    }

    /** Element {@code i} as a float. */
    public abstract float get(int i);

    /** Elements {@code from .. from + n - 1} into {@code dst[off ..]}. */
    public abstract void get(int from, float[] dst, int off, int n);

    /**
     * Whether every element's value is determined by the top 16 bits of its float32 bits (BF16 and both FP8s: their
     * widened floats have 16 zero low bits), so a histogram over those bits has one value per bucket.
     */
    public boolean exactIn16Bits() {
        return false;
    }

    /** A view of the buffer's elements from 0 to its limit (F32 in place). */
    public static FloatView of(FloatBuffer values) {
        return new F32(values.position() == 0 ? values : values.slice());
    }

    /** A view of an array. */
    public static FloatView of(float[] values) {
        return of(FloatBuffer.wrap(values));
    }

    /** BF16 elements of a little-endian buffer (position 0 to its limit). */
    static FloatView bf16(ByteBuffer bytes) {
        return new BF16(bytes.asShortBuffer());
    }

    /** F16 elements of a little-endian buffer. */
    static FloatView f16(ByteBuffer bytes) {
        return new F16(bytes.asShortBuffer());
    }

    /** FP8 elements of a buffer, decoded by {@code table}. */
    static FloatView fp8(ByteBuffer bytes, float[] table) {
        return new Fp8(bytes, table);
    }

    /** F32: the buffer itself. */
    private static final class F32 extends FloatView {
        private final FloatBuffer v;

        F32(FloatBuffer v) {
            super(v.limit());
            this.v = v;
        }

        @Override
        public float get(int i) {
            return v.get(i);
        }

        @Override
        public void get(int from, float[] dst, int off, int n) {
            v.get(from, dst, off, n);
        }
    }

    /** BF16: the top half of a float32, so widening is a shift. */
    private static final class BF16 extends FloatView {
        private final ShortBuffer v;
        private final short[] raw = new short[CHUNK];

        BF16(ShortBuffer v) {
            super(v.limit());
            this.v = v;
        }

        @Override
        public float get(int i) {
            return Float.intBitsToFloat(v.get(i) << 16);
        }

        @Override
        public void get(int from, float[] dst, int off, int n) {
            short[] r = raw;
            for (int done = 0; done < n; done += CHUNK) {
                int m = Math.min(CHUNK, n - done);
                v.get(from + done, r, 0, m);
                int o = off + done;
                for (int i = 0; i < m; i++) {
                    dst[o + i] = Float.intBitsToFloat(r[i] << 16); // the sign-extended high bits shift out
                }
            }
        }

        @Override
        public boolean exactIn16Bits() {
            return true;
        }
    }

    /** F16: a 65,536-entry table ({@link HalfFloat#toFloat}, built once). */
    private static final class F16 extends FloatView {
        private static final float[] TABLE = table();
        private final ShortBuffer v;
        private final short[] raw = new short[CHUNK];

        F16(ShortBuffer v) {
            super(v.limit());
            this.v = v;
        }

        private static float[] table() {
            float[] t = new float[1 << 16];
            for (int h = 0; h < t.length; h++) {
                t[h] = HalfFloat.toFloat((short) h);
            }
            return t;
        }

        @Override
        public float get(int i) {
            return TABLE[v.get(i) & 0xffff];
        }

        @Override
        public void get(int from, float[] dst, int off, int n) {
            short[] r = raw;
            float[] t = TABLE;
            for (int done = 0; done < n; done += CHUNK) {
                int m = Math.min(CHUNK, n - done);
                v.get(from + done, r, 0, m);
                int o = off + done;
                for (int i = 0; i < m; i++) {
                    dst[o + i] = t[r[i] & 0xffff];
                }
            }
        }
    }

    /** FP8 (E4M3 or E5M2): a 256-entry table ({@link Float8}). */
    private static final class Fp8 extends FloatView {
        private final ByteBuffer v;
        private final float[] table;
        private final byte[] raw = new byte[CHUNK];

        Fp8(ByteBuffer v, float[] table) {
            super(v.limit());
            this.v = v;
            this.table = table;
        }

        @Override
        public float get(int i) {
            return table[v.get(i) & 0xff];
        }

        @Override
        public void get(int from, float[] dst, int off, int n) {
            byte[] r = raw;
            float[] t = table;
            for (int done = 0; done < n; done += CHUNK) {
                int m = Math.min(CHUNK, n - done);
                v.get(from + done, r, 0, m);
                int o = off + done;
                for (int i = 0; i < m; i++) {
                    dst[o + i] = t[r[i] & 0xff];
                }
            }
        }

        @Override
        public boolean exactIn16Bits() {
            return true;
        }
    }
}
