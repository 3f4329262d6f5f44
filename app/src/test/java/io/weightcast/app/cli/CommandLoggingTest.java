package io.weightcast.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLoggingTest {

    @Test
    void logbackFindsTheCommandsConfigurationAndItStepsAsideForAConfigurationFile() {
        assertThat(StreamSupport.stream(ServiceLoader.load(Configurator.class).spliterator(), false))
                .anyMatch(c -> c instanceof CommandLogging);
        // this module's tests name their logback-test.xml (app/pom.xml): logback reads that instead
        assertThat(new CommandLogging().configure(new LoggerContext())).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    }

    @Test
    void infoGoesToTheFileAndTheConsoleLevelIsTheSystemProperty(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("weightcast.log");
        String file = System.setProperty(CommandLogging.LOG_FILE, log.toString());
        try {
            LoggerContext context = new LoggerContext();
            context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's own start gives the default context
            CommandLogging.apply(context);
            context.getLogger("io.weightcast.x").info("hello file");
            context.getLogger("org.apache.kafka.clients.consumer").info("kafka chatter");
            FileAppender<?> appender = (FileAppender<?>) context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("FILE");
            assertThat(appender.getFile()).isEqualTo(log.toString());
            context.stop();
            String text = Files.readString(log);
            assertThat(text).contains("[main] INFO  io.weightcast.x - hello file").doesNotContain("kafka chatter");
        } finally {
            if (file == null) {
                System.clearProperty(CommandLogging.LOG_FILE);
            } else {
                System.setProperty(CommandLogging.LOG_FILE, file);
            }
        }
    }
}
