package io.weightcast.app;

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

/** {@code weightcast service NAME}: one service against an external Kafka cluster (how deployments run it). */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "Run one service (ingest, streams, scorer or trainer) against the Kafka cluster in kafka.bootstrap.servers (env WEIGHTCAST_KAFKA_BOOTSTRAP_SERVERS).")
final class ServiceCommand implements Callable<Integer> {
    enum Name { ingest, streams, scorer, trainer }

    @Parameters(index = "0", description = "One of: ${COMPLETION-CANDIDATES}")
    Name name;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
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
