package io.weightcast.testkit;

import io.weightcast.broker.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real KRaft broker from the {@code broker} module for a test class, registered with {@code @RegisterExtension}.
 * In a static field the broker lives for the class (what the integration tests relied on: topics and services set up
 * in {@code @BeforeAll}); in an instance field, for each test. Each broker gets a fresh data dir, deleted by nobody
 * (as before: the JVM's tmpdir is the module's target directory).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Map<String, String> saslUsers;
    private final boolean authorizer;
    private EmbeddedKafka broker;
    private boolean perClass;
    private TopicWriter writer;

    /** A broker with its PLAINTEXT listener only. */
    public EmbeddedKafkaExtension() {
        this(Map.of());
    }

    private EmbeddedKafkaExtension(Map<String, String> saslUsers) {
        this(saslUsers, false);
    }

    private EmbeddedKafkaExtension(Map<String, String> saslUsers, boolean authorizer) {
        this.saslUsers = Map.copyOf(saslUsers);
        this.authorizer = authorizer;
    }

    /** A broker that also listens with SASL_PLAINTEXT for {@code users} (name → password), see {@link EmbeddedKafka#startWithSasl}. */
    public static EmbeddedKafkaExtension withSasl(Map<String, String> users) {
        return new EmbeddedKafkaExtension(users);
    }

    /**
     * As {@link #withSasl}, with the broker's authorizer on: the SASL users may do only what ACLs allow; the PLAINTEXT
     * listener ({@link EmbeddedKafka#bootstrapServers()}) is a super user for the test's own admin work.
     */
    public static EmbeddedKafkaExtension withSaslAndAcls(Map<String, String> users) {
        return new EmbeddedKafkaExtension(users, true);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (broker == null) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    private void start() {
        Path dir = EmbeddedKafka.tempDir();
        broker = saslUsers.isEmpty() ? EmbeddedKafka.start(dir) : EmbeddedKafka.startWithSasl(dir.resolve("kafka"), saslUsers, authorizer);
    }

    private void stop() {
        if (writer != null) {
            writer.close();
            writer = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker (to restart or to read its data dir). */
    public EmbeddedKafka broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs from @BeforeAll (static field) or @BeforeEach (instance field) on");
        }
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** The broker's data dir; tests put their services' state dirs next to it. */
    public Path dataDir() {
        return broker().dataDir();
    }

    /** A typed reader of this broker's topics. */
    public TopicReader reader() {
        return new TopicReader(bootstrapServers());
    }

    /** One producer for the test class (closed with the broker), sending synchronously. */
    public TopicWriter writer() {
        if (writer == null) {
            writer = new TopicWriter(bootstrapServers(), "testkit-writer");
        }
        return writer;
    }
}
