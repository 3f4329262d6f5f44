package io.weightcast.app.cli;

import io.weightcast.app.stack.LocalStack;
import io.weightcast.core.service.PortInUseException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weightcast local}: the broker and the four services, for external training loops. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker (KRaft) and the ingest, streams, scorer and trainer services; print their addresses; run until Ctrl-C.")
public final class LocalCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "data", description = "Broker log and service state (reused across runs). Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "0", description = "Broker port (0: the data dir's previous port, else a free one).")
    int kafkaPort;

    @Option(names = "--http-port-base", defaultValue = "8080",
            description = "Ingest port; scorer, streams and trainer use the next three (0: free ports). Default: ${DEFAULT-VALUE}")
    int httpBase;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        LocalStack stack = start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping weightcast local ...");
            stack.close();
            stop.countDown();
        }, "shutdown"));
        stack.awaitReady(60_000);
        System.out.println("Weightcast local is running. Ctrl-C stops it.");
        System.out.println(stack.describe());
        System.out.println("Train and publish a run:  PYTHONPATH=clients/python /usr/bin/python3 clients/python/examples/train_digits.py --bootstrap "
                + stack.bootstrapServers());
        stop.await();
        return 0;
    }

    /** The stack; an explicit {@code --kafka-port} that is taken is a {@link PortInUseException} naming that flag. */
    private LocalStack start() {
        if (kafkaPort != 0 && !io.weightcast.broker.EmbeddedKafka.isFree(kafkaPort)) {
            throw new PortInUseException("127.0.0.1", kafkaPort, "--kafka-port",
                    new java.net.BindException("Address already in use: 127.0.0.1:" + kafkaPort));
        }
        return LocalStack.start(dataDir.toAbsolutePath(), kafkaPort, httpBase, settings.merged(Map.of()));
    }
}
