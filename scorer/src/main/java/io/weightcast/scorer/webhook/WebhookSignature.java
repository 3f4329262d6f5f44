package io.weightcast.scorer.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The headers that let a receiver trust a hook request (only when the hook has a secret):
 * <ul>
 * <li>{@value #SIGNATURE}: {@code sha256=<hex HMAC-SHA256(secret, body)>}, over the exact body bytes;</li>
 * <li>{@value #TIMESTAMP}: the send time in Unix seconds, fresh on every attempt (retries included);</li>
 * <li>{@value #TIMESTAMPED_SIGNATURE}: {@code sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>}: binds
 *     the timestamp to the body, so a replay cannot pass off an old body with a new timestamp.</li>
 * </ul>
 * A receiver recomputes the HMAC over the raw body it read (before any JSON parsing), compares in
 * constant time, and, to refuse replays, also checks the timestamped signature and that the timestamp
 * is within its window (e.g. 5 minutes) of its own clock. Deliveries are at-least-once, so a receiver
 * should be idempotent anyway (an alert is identified by run_id, kind and step).
 */
public final class WebhookSignature {
    public static final String SIGNATURE = "X-Weightcast-Signature";
    public static final String TIMESTAMP = "X-Weightcast-Timestamp";
    public static final String TIMESTAMPED_SIGNATURE = "X-Weightcast-Signature-Timestamped";
    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {
    }

    /** The signature headers for {@code body} sent at {@code epochSeconds}, in a stable order. */
    public static Map<String, String> headers(String secret, byte[] body, long epochSeconds) {
        String ts = Long.toString(epochSeconds);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(SIGNATURE, "sha256=" + hmacHex(secret, body));
        h.put(TIMESTAMP, ts);
        h.put(TIMESTAMPED_SIGNATURE, "sha256=" + hmacHex(secret, timestamped(ts, body)));
        return h;
    }

    /** Receiver side: does {@code header} (as sent in {@value #SIGNATURE}) sign {@code body}? Constant-time. */
    public static boolean verify(String secret, byte[] body, String header) {
        return header != null && MessageDigest.isEqual(("sha256=" + hmacHex(secret, body)).getBytes(StandardCharsets.US_ASCII),
                header.strip().getBytes(StandardCharsets.US_ASCII));
    }

    /** Receiver side with replay protection: the timestamped signature is valid and the timestamp within the window. */
    public static boolean verify(String secret, byte[] body, String timestamp, String timestampedHeader, long nowSeconds,
                                 long windowSeconds) {
        long ts;
        try {
            ts = Long.parseLong(timestamp == null ? "" : timestamp.strip());
        } catch (NumberFormatException e) {
            return false;
        }
        return Math.abs(nowSeconds - ts) <= windowSeconds && verify(secret, timestamped(timestamp.strip(), body), timestampedHeader);
    }

    static String hmacHex(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(data));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e); // every JRE has it
        }
    }

    private static byte[] timestamped(String ts, byte[] body) {
        byte[] prefix = (ts + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }
}
