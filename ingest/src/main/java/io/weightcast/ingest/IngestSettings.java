package io.weightcast.ingest;

import io.weightcast.core.auth.TokenFile;
import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.Topics;
import io.weightcast.core.safetensors.SafeTensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ingest gateway's settings, each key declared once below (the README's generated reference lists them),
 * read once from {@link Settings} and checked together: the in-flight budget must admit a maximal upload.
 */
public record IngestSettings(String host, int port, String auth, String tokens, String tokensFile, long maxCheckpointBytes, int maxEventBytes,
                             int maxRecordBytes, int ackTimeoutMs, long maxInflightBytes, int maxInflightRequests,
                             int retryAfterSeconds, long idempotencyWindowMs, int idempotencyMaxKeys, HeaderLimits headerLimits,
                             int bodyIdleTimeoutMs, int bodyMinBytesPerSecond, String bootstrap, Topics topics) {
    public static final long DEFAULT_MAX_CHECKPOINT_BYTES = 256L * 1024 * 1024;
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 256L * 1024 * 1024;

    public static final Key<Integer> PORT = Key.integer("ingest.port", 8080, "HTTP port of the gateway; 0 picks a free one")
            .rule("in 0..65535", p -> p >= 0 && p <= 65535);
    public static final Key<String> HOST = Key.text("ingest.host", "127.0.0.1", "bind host of the gateway");
    /** {@code ingest.auth}: bearer tokens required. */
    public static final String AUTH_TOKENS = "tokens";
    /** {@code ingest.auth}: anyone who reaches the port may publish. */
    public static final String AUTH_NONE = "none";
    public static final Key<String> AUTH = Key.text("ingest.auth", AUTH_TOKENS,
            "`tokens`: every request needs one of `ingest.tokens` or `ingest.tokens.file`, and ingest refuses to start without "
                    + "any; `none`: no "
                    + "authentication, said explicitly (local mode sets it while ingest listens on a loopback address only)")
            .rule(AUTH_TOKENS + " or " + AUTH_NONE, a -> a.equals(AUTH_TOKENS) || a.equals(AUTH_NONE));
    public static final Key<String> TOKENS = Key.text("ingest.tokens", "",
            "comma-separated bearer tokens, unscoped: they may write any run (with `ingest.auth=tokens`, these or "
                    + "`ingest.tokens.file` hold at least one)");
    public static final Key<String> TOKENS_FILE = Key.text("ingest.tokens.file", null,
            "a JSON file of bearer tokens, each optionally scoped to studies and run-id prefixes (403 outside them; format in "
                    + "SECURITY.md), added to `ingest.tokens`; re-read every 2 s while ingest runs, a broken edit keeps the previous "
                    + "tokens (logged, `weightcast_auth_token_file_reloads_total{outcome=\"failed\"}`)");
    public static final Key<Long> MAX_CHECKPOINT_BYTES = Key.longInteger("ingest.max.checkpoint.bytes", DEFAULT_MAX_CHECKPOINT_BYTES,
            "larger checkpoint bodies get 413; one body must fit a Java array (larger checkpoints need the claim-check path, "
                    + "design §10)").rule("in 1.." + (Integer.MAX_VALUE - 64), n -> n > 0 && n <= Integer.MAX_VALUE - 64);
    public static final Key<Integer> MAX_EVENT_BYTES = Key.integer("ingest.max.event.bytes", 1024 * 1024,
            "larger run-event bodies get 413").rule("positive", n -> n > 0);
    public static final Key<Integer> MAX_RECORD_BYTES = Key.integer("ingest.max.record.bytes", KafkaConfigs.MAX_RECORD_BYTES,
            "checkpoints above it are split into parts (the contract's record limit is also its maximum)")
            .rule("in 4096.." + KafkaConfigs.MAX_RECORD_BYTES, n -> n >= 4096 && n <= KafkaConfigs.MAX_RECORD_BYTES);
    public static final Key<Integer> ACK_TIMEOUT_MS = Key.integer("ingest.ack.timeout.ms", 30_000,
            "how long a request may wait for Kafka (metadata, buffer space, acks) before it gets 503 with Retry-After")
            .rule("≥ 1000", n -> n >= 1000);
    public static final Key<Long> MAX_INFLIGHT_BYTES = Key.longInteger("ingest.max.inflight.bytes", DEFAULT_MAX_INFLIGHT_BYTES,
            "admission control: request bodies being read or awaiting acks hold at most this many bytes; a request that would "
                    + "cross it gets 429 (must admit `ingest.max.checkpoint.bytes` and `ingest.max.event.bytes`)")
            .rule("positive", n -> n > 0);
    public static final Key<Integer> MAX_INFLIGHT_REQUESTS = Key.integer("ingest.max.inflight.requests", 512,
            "at most this many checkpoint/event requests in flight; more get 429").rule("positive", n -> n > 0);
    public static final Key<Integer> RETRY_AFTER_SECONDS = Key.integer("ingest.retry.after.seconds", 1,
            "the `Retry-After` of those 429s").rule("≥ 0", n -> n >= 0);

    public static final Key<Long> IDEMPOTENCY_WINDOW_MS = Key.longInteger("ingest.idempotency.window.ms", 3_600_000L,
            "how long a request's `Idempotency-Key` is remembered after its 202: a retry with it gets the same 202 "
                    + "(`Idempotent-Replayed: true`) and no second record; one still in progress gets 409")
            .rule("positive", ms -> ms > 0);
    public static final Key<Integer> IDEMPOTENCY_MAX_KEYS = Key.integer("ingest.idempotency.max.keys", 100_000,
            "`Idempotency-Key`s remembered at most (oldest out first; ~200 bytes each)").rule("≥ 1", n -> n >= 1);
    public static final Key<Long> MAX_HEADER_BYTES = Key.longInteger("ingest.max.header.bytes", 8L * 1024 * 1024,
            "a checkpoint whose safetensors header (the JSON) is longer gets 400 as soon as its first 8 bytes arrive")
            .rule("in 2.." + SafeTensorsReader.MAX_HEADER_BYTES, n -> n >= 2 && n <= SafeTensorsReader.MAX_HEADER_BYTES);
    public static final Key<Integer> MAX_TENSORS = Key.integer("ingest.max.tensors", 16_384,
            "a checkpoint with more tensors gets 400 (counted before the header is parsed)").rule("positive", n -> n > 0);
    public static final Key<Integer> MAX_RANK = Key.integer("ingest.max.rank", 8,
            "a checkpoint with a tensor of higher rank (shape length) gets 400").rule("positive", n -> n > 0);
    public static final Key<Integer> BODY_IDLE_TIMEOUT_MS = Key.integer("ingest.body.idle.timeout.ms", 30_000,
            "an upload that sends no byte for this long gets 408 and gives its share of the in-flight budget back; also the grace "
                    + "period before `ingest.body.min.bytes.per.second` applies").rule("≥ 100", n -> n >= 100);
    public static final Key<Integer> BODY_MIN_BYTES_PER_SECOND = Key.integer("ingest.body.min.bytes.per.second", 64 * 1024,
            "an upload slower than this on average (after the idle timeout's grace period) gets 408, so a client that trickles "
                    + "a large declared body cannot hold the budget for hours; 0 turns it off").rule("≥ 0", n -> n >= 0);

    public static final KeyGroup GROUP = KeyGroup.of("ingest", "The HTTP gateway for producers that do not speak Kafka "
                    + "(IngestService).", PORT, HOST, AUTH, TOKENS, TOKENS_FILE, MAX_CHECKPOINT_BYTES, MAX_EVENT_BYTES, MAX_RECORD_BYTES,
            ACK_TIMEOUT_MS, MAX_INFLIGHT_BYTES, MAX_INFLIGHT_REQUESTS, RETRY_AFTER_SECONDS, IDEMPOTENCY_WINDOW_MS, IDEMPOTENCY_MAX_KEYS,
            MAX_HEADER_BYTES, MAX_TENSORS, MAX_RANK, BODY_IDLE_TIMEOUT_MS, BODY_MIN_BYTES_PER_SECOND);

    /**
     * Local mode's rule: {@code ingest.auth=none} is implied where nobody chose an auth mode or a token and ingest listens
     * on a loopback address only (nothing off this machine can reach it); anywhere else the default, tokens, holds.
     */
    public static boolean openOnLoopback(Settings s) {
        if (s.asMap().containsKey(AUTH.name()) || BearerAuth.of(s.get(TOKENS)).enabled() || blankToNull(s.get(TOKENS_FILE)) != null) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(s.get(HOST)).isLoopbackAddress();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static IngestSettings from(Settings s) {
        IngestSettings out = new IngestSettings(s.get(HOST), s.get(PORT), s.get(AUTH), s.get(TOKENS), blankToNull(s.get(TOKENS_FILE)),
                s.get(MAX_CHECKPOINT_BYTES),
                s.get(MAX_EVENT_BYTES), s.get(MAX_RECORD_BYTES), s.get(ACK_TIMEOUT_MS), s.get(MAX_INFLIGHT_BYTES),
                s.get(MAX_INFLIGHT_REQUESTS), s.get(RETRY_AFTER_SECONDS), s.get(IDEMPOTENCY_WINDOW_MS), s.get(IDEMPOTENCY_MAX_KEYS),
                new HeaderLimits(s.get(MAX_HEADER_BYTES), s.get(MAX_TENSORS), s.get(MAX_RANK)), s.get(BODY_IDLE_TIMEOUT_MS),
                s.get(BODY_MIN_BYTES_PER_SECOND), s.bootstrap(), s.topics());
        out.check();
        return out;
    }

    private void check() {
        PORT.checked(port);
        AUTH.checked(auth);
        MAX_CHECKPOINT_BYTES.checked(maxCheckpointBytes);
        MAX_EVENT_BYTES.checked(maxEventBytes);
        MAX_RECORD_BYTES.checked(maxRecordBytes);
        ACK_TIMEOUT_MS.checked(ackTimeoutMs);
        MAX_INFLIGHT_BYTES.checked(maxInflightBytes);
        MAX_INFLIGHT_REQUESTS.checked(maxInflightRequests);
        RETRY_AFTER_SECONDS.checked(retryAfterSeconds);
        IDEMPOTENCY_WINDOW_MS.checked(idempotencyWindowMs);
        IDEMPOTENCY_MAX_KEYS.checked(idempotencyMaxKeys);
        MAX_HEADER_BYTES.checked(headerLimits.maxHeaderBytes());
        MAX_TENSORS.checked(headerLimits.maxTensors());
        MAX_RANK.checked(headerLimits.maxRank());
        BODY_IDLE_TIMEOUT_MS.checked(bodyIdleTimeoutMs);
        BODY_MIN_BYTES_PER_SECOND.checked(bodyMinBytesPerSecond);
        if (maxInflightBytes < Math.max(maxCheckpointBytes, maxEventBytes)) {
            throw new InvalidSettingException("setting '" + MAX_INFLIGHT_BYTES.name() + "' (" + maxInflightBytes + ") must be at least '"
                    + MAX_CHECKPOINT_BYTES.name() + "' (" + maxCheckpointBytes + ") and '" + MAX_EVENT_BYTES.name() + "' ("
                    + maxEventBytes + "), or a maximal upload could never be admitted");
        }
        // last, so a bad limit is reported first
        if (auth.equals(AUTH_TOKENS)) {
            requireAToken();
        }
    }

    /** Fail closed: with auth on, a token must exist at start, and the token file must be readable and valid. */
    private void requireAToken() {
        int fromFile = 0;
        if (tokensFile != null) {
            try {
                fromFile = TokenFile.parse(Files.readAllBytes(Path.of(tokensFile))).size();
            } catch (IOException | RuntimeException e) {
                throw new InvalidSettingException("setting '" + TOKENS_FILE.name() + "': " + tokensFile + ": "
                        + (e instanceof IOException ? "cannot be read (" + e.getClass().getSimpleName() + ")" : e.getMessage()));
            }
        }
        if (fromFile == 0 && !BearerAuth.of(tokens).enabled()) {
            throw new InvalidSettingException("setting '" + TOKENS.name() + "' is empty" + (tokensFile == null ? "" : ", so is "
                    + tokensFile) + ", and '" + AUTH.name() + "' is '" + AUTH_TOKENS + "': ingest does not start without a token. Set "
                    + TOKENS.name() + " (env WEIGHTCAST_INGEST_TOKENS) or " + TOKENS_FILE.name() + ", or " + AUTH.name() + "="
                    + AUTH_NONE + " to let anyone who reaches " + host + ":" + port + " publish");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Never prints the tokens. */
    @Override
    public String toString() {
        return "IngestSettings[host=" + host + ", port=" + port + ", auth=" + auth + ", tokens=" + (tokens.isBlank() ? "none" : "<redacted>") + ", tokensFile=" + tokensFile
                + ", maxCheckpointBytes=" + maxCheckpointBytes + ", maxEventBytes=" + maxEventBytes
                + ", maxRecordBytes=" + maxRecordBytes + ", ackTimeoutMs=" + ackTimeoutMs + ", maxInflightBytes=" + maxInflightBytes
                + ", maxInflightRequests=" + maxInflightRequests + ", retryAfterSeconds=" + retryAfterSeconds + ", " + headerLimits
                + ", bodyIdleTimeoutMs=" + bodyIdleTimeoutMs + ", bodyMinBytesPerSecond=" + bodyMinBytesPerSecond + ", bootstrap=" + bootstrap
                + ", topics=" + topics.prefix() + "*]";
    }
}
