package io.weightcast.scorer;

import io.weightcast.core.config.Key;
import io.weightcast.core.config.KeyGroup;
import io.weightcast.core.records.Alert;
import io.weightcast.scorer.webhook.HookSettings;
import java.util.stream.Collectors;

/**
 * The scorer's settings, each declared once: the service ({@link ScorerService}), its policies
 * ({@link ScorerConfig}) and its alert hooks ({@link HookSettings}, whose Javadoc holds the signing contract).
 */
public final class ScorerKeys {
    public static final Key<String> APPLICATION_ID = Key.text("scorer.application.id", null,
            "the scorer's Kafka Streams application id (its consumer group)").shownAs("<topic.prefix>scorer");
    public static final Key<Integer> THREADS = Key.integer("scorer.threads", 1, "stream threads").rule("≥ 1", n -> n >= 1);
    public static final Key<String> HOST = Key.text("scorer.host", "127.0.0.1", "bind host of the HTTP API and /metrics, /health, /ready");
    public static final Key<Integer> PORT = Key.integer("scorer.port", 8081, "its port; 0 picks a free one")
            .rule("in 0..65535", p -> p >= 0 && p <= 65535);
    public static final Key<String> PUBLIC_URL = Key.text("scorer.public.url", null,
            "the scorer's URL as alert receivers reach it, for run links (Slack) and generatorURL (Alertmanager)")
            .shownAs("http://<scorer.host>:<port>");

    /** {@code scorer.auth}: a read token required on {@code /v1/*}. */
    public static final String AUTH_TOKENS = "tokens";
    /** {@code scorer.auth}: anyone who reaches the port may read. */
    public static final String AUTH_NONE = "none";
    public static final Key<String> AUTH = Key.text("scorer.auth", AUTH_TOKENS,
            "`tokens`: `/v1/runs`, `/v1/runs/{run}` and the live stream `/v1/events` need one of `scorer.tokens` or "
                    + "`scorer.tokens.file` (`Authorization: Bearer`, or `?access_token=` on `/v1/events`), and the scorer refuses "
                    + "to start without any; `none`: no authentication, said explicitly (local mode sets it while the scorer "
                    + "listens on a loopback address only). The page `/`, `/openapi.json` and `/health`, `/ready`, `/metrics` stay "
                    + "open (SECURITY.md)")
            .rule(AUTH_TOKENS + " or " + AUTH_NONE, a -> a.equals(AUTH_TOKENS) || a.equals(AUTH_NONE));
    public static final Key<String> TOKENS = Key.text("scorer.tokens", "",
            "comma-separated read tokens (with `scorer.auth=tokens`, these or `scorer.tokens.file` hold at least one)");
    public static final Key<String> TOKENS_FILE = Key.text("scorer.tokens.file", null,
            "a JSON token file of read tokens (format in SECURITY.md; keep it apart from ingest's, whose unscoped tokens may "
                    + "publish), added to `scorer.tokens` and re-read every 2 s like ingest's; a token scoped to studies or runs is a "
                    + "producer's and gets 403");

    public static final Key<Double> DYING_RELU_THRESHOLD = Key.number("scorer.dying.relu.threshold", 0.5,
            "a layer's dead-unit fraction from which DYING_RELU is raised").rule("in [0, 1]", t -> t >= 0 && t <= 1);
    public static final Key<String> ALERTS = Key.text("scorer.alerts",
            ScorerConfig.ALERT_KINDS.stream().filter(ScorerConfig.DEFAULT_ALERTS::contains).collect(Collectors.joining(",")),
            "the alert kinds raised on `alerts` and sent to hooks (any of " + ScorerConfig.ALERT_KINDS + "); the others stay flags "
                    + "on the scores. " + Alert.SPECTRAL_COLLAPSE + " is off: it flagged 94.5% of live runs and predicted no bad outcome");
    public static final Key<String> EARLY_STOP_RULE = Key.text("scorer.early.stop.rule", ScorerConfig.TOP_RUN_RULE,
            "`top_run`: the model's top-run classifier rule where it has one, else the interval rule; `interval`: the upper "
                    + "end of the run's interval below its study's reference")
            .rule(ScorerConfig.TOP_RUN_RULE + " or " + ScorerConfig.INTERVAL_RULE,
                    r -> r.equals(ScorerConfig.TOP_RUN_RULE) || r.equals(ScorerConfig.INTERVAL_RULE));
    public static final Key<Double> EARLY_STOP_INTERVAL_LEVEL = Key.number("scorer.early.stop.interval.level", 0.9,
            "the interval whose upper end the interval rule compares with the reference").rule("in (0, 1)", l -> l > 0 && l < 1);
    public static final Key<Double> EARLY_STOP_THRESHOLD = Key.number("scorer.early.stop.threshold", null,
            "early-stop reference for runs whose study the model has none for; unset: no decision for them. Set, the interval "
                    + "rule judges every run");
    public static final Key<Integer> EARLY_STOP_CONSECUTIVE = Key.integer("scorer.early.stop.consecutive", 1,
            "checkpoints in a row the interval rule must judge below the reference").rule("≥ 1", n -> n >= 1);
    public static final Key<Double> EARLY_STOP_MIN_STEP_FRACTION = Key.number("scorer.early.stop.min.step.fraction", 0.0,
            "step / planned_steps from which the early-stop rules count").rule("in [0, 1]", f -> f >= 0 && f <= 1);

