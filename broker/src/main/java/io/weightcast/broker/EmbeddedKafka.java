package io.weightcast.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker + controller), run in this JVM
 * from the Maven Central {@code kafka_2.13} artifact. Used by local mode and integration tests.
 * Listeners bind 127.0.0.1 only. A data dir that was formatted before is reused, with its topics
 * and offsets, and with the same port when that port is still free.
 *
 * <p>{@link #startWithSasl} adds a SASL_PLAINTEXT listener (mechanisms PLAIN and SCRAM-SHA-256, no
 * authorizer) next to the unchanged PLAINTEXT one, for tests of the clients' security settings.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final int saslPort; // 0: no SASL listener
    private final boolean authorizer;
    private final Map<String, String> saslUsers;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort) {
        this(dataDir, new int[] {port, controllerPort, 0}, Map.of(), false);
    }

    /** @param ports the PLAINTEXT, CONTROLLER and SASL_PLAINTEXT ports (0: no SASL listener) */
    private EmbeddedKafka(Path dataDir, int[] ports, Map<String, String> saslUsers, boolean authorizer) {
        this.authorizer = authorizer;
        this.dataDir = dataDir;
        this.port = ports[0];
        this.controllerPort = ports[1];
        this.saslPort = ports[2];
        this.saslUsers = Map.copyOf(saslUsers);
    }

    /** Starts a broker on free loopback ports, keeping its log in {@code dataDir}. */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, 0);
    }

    /**
     * Starts a broker on {@code port} (0: a free one; a reused data dir prefers its previous port, else a free one). A
     * port asked for explicitly and taken is an error ({@link java.net.BindException} as the cause), not a silent move:
     * clients configured for that port would reach whatever holds it.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        int[] previous = previousPorts(dataDir);
        if (port != 0 && !isFree(port)) {
            throw new IllegalStateException("cannot start the embedded broker on 127.0.0.1:" + port,
                    new java.net.BindException("Address already in use: 127.0.0.1:" + port));
        }
        int chosen = port != 0 ? port : previous[0];
        if (chosen == 0 || !isFree(chosen)) {
            chosen = freePortOtherThan();
        }
        int controller = previous[1] != 0 && previous[1] != chosen && isFree(previous[1])
                ? previous[1] : freePortOtherThan(chosen);
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir, chosen, controller);
        kafka.startServer();
        return kafka;
    }

    /**
     * A broker on free ports that also listens with SASL_PLAINTEXT ({@link #saslBootstrapServers()}): each of
     * {@code users} (name → password) may log in with PLAIN or SCRAM-SHA-256. The PLAINTEXT listener stays.
     */
    public static EmbeddedKafka startWithSasl(Path dataDir, Map<String, String> users) {
        return startWithSasl(dataDir, users, false);
    }

    /**
     * As {@link #startWithSasl(Path, Map)}; with {@code authorizer}, the broker runs KRaft's {@code StandardAuthorizer}:
     * a SASL user may do only what an ACL allows (none at start: add them through {@link #bootstrapServers()}),
     * while the PLAINTEXT listener's principal ({@code User:ANONYMOUS}) stays a super user, the operator's door.
     */
    public static EmbeddedKafka startWithSasl(Path dataDir, Map<String, String> users, boolean authorizer) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL listener needs at least one user");
        }
        int plain = freePortOtherThan();
        int controller = freePortOtherThan(plain);
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir, new int[] {plain, controller, freePortOtherThan(plain, controller)}, users,
                authorizer);
        kafka.startServer();
        kafka.createScramUsers();
        return kafka;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The SASL_PLAINTEXT listener (only with {@link #startWithSasl}). */
    public String saslBootstrapServers() {
        if (saslPort == 0) {
            throw new IllegalStateException("this broker has no SASL listener: start it with startWithSasl");
        }
        return "127.0.0.1:" + saslPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    private void startServer() {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kraft-logs");
            Properties props = properties(logDir);
            Path cfg = dataDir.resolve("server.properties");
            try (var w = Files.newBufferedWriter(cfg)) {
                props.store(w, "Weightcast embedded KRaft broker");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(cfg);
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            awaitReady();
            Files.writeString(dataDir.resolve("port"), port + " " + controllerPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded broker in " + dataDir, e);
        }
        LOG.info("Kafka broker (KRaft) ready at {} in {} ms, data in {}", bootstrapServers(),
                (System.nanoTime() - t0) / 1_000_000, dataDir);
    }

    private Properties properties(Path logDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "4");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("message.max.bytes", Integer.toString(9 * 1024 * 1024));
        p.put("replica.fetch.max.bytes", Integer.toString(9 * 1024 * 1024));
        p.put("auto.create.topics.enable", "false");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        if (saslPort != 0) {
            addSaslListener(p);
        }
        if (authorizer) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:ANONYMOUS"); // PLAINTEXT and CONTROLLER: the broker itself and the test's admin
        }
        return p;
    }

    private void addSaslListener(Properties p) {
        p.put("listeners", p.get("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        saslUsers.forEach((user, password) -> plain.append(" user_").append(user).append("=\"").append(password).append('"'));
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plain.append(';').toString());
        p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    }

    /** SCRAM credentials live in the metadata log: created through the PLAINTEXT listener after start. */
    private void createScramUsers() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            List<org.apache.kafka.clients.admin.UserScramCredentialAlteration> upserts = saslUsers.entrySet().stream()
                    .<org.apache.kafka.clients.admin.UserScramCredentialAlteration>map(e -> new UserScramCredentialUpsertion(e.getKey(),
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), e.getValue()))
                    .toList();
            admin.alterUserScramCredentials(upserts).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the SCRAM users of the SASL listener", e);
        }
    }

    private void format(Path cfg) {
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", cfg.toString()}, ps);
        } catch (Exception e) {
            throw new IllegalStateException("formatting KRaft storage failed: " + out.toString(StandardCharsets.UTF_8), e);
        }
        LOG.debug("formatted KRaft storage: {}", out.toString(StandardCharsets.UTF_8).strip());
    }

    private void awaitReady() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    admin.listTopics().names().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("broker did not become ready in 60 s", e);
                    }
                    sleep(200);
                }
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            long t0 = System.nanoTime();
            server.shutdown();
            server.awaitShutdown();
            server = null;
            LOG.info("Kafka broker stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** The broker and controller ports a reused data dir ran on, or zeros. */
    private static int[] previousPorts(Path dataDir) {
        try {
            Path f = dataDir.resolve("port");
            if (!Files.exists(f)) {
                return new int[2];
            }
            String[] parts = Files.readString(f).strip().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (IOException | NumberFormatException e) {
            return new int[2];
        }
    }

    /** Whether nothing listens on 127.0.0.1:{@code port} now (a bind check; another process may take it right after). */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A free port none of {@code taken}: the kernel may hand out a port it has just handed out and seen closed, and
     * two listeners on one port fail the broker's config check (seen in CI: PLAINTEXT and CONTROLLER on one port).
     */
    public static int freePortOtherThan(int... taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int candidate = freePort();
            if (java.util.Arrays.stream(taken).noneMatch(t -> t == candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free loopback port other than " + java.util.Arrays.toString(taken));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A fresh temporary data dir, for tests. */
    public static Path tempDir() {
        try {
            return Files.createTempDirectory("weightcast-kafka-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
