package io.weightcast.scorer.webhook;

import io.weightcast.core.records.Alert;
import java.net.URI;

/**
 * One alert receiver.
 *
 * @param name   the metric label and the name in logs and dead letters
 * @param url    where alerts are POSTed
 * @param secret HMAC-SHA256 key for the signature headers, or null (unsigned)
 */
public record Hook(String name, String url, HookFormat format, HookFilter filter, String secret) {

    public boolean wants(Alert alert) {
        return filter.matches(alert);
    }

    /**
     * The URL without path, query or user info: safe for logs and dead letters (a Slack webhook URL's
     * path is its credential).
     */
    public String origin() {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
        } catch (IllegalArgumentException e) {
            return "<invalid URL>";
        }
    }

    @Override
    public String toString() {
        return "Hook[" + name + " " + format + " → " + origin() + ", " + filter + (secret == null ? "" : ", signed") + "]";
    }
}
