package io.weightcast.scorer.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /} and {@code /live}: the live page, one self-contained HTML file (inline CSS and JS, no
 * external resources). Served with a Content-Security-Policy that allows exactly its own inline
 * script and style (by hash) and connections to this server: even if a run id slipped past the
 * page's escaping, no injected script or remote resource would run.
 */
final class LivePage implements Handler<RoutingContext> {
    static final String RESOURCE = "/web/live.html";
    private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);
    private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    private final Buffer html;
    private final String csp;

    private LivePage(String html) {
        this.html = Buffer.buffer(html.getBytes(StandardCharsets.UTF_8));
        this.csp = "default-src 'none'; script-src " + hash(SCRIPT, html) + "; style-src " + hash(STYLE, html)
                + "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    static LivePage load() {
        try (InputStream in = LivePage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the live page " + RESOURCE + " is missing from the scorer's classpath");
            }
            return new LivePage(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", csp)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-cache")
                .end(html);
    }

    String csp() {
        return csp;
    }

    /** The CSP source for the page's one inline block of this kind: {@code 'sha256-<base64>'}. */
    private static String hash(Pattern block, String html) {
        Matcher m = block.matcher(html);
        if (!m.find()) {
            return "'none'";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
