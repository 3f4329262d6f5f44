package io.weightcast.core.kafka;

import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs and verifies the records that services load as code: {@code models} (LightGBM text) and {@code encoders}
 * (SameDiff graphs). Anyone who can write to those topics could otherwise make the scorer load their model, or pin
 * it with a forged version 2³¹−1 (issue 21). The trainer signs with a shared secret ({@code models.signing.key.file});
 * the readers verify before they parse.
 *
 * <p>The signature is HMAC-SHA256 over the topic, the key and the value, so a record cannot be replayed under
 * another key (a dying-ReLU classifier as the accuracy model) or on another topic. It travels in the header
 * {@value #HEADER} as {@code v1=<hex>}. Kafka ACLs (only the trainer may write these topics) are the first line;
 * this is the second, and the one that also holds where the broker has no ACLs.
 */
public final class RecordSignature {
    private static final Logger LOG = LoggerFactory.getLogger(RecordSignature.class);
    public static final String HEADER = "weightcast-signature";
    private static final String ALGORITHM = "HmacSHA256";
    private static final String VERSION = "v1=";
    /** Shorter secrets are refused: 32 bytes is the HMAC-SHA256 block-size guidance's floor for a random key. */
    static final int MIN_SECRET_BYTES = 32;

    /** What {@link #verify} found. */
    public enum Verdict {
        /** The signature matches. */
        VALID,
        /** No signing key configured: nothing is checked. */
        UNCHECKED,
        /** The record carries no signature. */
        UNSIGNED,
        /** The record's signature does not match (another key, or altered). */
        INVALID;

        /** Whether a reader may load the record. */
        public boolean accepted() {
            return this == VALID || this == UNCHECKED;
        }
    }

    private final byte[] secret; // null: unchecked

    private RecordSignature(byte[] secret) {
        this.secret = secret;
    }

    /** No key: records go out unsigned and are read unchecked. */
    public static RecordSignature none() {
        return new RecordSignature(null);
    }

    /** With this secret (at least {@value #MIN_SECRET_BYTES} bytes). */
    public static RecordSignature of(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("a models signing key needs at least " + MIN_SECRET_BYTES + " bytes, got "
                    + secret.length);
        }
        return new RecordSignature(secret.clone());
    }

    /** From {@code models.signing.key.file} (its content, surrounding whitespace stripped), or {@link #none()} when unset. */
    public static RecordSignature from(Settings settings) {
        String file = settings.get(CommonKeys.MODELS_SIGNING_KEY_FILE);
        if (file == null || file.isBlank()) {
            return none();
        }
        try {
            return of(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(CommonKeys.MODELS_SIGNING_KEY_FILE.name() + " = " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The key file at {@code path}, created with a new random secret (owner-readable only) when missing: local mode's,
     * kept with its data so a restarted stack still verifies the models it wrote before.
     */
    public static Path ensureKeyFile(Path path) {
        if (Files.exists(path)) {
            return path;
        }
        byte[] random = new byte[MIN_SECRET_BYTES];
        new SecureRandom().nextBytes(random);
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.writeString(path, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the file keeps its default permissions
            }
            return path;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the models signing key " + path + ": " + e.getMessage(), e);
        }
    }

    /** This, after saying at start what it means for {@code service}: a warning when records go unchecked. */
    public RecordSignature logged(String service) {
        if (enabled()) {
            LOG.info("{}: models and encoders records are signed and verified ({})", service, CommonKeys.MODELS_SIGNING_KEY_FILE.name());
        } else {
            LOG.warn("{}: {} is unset: models and encoders records are NOT signed or verified; anyone who can write those topics "
                    + "can make the scorer and streams load their model (SECURITY.md)", service, CommonKeys.MODELS_SIGNING_KEY_FILE.name());
        }
        return this;
    }

    public boolean enabled() {
        return secret != null;
    }

    /** Adds the signature header (nothing without a key). */
    public void sign(Headers headers, String topic, String key, byte[] value) {
        if (secret != null) {
            headers.remove(HEADER);
            headers.add(HEADER, (VERSION + HexFormat.of().formatHex(mac(topic, key, value))).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Whether the record carries a valid signature ({@link Verdict#UNCHECKED} without a key). */
    public Verdict verify(Headers headers, String topic, String key, byte[] value) {
        if (secret == null) {
            return Verdict.UNCHECKED;
        }
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        if (h == null || h.value() == null) {
            return Verdict.UNSIGNED;
        }
        String text = new String(h.value(), StandardCharsets.US_ASCII);
        if (!text.startsWith(VERSION)) {
            return Verdict.INVALID;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(text.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            return Verdict.INVALID;
        }
        return MessageDigest.isEqual(given, mac(topic, key, value)) ? Verdict.VALID : Verdict.INVALID;
    }

    private byte[] mac(String topic, String key, byte[] value) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update(field(topic));
            mac.update(field(key));
            mac.update(value == null ? new byte[0] : value);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " unavailable", e);
        }
    }

    /** Length-prefixed, so ("ab", "c") and ("a", "bc") sign differently. */
    private static byte[] field(String s) {
        byte[] b = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[4 + b.length];
        out[0] = (byte) (b.length >>> 24);
        out[1] = (byte) (b.length >>> 16);
        out[2] = (byte) (b.length >>> 8);
        out[3] = (byte) b.length;
        System.arraycopy(b, 0, out, 4, b.length);
        return out;
    }
}
