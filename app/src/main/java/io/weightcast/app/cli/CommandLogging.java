package io.weightcast.app.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * The {@code weightcast} command's logging, set up in code (logback finds it through {@code META-INF/services}):
 * <ul>
 * <li>console: System.err, from the level in system property {@code weightcast.console.level} (default INFO; the
 * demo and eval-live use WARN), pattern {@code HH:mm:ss.SSS LEVEL logger - message};</li>
 * <li>file: {@code weightcast.log.file} (default {@code weightcast.log}; the launcher puts it beside the command's
 * data), every INFO event with its thread;</li>
 * <li>Kafka, Netty and ND4J's per-op SameDiff lines ({@link Nd4jStdout}) at WARN.</li>
 * </ul>
 * Why code and not a {@code logback.xml}: parsing XML made logback's start ~0.1 s of every command's start (Joran and
 * the JDK's XML parser: ~400 classes), a twentieth of {@code analyze} on a ResNet-50. A named configuration file still
 * wins: with {@code -Dlogback.configurationFile=…} (the container image's {@code logback-container.xml}; the app's tests
 * name their {@code logback-test.xml} so) this steps aside and logback reads the file. It does not probe the class path
 * for a {@code logback-test.xml}: a missing resource opens every jar on it, ~55 ms of every start.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class CommandLogging extends ContextAwareBase implements Configurator {
    static final String CONSOLE_LEVEL = "weightcast.console.level";
    static final String LOG_FILE = "weightcast.log.file";
    /** Loggers quieter than the root's INFO. */
    static final Map<String, Level> QUIET = Map.of(
            "org.apache.kafka", Level.WARN,
            "kafka", Level.WARN,
            "state.change.logger", Level.WARN,
            "org.apache.kafka.common.utils.AppInfoParser", Level.ERROR,
            "io.netty", Level.WARN,
            "org.apache.kafka.clients.NetworkClient", Level.ERROR,
            Nd4jStdout.SAMEDIFF_LOGGER, Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The command's configuration, whatever files exist. */
    static void apply(LoggerContext context) {
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console(context));
        root.addAppender(file(context));
        QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        ThresholdFilter threshold = new ThresholdFilter();
        threshold.setLevel(System.getProperty(CONSOLE_LEVEL, "INFO"));
        threshold.start();
        console.addFilter(threshold);
        return start(context, "CONSOLE", console, "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
    }

    private static FileAppender<ILoggingEvent> file(LoggerContext context) {
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setFile(System.getProperty(LOG_FILE, "weightcast.log"));
        return start(context, "FILE", file, "%d{ISO8601} [%thread] %-5level %logger{36} - %msg%n");
    }

    private static <A extends OutputStreamAppender<ILoggingEvent>> A start(LoggerContext context, String name, A appender,
                                                                          String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
