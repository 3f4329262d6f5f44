package io.weightcast.app.cli;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weightcast broker}: the embedded single-node KRaft broker alone, in its own JVM, so it can be
 * killed and restarted on its own (the chaos harness does). The data dir keeps the log, the cluster id
 * and the ports, so a restarted broker comes back with its data on the same port.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the embedded single-node Kafka broker (KRaft) alone; Ctrl-C stops it.")
public final class BrokerCommand implements Callable<Integer> {
    /** Printed on stdout once the broker answers; a parent process may wait for it. */
    static final String READY_LINE = "weightcast broker ready at ";

    @Option(names = "--data-dir", required = true, description = "Broker log, cluster id and ports live here; reused across restarts.")
    Path dataDir;

    @Option(names = "--port", defaultValue = "0",
            description = "Listener port on 127.0.0.1 (0: the data dir's previous port, else a free one). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--port-wait-seconds", defaultValue = "60",
            description = "With --port: how long to wait for the port to become free (a killed broker's socket) "
                    + "before giving up, instead of silently taking another port. Default: ${DEFAULT-VALUE}")
    int portWaitSeconds;

    @Option(names = "--create-topics",
            description = "Create the contract's weightcast.* topics (as weightcast local does) before printing the ready line.")
    boolean createTopics;

    @Override
    public Integer call() throws Exception {
        if (port != 0 && !awaitFree(port, portWaitSeconds * 1000L)) {
            System.err.println("port " + port + " did not become free within " + portWaitSeconds + " s");
            return 1;
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.toAbsolutePath(), port);
        if (port != 0 && !kafka.bootstrapServers().endsWith(":" + port)) {
            // EmbeddedKafka falls back to a free port when the asked one is taken: clients would never find it.
            kafka.close();
            System.err.println("port " + port + " was taken between the check and the start");
            return 1;
        }
        if (createTopics) {
            try {
                TopicSetup.ensure(kafka.bootstrapServers(), Topics.defaults(), 4, (short) 1);
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stop.countDown();
        }, "broker-shutdown"));
        System.out.println(READY_LINE + kafka.bootstrapServers());
        System.out.flush();
        stop.await();
        return 0;
    }

    private static boolean awaitFree(int port, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return true;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    return false;
                }
                Thread.sleep(200);
            }
        }
    }
}
