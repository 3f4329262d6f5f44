package io.weightcast.core.auth;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens a service accepts: the fixed ones of its comma-separated setting plus those of its token file
 * ({@link TokenFile}), which is read again every {@link #POLL} and swapped in when its content changed, without a
 * restart. The content is compared, not the mtime: a rewrite within the same second, or Kubernetes swapping the
 * symlink of a mounted Secret, is seen all the same. A file that cannot be read or parsed keeps the tokens loaded
 * before (an error is logged and {@code weightcast_auth_token_file_reloads_total{outcome="failed"}} counts it): a
 * broken edit never stops the service and never opens it. At start the file must be valid (the caller fails then).
 */
public final class ReloadingTokens implements Supplier<BearerTokens>, AutoCloseable {
    public static final Duration POLL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTokens.class);

    private final String service;
    private final BearerTokens fixed;
    private final Path file;
    private final Reloads reloads;
    private volatile BearerTokens current;
    private byte[] lastContent;
    /** The content of the last edit refused as broken: not parsed, counted or logged again until the file changes. */
    private byte[] lastRefused;
    private ScheduledExecutorService poller;

    /**
     * Reads the file once (an {@link InvalidTokenFileException} when it is missing or invalid).
     *
     * @param service the service's name, for the log and the poller's thread
     * @param fixed   the tokens of the comma-separated setting (unscoped)
     * @param file    the token file, or null for none
     * @param reloads the reload counter of the service's registry ({@link Reloads#register})
     */
    public ReloadingTokens(String service, BearerTokens fixed, Path file, Reloads reloads) {
        this.service = service;
        this.fixed = fixed;
        this.file = file;
        this.reloads = reloads;
        this.current = fixed;
        if (file != null) {
            byte[] content = read();
            try {
                current = fixed.plus(TokenFile.parse(content));
            } catch (InvalidTokenFileException e) {
                throw new InvalidTokenFileException(file + ": " + e.getMessage());
            }
            lastContent = content;
            LOG.info("{}: {} token(s) from {}", service, current.size() - fixed.size(), file);
        }
    }

    @Override
    public BearerTokens get() {
        return current;
    }

    /** Polls the file every {@code interval} on a daemon thread (nothing to do without a file). */
    public ReloadingTokens start(Duration interval) {
        if (file != null && poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, service + "-token-file");
                t.setDaemon(true);
                return t;
            });
            poller.scheduleWithFixedDelay(this::reloadIfChanged, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Reads the file and swaps in its tokens if its content changed; true when new tokens were taken. */
    public synchronized boolean reloadIfChanged() {
        try {
            byte[] content = read();
            if (Arrays.equals(content, lastContent) || Arrays.equals(content, lastRefused)) {
                return false; // unchanged; a broken edit is counted and logged once, not at every poll
            }
            lastRefused = content;
            BearerTokens fromFile = TokenFile.parse(content);
            lastRefused = null;
            current = fixed.plus(fromFile);
            lastContent = content;
            reloads.loaded();
            LOG.info("{}: reloaded {}: {} token(s)", service, file, fromFile.size());
            if (current.isEmpty()) {
                LOG.warn("{}: {} holds no token and no other token is set: every request is refused", service, file);
            }
            return true;
        } catch (InvalidTokenFileException e) {
            reloads.failed();
            LOG.error("{}: token file {} not reloaded, the previous tokens stay: {}", service, file, e.getMessage());
            return false;
        } catch (RuntimeException e) { // whatever happens, the poller must survive and the old tokens stay
            reloads.failed();
            LOG.error("{}: token file {} not reloaded, the previous tokens stay", service, file, e);
            return false;
        }
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidTokenFileException("cannot read " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }

    /** {@code weightcast_auth_token_file_reloads_total{outcome}}: loaded | failed, both exported from 0. */
    public static final class Reloads {
        private final Counter counter;

        private Reloads(Counter counter) {
            this.counter = counter;
        }

        public static Reloads register(PrometheusRegistry registry) {
            Counter c = Counter.builder().name("weightcast_auth_token_file_reloads_total")
                    .help("Changes of the token file taken (loaded) or refused, the previous tokens kept (failed)")
                    .labelNames("outcome").register(registry);
            c.initLabelValues("loaded");
            c.initLabelValues("failed");
            return new Reloads(c);
        }

        void loaded() {
            counter.labelValues("loaded").inc();
        }

        void failed() {
            counter.labelValues("failed").inc();
        }
    }
}
