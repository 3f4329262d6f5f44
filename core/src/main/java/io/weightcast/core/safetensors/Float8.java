package io.weightcast.core.safetensors;

/**
 * The two FP8 formats of safetensors (and PyTorch's float8_e4m3fn / float8_e5m2), decoded exactly to float by a
 * 256-entry table each: every FP8 value is a float.
 * <ul>
 * <li>{@code F8_E4M3}: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities, S.1111.111 is NaN, so the
 * largest value is 1.75 * 2^8 = 448; subnormals m/8 * 2^-6.</li>
 * <li>{@code F8_E5M2}: 1 sign, 5 exponent (bias 15), 2 mantissa bits, IEEE-like: exponent 31 is ±Inf (mantissa 0)
 * or NaN, the largest finite value 1.75 * 2^15 = 57344; subnormals m/4 * 2^-14.</li>
 * </ul>
 */
public final class Float8 {
    private static final float[] E4M3 = table(4, 3, false);
    private static final float[] E5M2 = table(5, 2, true);

    private Float8() {
    }

    public static float e4m3(byte bits) {
        return E4M3[bits & 0xff];
    }

    public static float e5m2(byte bits) {
        return E5M2[bits & 0xff];
    }

    static float[] table(DType dtype) {
        return switch (dtype) {
            case F8_E4M3 -> E4M3;
            case F8_E5M2 -> E5M2;
            default -> throw new IllegalArgumentException(dtype + " is not an FP8 dtype");
        };
    }

    private static float[] table(int exponentBits, int mantissaBits, boolean ieee) {
        int bias = (1 << (exponentBits - 1)) - 1;
        int maxExponent = (1 << exponentBits) - 1;
        int maxMantissa = (1 << mantissaBits) - 1;
        float[] out = new float[256];
        for (int b = 0; b < 256; b++) {
            int e = (b >>> mantissaBits) & maxExponent;
            int m = b & maxMantissa;
            float magnitude;
            if (ieee && e == maxExponent) {
                magnitude = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
            } else if (!ieee && e == maxExponent && m == maxMantissa) {
                magnitude = Float.NaN;
            } else if (e == 0) {
                magnitude = Math.scalb((float) m, 1 - bias - mantissaBits);
            } else {
                magnitude = Math.scalb((float) ((1 << mantissaBits) | m), e - bias - mantissaBits);
            }
            out[b] = (b & 0x80) != 0 ? -magnitude : magnitude;
        }
        return out;
    }
}
