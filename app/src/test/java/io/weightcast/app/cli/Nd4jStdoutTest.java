package io.weightcast.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;

/** ND4J's per-op stdout line becomes a DEBUG event of SameDiff's logger, which the command's logging keeps quiet. */
class Nd4jStdoutTest {
    private final Logger sameDiff = (Logger) LoggerFactory.getLogger(Nd4jStdout.SAMEDIFF_LOGGER);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Level levelBefore;

    @BeforeEach
    void capture() {
        levelBefore = sameDiff.getLevel();
        sameDiff.setLevel(Level.DEBUG);
        events.start();
        sameDiff.addAppender(events);
    }

    @AfterEach
    void release() {
        sameDiff.detachAppender(events);
        sameDiff.setLevel(levelBefore);
    }

    @Test
    void theOpLineBecomesADebugEventAndEveryOtherLinePassesUnchanged() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new Nd4jStdout(bytes, StandardCharsets.UTF_8);

        out.println("Added differentiated op matmul");
        out.println("run demo-7-3   τ 0.95  ✓");
        out.print("Added differentiated op, but not through println");
        out.flush();

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("run demo-7-3   τ 0.95  ✓" + System.lineSeparator() + "Added differentiated op, but not through println");
        assertThat(events.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
            assertThat(e.getFormattedMessage()).isEqualTo("Added differentiated op matmul");
        });
    }

    @Test
    void buildingASameDiffGradientPrintsNothingThroughTheFilter() {
        PrintStream before = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new Nd4jStdout(stdout, StandardCharsets.UTF_8));
        try {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3);
            SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 3, 2));
            SDVariable y = x.mmul(w);
            sd.setLossVariables(y.mul(y).mean());
            sd.calculateGradients(Map.of("x", Nd4j.rand(DataType.FLOAT, 4, 3)), "w");
        } finally {
            System.setOut(before);
        }

        // ND4J really printed its per-op lines (they reached the logger), and none reached stdout
        assertThat(events.list).isNotEmpty().allSatisfy(e -> assertThat(e.getFormattedMessage()).startsWith("Added differentiated op "));
        // (the test's own logging config prints DEBUG events to stdout too, with a time and logger in front: not ND4J's line)
        assertThat(stdout.toString(StandardCharsets.UTF_8).lines()).noneMatch(l -> l.startsWith("Added differentiated op"));
    }

    @Test
    void everyLoggingConfigOfTheCommandKeepsSameDiffBelowWarnQuiet() throws Exception {
        // the command's own configuration (CommandLogging): its file appender into a temp dir, not the working directory
        String file = System.setProperty(CommandLogging.LOG_FILE,
                java.nio.file.Files.createTempDirectory("logback").resolve("weightcast.log").toString());
        try {
            LoggerContext context = new LoggerContext();
            CommandLogging.apply(context);
            assertQuiet(context, "CommandLogging");
        } finally {
            if (file == null) {
                System.clearProperty(CommandLogging.LOG_FILE);
            } else {
                System.setProperty(CommandLogging.LOG_FILE, file);
            }
        }
        quietIn("logback-container.xml");
    }

    private static void quietIn(String config) throws Exception {
        URL url = Nd4jStdout.class.getClassLoader().getResource(config);
        assertThat(url).as(config).isNotNull();
        LoggerContext context = new LoggerContext();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        joran.doConfigure(url);

        assertQuiet(context, config);
    }

    private static void assertQuiet(LoggerContext context, String config) {
        Logger logger = context.getLogger(Nd4jStdout.SAMEDIFF_LOGGER);
        assertThat(logger.isDebugEnabled()).as(config).isFalse();
        assertThat(logger.isInfoEnabled()).as(config).isFalse();
        assertThat(logger.isWarnEnabled()).as(config).isTrue();
        context.stop();
    }
}
