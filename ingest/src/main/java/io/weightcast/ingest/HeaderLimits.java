package io.weightcast.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.weightcast.core.safetensors.SafeTensorsReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Caps on an uploaded safetensors header, checked before it is parsed into a tree (a 100 MB header of tiny
 * tensors would cost the heap many times its size): the header's length, read from the first 8 bytes, then a
 * streaming scan (constant memory) that counts the tensors and each shape's rank. Anything else that is wrong
 * with the header is left to the parser, which says precisely what.
 */
record HeaderLimits(long maxHeaderBytes, int maxTensors, int maxRank) {
    /** The format's own bound and nothing else (the SDK: its caller builds the file). */
    static final HeaderLimits NONE = new HeaderLimits(SafeTensorsReader.MAX_HEADER_BYTES,
            Integer.MAX_VALUE, Integer.MAX_VALUE);
    private static final JsonFactory JSON = new JsonFactory();

    /** Refuses a header length above the cap, given the body's first 8 (or more) bytes; shorter prefixes pass. */
    void checkLength(ByteBuffer prefix) {
        if (prefix.remaining() < 8) {
            return;
        }
        long length = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong(prefix.position());
        if (length > maxHeaderBytes || length < 0) {
            throw new IngestRejection(RejectReason.HEADER_LIMIT, "safetensors header of " + Long.toUnsignedString(length)
                    + " bytes exceeds the limit of " + maxHeaderBytes + " bytes (" + IngestSettings.MAX_HEADER_BYTES.name() + ")");
        }
    }

    /** Refuses a header above any cap; passes a body the parser must judge (truncated, not JSON, ...). */
    void check(byte[] body) {
        checkLength(ByteBuffer.wrap(body));
        if (body.length < 8) {
            return;
        }
        long length = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (length < 2 || 8 + length > body.length) {
            return;
        }
        try (JsonParser p = JSON.createParser(body, 8, (int) length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            int tensors = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("__metadata__".equals(name) || value != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                if (++tensors > maxTensors) {
                    throw new IngestRejection(RejectReason.HEADER_LIMIT, "more than " + maxTensors + " tensors in the safetensors header ("
                            + IngestSettings.MAX_TENSORS.name() + ")");
                }
                checkRank(p, name);
            }
        } catch (IOException e) {
            // not JSON (or not as the format wants it): the parser reports it precisely
        }
    }

    /** Walks one tensor entry (the parser is on its START_OBJECT), counting the entries of its shape. */
    private void checkRank(JsonParser p, String tensor) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean shape = "shape".equals(p.currentName());
            JsonToken value = p.nextToken();
            if (!shape || value != JsonToken.START_ARRAY) {
                p.skipChildren();
                continue;
            }
            int rank = 0;
            for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
                p.skipChildren();
                if (++rank > maxRank) {
                    throw new IngestRejection(RejectReason.HEADER_LIMIT, "tensor '" + abbreviate(tensor) + "' has a shape of rank above "
                            + maxRank + " (" + IngestSettings.MAX_RANK.name() + ")");
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
