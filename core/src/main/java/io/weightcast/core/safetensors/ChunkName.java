package io.weightcast.core.safetensors;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A piece of a tensor cut along its first axis by {@link CheckpointParts#split}: the tensor name
 * {@code NAME#chunk=I/N}, read strictly (decimal digits only, no sign, space or leading zero; {@code 0 <= I < N}),
 * so a producer's malformed name is refused at ingest and cannot reach a processor.
 */
public record ChunkName(String base, int index, int count) {
    static final String MARK = "#chunk=";
    private static final Pattern SUFFIX = Pattern.compile("(0|[1-9][0-9]{0,8})/([1-9][0-9]{0,8})");

    /** The name {@link CheckpointParts#split} gives piece {@code index} of {@code count}. */
    static String format(String base, int index, int count) {
        return base + MARK + index + "/" + count;
    }

    /** The piece a tensor name denotes; empty for a whole tensor; a malformed suffix is a {@link SafeTensorsFormatException}. */
    public static Optional<ChunkName> of(String tensorName) {
        int at = tensorName.indexOf(MARK);
        if (at < 0) {
            return Optional.empty();
        }
        String base = tensorName.substring(0, at);
        Matcher m = SUFFIX.matcher(tensorName.substring(at + MARK.length()));
        if (base.isEmpty() || !m.matches()) {
            throw new SafeTensorsFormatException("tensor '" + tensorName + "': a chunk is named NAME" + MARK + "I/N (decimal, 0 <= I < N)");
        }
        int index = Integer.parseInt(m.group(1));
        int count = Integer.parseInt(m.group(2));
        if (index >= count) {
            throw new SafeTensorsFormatException("tensor '" + tensorName + "': chunk " + index + " of " + count + " is out of range");
        }
        return Optional.of(new ChunkName(base, index, count));
    }
}
