package io.weightcast.app.cli;

import io.weightcast.core.config.Settings;
import io.weightcast.core.service.Service;
import io.weightcast.ingest.IngestService;
import io.weightcast.scorer.ScorerService;
import io.weightcast.streams.FeatureService;
import io.weightcast.trainer.TrainerService;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code weightcast service NAME} (or {@code weightcast NAME}): one service against an external
 * Kafka cluster, which is how deployments run it.
 */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Run one service (ingest, streams, scorer or trainer) against the Kafka cluster in kafka.bootstrap.servers (env WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS).")
public class ServiceCommand implements Callable<Integer> {
    enum Name { ingest, streams, scorer, trainer }

    @Parameters(index = "0", arity = "0..1", description = "One of: ${COMPLETION-CANDIDATES}")
    Name name;

    @Command(name = "ingest", mixinStandardHelpOptions = true, description = "Run the ingest service alone.")
    public static final class Ingest extends ServiceCommand {
        public Ingest() {
            name = Name.ingest;
        }
    }

    @Command(name = "streams", mixinStandardHelpOptions = true, description = "Run the streams service alone.")
    public static final class Streams extends ServiceCommand {
        public Streams() {
            name = Name.streams;
        }
    }

    @Command(name = "scorer", mixinStandardHelpOptions = true, description = "Run the scorer service alone.")
    public static final class Scorer extends ServiceCommand {
        public Scorer() {
            name = Name.scorer;
        }
    }

    @Command(name = "trainer", mixinStandardHelpOptions = true, description = "Run the trainer service alone.")
    public static final class Trainer extends ServiceCommand {
        public Trainer() {
            name = Name.trainer;
        }
    }

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
        if (name == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "name the service: ingest, streams, scorer or trainer");
        }
        Settings s = Settings.of(settings.merged(Map.of()));
        s.bootstrap(); // fail early with the setting's name when missing
        Service service = switch (name) {
            case ingest -> new IngestService(s);
            case streams -> new FeatureService(s);
            case scorer -> new ScorerService(s);
            case trainer -> new TrainerService(s);
        };
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stop.countDown();
        }, "shutdown"));
        service.start();
        stop.await();
        return 0;
    }
}
