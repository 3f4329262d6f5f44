package io.weightcast.app.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;

/** Library INFO lines (ND4J's backend banner, Kafka client configs) would bury a command's one-line answers. */
public final class QuietLoggers {
    private QuietLoggers() {
    }

    /** Raises these loggers to WARN unless the user's logging config set a level for them. */
    public static void warnOnly(String... loggers) {
        raise(Level.WARN, loggers);
    }

    /** Raises these loggers to ERROR unless the user's logging config set a level for them (warnings that mean nothing). */
    public static void errorOnly(String... loggers) {
        raise(Level.ERROR, loggers);
    }

    private static void raise(Level level, String... loggers) {
        for (String name : loggers) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger l && l.getLevel() == null) {
                l.setLevel(level);
            }
        }
    }
}
