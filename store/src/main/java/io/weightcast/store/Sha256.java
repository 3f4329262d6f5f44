package io.weightcast.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as 64 lowercase hex digits, of bytes in memory, of a file (streamed: no heap copy), or of a stream being copied. */
final class Sha256 {
    private static final int BUFFER = 1 << 20;

    private Sha256() {
    }

    static String of(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** The file's bytes from position 0, read through one direct buffer. */
    static String of(FileChannel file) throws IOException {
        MessageDigest md = digest();
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        long position = 0;
        for (int n; (n = file.read(buf, position)) > 0; position += n) {
            md.update(buf.flip());
            buf.clear();
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Copies {@code in} to {@code out}, at most {@code limit} bytes; returns the digest and the count (-1 past the limit). */
    static Copied copy(InputStream in, WritableByteChannel out, long limit) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[BUFFER];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > limit) {
                return new Copied(null, -1);
            }
            md.update(buf, 0, n);
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            while (b.hasRemaining()) {
                out.write(b);
            }
        }
        return new Copied(HexFormat.of().formatHex(md.digest()), total);
    }

    record Copied(String sha256, long bytes) {
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
