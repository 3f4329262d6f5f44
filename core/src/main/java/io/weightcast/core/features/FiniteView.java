package io.weightcast.core.features;

import io.weightcast.core.safetensors.FloatView;

/**
 * The finite elements of a view, in order, without a copy: what numpy's statistics see of a tensor holding NaN or
 * ±Inf ({@code x[np.isfinite(x)]}). Reads go forward through the source a chunk at a time; a read before the last
 * one starts again from the beginning, so {@link FloatStatistics}'s two in-order passes scan the source twice.
 */
final class FiniteView extends FloatView {
    private static final int CHUNK = 1024;

    private final FloatView source;
    private final float[] raw = new float[CHUNK];
    private final float[] finite = new float[CHUNK];
    /** Next source element to read. */
    private int rawAt;
    /** Finite index of {@code finite[pos]}. */
    private int at;
    private int pos;
    private int len;

    /** @param count the source's finite elements (counted by the caller) */
    FiniteView(FloatView source, int count) {
        super(count);
        this.source = source;
    }

    @Override
    public float get(int i) {
        float[] one = new float[1];
        get(i, one, 0, 1);
        return one[0];
    }

    @Override
    public void get(int from, float[] dst, int off, int n) {
        if (from < 0 || n < 0 || from + n > size()) {
            throw new IndexOutOfBoundsException("elements " + from + ".." + (from + n) + " of " + size());
        }
        if (from < at) {
            rawAt = 0;
            at = 0;
            pos = 0;
            len = 0;
        }
        while (n > 0) {
            if (pos == len) {
                fill();
            } else if (from > at) {
                int skip = Math.min(from - at, len - pos);
                pos += skip;
                at += skip;
            } else {
                int c = Math.min(n, len - pos);
                System.arraycopy(finite, pos, dst, off, c);
                pos += c;
                at += c;
                from += c;
                off += c;
                n -= c;
            }
        }
    }

    private void fill() {
        int total = source.size();
        if (rawAt >= total) {
            throw new IllegalStateException("the source holds fewer finite elements than " + size());
        }
        int m = Math.min(CHUNK, total - rawAt);
        source.get(rawAt, raw, 0, m);
        rawAt += m;
        int k = 0;
        for (int i = 0; i < m; i++) {
            float x = raw[i];
            if (Float.isFinite(x)) {
                finite[k++] = x;
            }
        }
        pos = 0;
        len = k;
    }

    @Override
    public boolean exactIn16Bits() {
        return source.exactIn16Bits();
    }
}
