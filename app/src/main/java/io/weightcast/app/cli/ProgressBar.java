package io.weightcast.app.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar on stderr ({@code \r}-redrawn, cleared when a phase ends), for commands
 * that chew on large files. Disabled it draws nothing, so callers never branch. Thread-safe: the
 * spectral phase advances it from pool threads.
 */
public final class ProgressBar {
    private static final int WIDTH = 28;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private String phase = "";
    private long total;
    private long done;
    private boolean bytes;
    private long lastDraw;
    private int drawnWidth;

    public ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /**
     * Whether file descriptor 2 is a terminal. Java has no isatty for stderr ({@code System.console()}
     * looks at stdin/stdout), so on Linux ask where /proc/self/fd/2 points; elsewhere assume not.
     */
    public static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    boolean enabled() {
        return enabled;
    }

    /** Starts a phase of {@code total} units; {@code bytes} shows them as MiB. */
    public synchronized void start(String phase, long total, boolean bytes) {
        this.phase = phase;
        this.total = Math.max(0, total);
        this.done = 0;
        this.bytes = bytes;
        this.lastDraw = 0;
        draw(true);
    }

    public synchronized void advance(long units) {
        done = Math.min(total, done + units);
        draw(done == total);
    }

    /** Ends the phase and clears the line, so what follows starts on a clean line. */
    public synchronized void finish() {
        if (enabled && drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
    }

    private void draw(boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double fraction = total == 0 ? 1.0 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        String line = String.format(Locale.ROOT, "%-10s [%s%s] %3d%%  %s", phase,
                "#".repeat(filled), ".".repeat(WIDTH - filled), Math.round(fraction * 100), counts());
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        err.flush();
        drawnWidth = Math.max(drawnWidth, line.length());
    }

    private String counts() {
        if (bytes) {
            return String.format(Locale.ROOT, "%.1f/%.1f MiB", done / 1048576.0, total / 1048576.0);
        }
        return done + "/" + total;
    }
}
