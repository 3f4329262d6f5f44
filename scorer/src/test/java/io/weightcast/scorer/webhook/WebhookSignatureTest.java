package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A receiver that trusts only what it can verify: it recomputes both HMACs with javax.crypto itself
 * (not with {@link WebhookSignature}) over the raw bytes it read, and checks the timestamp window.
 */
class WebhookSignatureTest {
    private static final String SECRET = "correct horse battery staple";
    private static final long WINDOW_SECONDS = 300;

    private HttpServer server;
    private final List<String> verdicts = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> seenHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void startReceiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String signature = ex.getRequestHeaders().getFirst("X-Weightcast-Signature");
            String timestamp = ex.getRequestHeaders().getFirst("X-Weightcast-Timestamp");
            String timestamped = ex.getRequestHeaders().getFirst("X-Weightcast-Signature-Timestamped");
            seenHeaders.add(Map.of("sig", String.valueOf(signature), "ts", String.valueOf(timestamp)));
            String verdict = receiverVerdict(body, signature, timestamp, timestamped);
            verdicts.add(verdict);
            int status = !verdict.equals("ok") ? 401 : failuresLeft.getAndDecrement() > 0 ? 500 : 204;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopReceiver() {
        server.stop(0);
    }

    private static String receiverVerdict(byte[] body, String signature, String timestamp, String timestamped) {
        if (signature == null || timestamp == null || timestamped == null) {
            return "unsigned";
        }
        if (!constantTimeEquals(signature, "sha256=" + hmac(body))) {
            return "bad body signature";
        }
        long ts = Long.parseLong(timestamp);
        if (Math.abs(System.currentTimeMillis() / 1000 - ts) > WINDOW_SECONDS) {
            return "outside replay window";
        }
        byte[] signed = (timestamp + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        return constantTimeEquals(timestamped, "sha256=" + hmac(signed)) ? "ok" : "bad timestamped signature";
    }

    private static String hmac(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Test
    void theReceiverVerifiesTheSignaturesWithItsOwnHmac() throws Exception {
        byte[] body = "{\"run_id\":\"r\",\"kind\":\"DYING_RELU\",\"note\":\"ünïcode\"}".getBytes(StandardCharsets.UTF_8);
        WebhookPoster.Delivery d = new WebhookPoster(0, 10, Duration.ofSeconds(5)).post(url(), body, SECRET);
        assertThat(verdicts).containsExactly("ok");
        assertThat(d.delivered()).isTrue();
    }

    @Test
    void aWrongSecretIsRefusedByTheReceiver() throws Exception {
        WebhookPoster.Delivery d = new WebhookPoster(0, 10, Duration.ofSeconds(5)).post(url(), "{}".getBytes(StandardCharsets.UTF_8), "guess");
        assertThat(verdicts).containsExactly("bad body signature");
        assertThat(d.delivered()).isFalse();
        assertThat(d.lastError()).isEqualTo("HTTP 401");
    }

    @Test
    void withoutASecretNoSignatureHeadersAreSent() throws Exception {
        new WebhookPoster(0, 10, Duration.ofSeconds(5)).post(url(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(verdicts).containsExactly("unsigned");
        assertThat(seenHeaders.get(0)).containsEntry("sig", "null").containsEntry("ts", "null");
    }

    @Test
    void everyRetryIsSignedAfresh() throws Exception {
        failuresLeft.set(2);
        WebhookPoster.Delivery d = new WebhookPoster(3, 10, Duration.ofSeconds(5)).post(url(), "{\"a\":1}".getBytes(StandardCharsets.UTF_8), SECRET);
        assertThat(d.delivered()).isTrue();
        assertThat(d.attempts()).isEqualTo(3);
        assertThat(verdicts).containsExactly("ok", "ok", "ok");
    }

    @Test
    void matchesAKnownVectorSharedWithThePythonReceiver() {
        // computed with `openssl dgst -sha256 -hmac k`; clients/python/tests/test_alerts.py checks the same vector
        assertThat(WebhookSignature.headers("k", "{}".getBytes(StandardCharsets.UTF_8), 1_700_000_000L)).containsExactly(
                Map.entry(WebhookSignature.SIGNATURE, "sha256=add853b103fbcc936a194f9eb15e29c4ff08af6e47d5d1bca4f20218e31e4fff"),
                Map.entry(WebhookSignature.TIMESTAMP, "1700000000"),
                Map.entry(WebhookSignature.TIMESTAMPED_SIGNATURE, "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"));
    }

    @Test
    void helperVerificationRejectsTamperingAndReplays() {
        byte[] body = "{\"kind\":\"X\"}".getBytes(StandardCharsets.UTF_8);
        long now = 1_700_000_000L;
        Map<String, String> h = WebhookSignature.headers(SECRET, body, now);
        assertThat(h.get(WebhookSignature.SIGNATURE)).isEqualTo("sha256=" + hmac(body));
        assertThat(WebhookSignature.verify(SECRET, body, h.get(WebhookSignature.SIGNATURE))).isTrue();
        assertThat(WebhookSignature.verify(SECRET, "{\"kind\":\"Y\"}".getBytes(StandardCharsets.UTF_8), h.get(WebhookSignature.SIGNATURE))).isFalse();
        assertThat(WebhookSignature.verify(SECRET, body, null)).isFalse();
        String ts = h.get(WebhookSignature.TIMESTAMP);
        String tsSig = h.get(WebhookSignature.TIMESTAMPED_SIGNATURE);
        assertThat(WebhookSignature.verify(SECRET, body, ts, tsSig, now + 10, WINDOW_SECONDS)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, body, ts, tsSig, now + 301, WINDOW_SECONDS)).as("too old").isFalse();
        assertThat(WebhookSignature.verify(SECRET, body, Long.toString(now + 200), tsSig, now + 200, WINDOW_SECONDS))
                .as("an old request with a fresh timestamp").isFalse();
        assertThat(WebhookSignature.verify(SECRET, body, "soon", tsSig, now, WINDOW_SECONDS)).isFalse();
    }
}