    public static final Key<Integer> VIEW_MAX_RUNS = Key.integer("scorer.view.max.runs",
            io.weightcast.scorer.http.RunsView.DEFAULT_MAX_RUNS,
            "runs the query API and live page hold in memory; past it the least recently updated finished run is let go "
                    + "(`weightcast_scorer_view_evicted_runs_total`); the topics keep everything").rule("≥ 1", n -> n >= 1);
    public static final Key<Long> RUN_RETENTION_MS = Key.longInteger("scorer.run.retention.ms", RunTracker.DEFAULT_RETENTION_MS,
            "how long the run store (alert memory, study, planned steps) keeps a run after its `finished` event; then it is "
                    + "deleted (`weightcast_scorer_run_store_expired_total`), so the store holds the runs in flight and the recently "
                    + "finished, not every run ever. A checkpoint of the run that arrives later is scored as of an unknown run")
            .rule("positive", n -> n > 0);
    public static final Key<Integer> WEBHOOK_RETRIES = Key.integer("scorer.webhook.retries", 5,
            "retries per alert and hook, within a budget of a quarter of `kafka.max.poll.interval.ms` (75 s by default) per alert "
                    + "and hook, requests included; after the last, or when the budget is spent, the alert goes to `dead-letters` with the "
                    + "hook's name")
            .rule("≥ 0", n -> n >= 0);
    public static final Key<Integer> WEBHOOK_BACKOFF_MS = Key.integer("scorer.webhook.backoff.ms", 200,
            "first retry's nominal delay, doubled per retry; each wait is a random time between half and all of it, and never "
                    + "shorter than the receiver's `Retry-After`").rule("≥ 0", n -> n >= 0);
    public static final Key<Integer> WEBHOOK_TIMEOUT_MS = Key.integer("scorer.webhook.timeout.ms", 10_000, "per request")
            .rule("positive", n -> n > 0);

    public static final KeyGroup GROUP = KeyGroup.of("scorer", "Scores every feature vector with the current model, raises "
                    + "alerts and calls hooks (ScorerService).", APPLICATION_ID, THREADS, HOST, PORT, PUBLIC_URL, AUTH, TOKENS,
                    TOKENS_FILE, DYING_RELU_THRESHOLD,
                    ALERTS, EARLY_STOP_RULE, EARLY_STOP_INTERVAL_LEVEL, EARLY_STOP_THRESHOLD, EARLY_STOP_CONSECUTIVE,
                    EARLY_STOP_MIN_STEP_FRACTION, VIEW_MAX_RUNS, RUN_RETENTION_MS, HookSettings.LEGACY_URLS, HookSettings.LEGACY_SECRET, WEBHOOK_RETRIES,
                    WEBHOOK_BACKOFF_MS, WEBHOOK_TIMEOUT_MS)
            .withFamily("scorer.kafka.<streams setting>", "passed to the scorer's Kafka Streams config as is, e.g. "
                    + "`scorer.kafka.commit.interval.ms`")
            .withFamily(HookSettings.PREFIX + "<name>.url", "a named alert hook's URL (required per hook; `<name>` without dots)")
            .withFamily(HookSettings.PREFIX + "<name>.format", "`json` (the alert record as on `alerts`, the default), `slack` "
                    + "or `alertmanager` (API v2 body)")
            .withFamily(HookSettings.PREFIX + "<name>.kinds", "comma-separated alert kinds it receives (empty: all)")
            .withFamily(HookSettings.PREFIX + "<name>.min.severity", "info (default) < warning < critical")
            .withFamily(HookSettings.PREFIX + "<name>.studies", "comma-separated studies it receives (empty: all)")
            .withFamily(HookSettings.PREFIX + "<name>.secret", "HMAC-SHA256 key signing its requests (unset: unsigned); "
                    + "see HookSettings for the headers");

    private ScorerKeys() {
    }
}
