package io.weightcast.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded mutations of safetensors files for fuzzing (no dependencies): byte-level damage (bit flips,
 * interesting bytes, truncation, insertion, splicing), edits of the 8-byte length field, and edits of
 * the JSON header (numbers, dtypes, shapes, offsets, structure) re-framed with a consistent length so
 * they reach the header checks. Stacks one to three mutations per input.
 */
public final class SafeTensorsMutator {
    private static final long[] INTERESTING_LENGTHS = {0, 1, 2, 7, 8, 9, 100L * 1024 * 1024, 100L * 1024 * 1024 + 1,
            Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Long.MAX_VALUE, -1, Long.MIN_VALUE, 1L << 32};
    private static final String[] INTERESTING_NUMBERS = {"-1", "0", "1", "3", "4", "7", "8", "255", "65535", "2147483647",
            "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808",
            "18446744073709551616", "18446744073709551620", "-9223372036854775808", "1.5", "1e3", "1e308", "-0", "0.0",
            "99999999999999999999999999999999", "null", "true", "\"4\"", "[]", "{}"};
    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL",
            "F8_E4M3", "U64", "f32", "", "F32 ", "\\u0046\\u0033\\u0032"};
    private static final String[] SHAPES = {"[]", "[0]", "[1]", "[-1]", "[2147483648]", "[4294967296,4294967296]",
            "[9223372036854775807]", "[9223372036854775807,2]", "[3037000500,3037000500]", "[1,1,1,1,1,1,1,1]",
            "[0,9223372036854775807]", "[1.5]", "[\"2\"]", "[null]", "{}", "7", "[[2]]"};
    private static final String[] OFFSETS = {"[0,0]", "[0,4]", "[4,0]", "[0]", "[0,1,2]", "[]", "[-4,0]",
            "[0,9223372036854775807]", "[9223372036854775807,9223372036854775807]", "[18446744073709551616,18446744073709551620]",
            "[0,2147483648]", "[2147483647,2147483651]", "[0.0,4.0]", "[\"0\",\"4\"]", "null"};
    private static final String[] FRAGMENTS = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\u0000", "\uFFFD",
            "\"__metadata__\":{\"a\":1},", "\"__metadata__\":[],", "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},",
            "\"dtype\":\"F32\",", "NaN", "Infinity", "/*c*/", "\ud800", "é"};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"[^\"]*\"");
    private static final Pattern SHAPE = Pattern.compile("\"shape\":\\[[^\\]]*\\]");
    private static final Pattern OFFSET = Pattern.compile("\"data_offsets\":\\[[^\\]]*\\]");

    private final Random random;
    private final List<byte[]> seeds;

    public SafeTensorsMutator(long seed, List<byte[]> seeds) {
        this.random = new Random(seed);
        this.seeds = seeds;
    }

    /** A new mutated input; the name of the mutations applied is recorded in {@code how}. */
    public byte[] next(StringBuilder how) {
        byte[] b = seeds.get(random.nextInt(seeds.size())).clone();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            int op = random.nextInt(12);
            how.append(op).append(' ');
            b = switch (op) {
                case 0 -> flipBits(b);
                case 1 -> interestingByte(b);
                case 2 -> truncate(b);
                case 3 -> lengthField(b);
                case 4 -> header(b, this::replaceNumber);
                case 5 -> header(b, h -> replace(h, DTYPE, "\"dtype\":\"" + pick(DTYPES) + "\""));
                case 6 -> header(b, h -> replace(h, SHAPE, "\"shape\":" + pick(SHAPES)));
                case 7 -> header(b, h -> replace(h, OFFSET, "\"data_offsets\":" + pick(OFFSETS)));
                case 8 -> header(b, this::insertFragment);
                case 9 -> header(b, this::deleteSpan);
                case 10 -> insertBytes(b);
                default -> splice(b);
            };
        }
        return b;
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private int headerBiasedIndex(byte[] b) {
        int headerEnd = (int) Math.min(b.length, 8 + Math.max(0, Math.min(Integer.MAX_VALUE, headerLength(b))));
        return random.nextInt(4) > 0 && headerEnd > 0 ? random.nextInt(headerEnd) : random.nextInt(b.length);
    }

    private byte[] flipBits(byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = headerBiasedIndex(b);
            b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    private byte[] interestingByte(byte[] b) {
        if (b.length == 0) {
            return b;
        }
        byte[] values = {0, -1, 0x7f, (byte) 0x80, '{', '}', '"', '[', ']', ',', ':', '0', '9', '-', ' ', '\\', (byte) 0xc3};
        b[headerBiasedIndex(b)] = values[random.nextInt(values.length)];
        return b;
    }

    private byte[] truncate(byte[] b) {
        return Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
    }

    private byte[] lengthField(byte[] b) {
        if (b.length < 8) {
            return b;
        }
        long current = headerLength(b);
        long[] choices = {current - 1, current + 1, current + 8, current - 8, b.length - 8, b.length - 7, random.nextLong(),
                INTERESTING_LENGTHS[random.nextInt(INTERESTING_LENGTHS.length)]};
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[random.nextInt(choices.length)]);
        return b;
    }

    private byte[] insertBytes(byte[] b) {
        int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
        byte[] extra = new byte[1 + random.nextInt(16)];
        random.nextBytes(extra);
        byte[] out = new byte[b.length + extra.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(b, at, out, at + extra.length, b.length - at);
        return out;
    }

    private byte[] splice(byte[] b) {
        byte[] other = seeds.get(random.nextInt(seeds.size()));
        int cut = b.length == 0 ? 0 : random.nextInt(b.length);
        int from = random.nextInt(other.length);
        byte[] out = Arrays.copyOf(b, cut + other.length - from);
        System.arraycopy(other, from, out, cut, other.length - from);
        return out;
    }

    /** Applies a text edit to the JSON header and re-frames the file with the new header's length. */
    private byte[] header(byte[] b, java.util.function.UnaryOperator<String> edit) {
        long len = headerLength(b);
        if (len < 0 || len > b.length - 8) {
            return b;
        }
        String header = new String(b, 8, (int) len, StandardCharsets.UTF_8);
        byte[] newHeader = edit.apply(header).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + newHeader.length + (b.length - 8 - (int) len)];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, newHeader.length);
        System.arraycopy(newHeader, 0, out, 8, newHeader.length);
        System.arraycopy(b, 8 + (int) len, out, 8 + newHeader.length, b.length - 8 - (int) len);
        return out;
    }

    private String replaceNumber(String h) {
        return replace(h, NUMBER, pick(INTERESTING_NUMBERS));
    }

    /** Replaces one randomly chosen match of {@code p}. */
    private String replace(String h, Pattern p, String replacement) {
        Matcher m = p.matcher(h);
        int count = 0;
        while (m.find()) {
            count++;
        }
        if (count == 0) {
            return h;
        }
        int target = random.nextInt(count);
        m.reset();
        for (int i = 0; m.find(); i++) {
            if (i == target) {
                return h.substring(0, m.start()) + replacement + h.substring(m.end());
            }
        }
        return h;
    }

    private String insertFragment(String h) {
        int at = random.nextInt(h.length() + 1);
        String f = random.nextInt(20) == 0 ? "[".repeat(2000 + random.nextInt(2000)) : pick(FRAGMENTS);
        return h.substring(0, at) + f + h.substring(at);
    }

    private String deleteSpan(String h) {
        if (h.isEmpty()) {
            return h;
        }
        int at = random.nextInt(h.length());
        int end = Math.min(h.length(), at + 1 + random.nextInt(12));
        return h.substring(0, at) + h.substring(end);
    }

    static long headerLength(byte[] b) {
        return b.length < 8 ? -1 : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }
}
