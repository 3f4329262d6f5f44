package io.weightcast.app.stack;

import io.weightcast.broker.EmbeddedKafka;
import io.weightcast.core.config.CommonKeys;
import io.weightcast.core.config.Settings;
import io.weightcast.core.kafka.KafkaConfigs;
import io.weightcast.core.kafka.RecordSignature;
import io.weightcast.core.kafka.TopicSetup;
import io.weightcast.core.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * The pipeline as separate processes: the broker ({@code weightcast broker}) and each service
 * ({@code weightcast service NAME}) in its own JVM, sharing one data dir as local mode does
 * ({@code <data>/kafka}, {@code <data>/streams-state}, {@code <data>/scorer-state}), so that a killed
 * process restarted here gets the same state dir, application id, group instance id (derived from
 * the state dir) and, for the broker, the same port.
 *
 * <p>Readiness: the broker when its admin API lists the cluster; a service when its {@code /ready}
 * endpoint answers 200 (Kafka Streams RUNNING, the trainer's replay caught up, ingest's producer up).
 *
 * <p>Scale-out: with {@code instances} above 1, streams and the scorer run as that many JVMs each,
 * {@code streams-1 .. streams-N}, one consumer group per service, each instance with its own ops port,
 * state dir ({@code <data>/streams-1-state}) and static group instance id (its process name).
 */
public final class ProcessStack implements AutoCloseable {
    static final List<String> SERVICES = List.of("streams", "scorer", "trainer", "ingest");
    /** The services that can run as more than one instance (Kafka Streams apps sharing partitions). */
    public static final List<String> SCALABLE = List.of("streams", "scorer");

    private final Path dataDir;
    private final int brokerPort;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, ServiceProcess> processes = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, List<String>> instances = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread reaper;

    /**
     * @param services  which services to run (a subset of {@link #SERVICES}; ingest only matters for HTTP load)
     * @param overrides further settings for every service (e.g. trainer.publish.tolerance)
     * @param jvmOptions per child JVM, e.g. -Xmx768m
     */
    public ProcessStack(Path dataDir, List<String> services, Map<String, String> overrides, List<String> jvmOptions) {
        this(dataDir, services, overrides, jvmOptions, 1);
    }

    /** As above, with {@code instances} JVMs each of streams and scorer ({@link #SCALABLE}). */
    public ProcessStack(Path dataDir, List<String> services, Map<String, String> overrides, List<String> jvmOptions, int instances) {
        this.dataDir = dataDir.toAbsolutePath();
        Path logs = this.dataDir.resolve("logs");
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.brokerPort = EmbeddedKafka.freePortOtherThan();
        List<Integer> taken = new ArrayList<>(List.of(brokerPort));
        processes.put("broker", new ServiceProcess("broker", List.of("broker", "--data-dir", this.dataDir.resolve("kafka").toString(),
                "--port", Integer.toString(brokerPort)), logs, jvmOptions));
        settings.put(Settings.BOOTSTRAP, bootstrap());
        settings.put("data.dir", this.dataDir.toString());
        settings.put(CommonKeys.MODELS_SIGNING_KEY_FILE.name(),
                RecordSignature.ensureKeyFile(this.dataDir.resolve(LocalStack.SIGNING_KEY_FILE)).toString());
        Map<String, Map<String, String>> own = new LinkedHashMap<>();
        for (String s : services) {
            if (!SERVICES.contains(s)) {
                throw new IllegalArgumentException("unknown service " + s + "; one of " + SERVICES);
            }
            int n = instances > 1 && SCALABLE.contains(s) ? instances : 1;
            for (int i = 1; i <= n; i++) {
                String name = n == 1 ? s : s + "-" + i;
                int port = EmbeddedKafka.freePortOtherThan(taken.stream().mapToInt(Integer::intValue).toArray());
                taken.add(port);
                ports.put(name, port);
                Map<String, String> mine = new LinkedHashMap<>();
                mine.put(s + ".port", Integer.toString(port));
                if (n > 1) {
                    mine.put(s + CommonKeys.STATE_DIR_SUFFIX, this.dataDir.resolve(name + "-state").toString());
                    mine.put(s + CommonKeys.INSTANCE_ID_SUFFIX, name);
                    if (s.equals("streams")) { // its spectral worker's group: named after the instance too
                        mine.put("streams-spectra" + CommonKeys.INSTANCE_ID_SUFFIX, name + "-spectra");
                    }
                }
                own.put(name, mine);
                this.instances.computeIfAbsent(s, k -> new ArrayList<>()).add(name);
            }
            settings.put(s + ".port", Integer.toString(ports.get(this.instances.get(s).get(0))));
        }
        settings.putAll(overrides);
        // ingest's and the scorer's HTTP listen on 127.0.0.1 only: local mode's implied auth=none (LocalStack.openOnLoopback)
        settings.putAll(LocalStack.openOnLoopback(Settings.of(settings)).asMap());
        own.forEach((name, mine) -> {
            String service = name.replaceFirst("-\\d+$", "");
            Map<String, String> all = new LinkedHashMap<>(settings);
            all.putAll(mine);
            List<String> args = new ArrayList<>(List.of("service", service));
            all.forEach((k, v) -> {
                args.add("-s");
                args.add(k + "=" + v);
            });
            processes.put(name, new ServiceProcess(name, args, logs, jvmOptions));
        });
        // Ctrl-C or an exception must not leave five JVMs behind.
        this.reaper = new Thread(() -> processes.values().forEach(ServiceProcess::destroyNow), "chaos-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    public String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    public Topics topics() {
        return Settings.of(settings).topics();
    }

    /** The ops (or HTTP) port of a process: a service's, or one instance's ({@code streams-2}). */
    public int port(String process) {
        return ports.get(process);
    }

    /** The processes running {@code service}: its name alone, or {@code <service>-1 .. -N} when scaled out. */
    public List<String> instancesOf(String service) {
        return List.copyOf(instances.getOrDefault(service, List.of()));
    }

    /** The settings every service process was started with (an instance's own port, state dir and id aside). */
    public Settings settings() {
        return Settings.of(settings);
    }

    public ServiceProcess process(String name) {
        ServiceProcess p = processes.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name + " in this stack: " + processes.keySet());
        }
        return p;
    }

    public List<String> names() {
        return List.copyOf(processes.keySet());
    }

    /** Broker first (then the topics, so the services do not race to create them), then every service at once. */
    public void start(int partitions, long timeoutMillis) throws InterruptedException {
        ServiceProcess broker = processes.get("broker");
        broker.start();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        if (!awaitReady("broker", deadline)) {
            throw new IllegalStateException("the broker did not become ready; see " + broker.outputFile());
        }
        TopicSetup.ensure(bootstrap(), topics(), partitions, (short) 1);
        for (ServiceProcess p : processes.values()) {
            if (p != broker) {
                p.start();
            }
        }
        for (String name : processes.keySet()) {
            if (!awaitReady(name, deadline)) {
                throw new IllegalStateException(name + " did not become ready; see " + process(name).outputFile()
                        + " and " + dataDir.resolve("logs").resolve(name + ".log"));
            }
        }
    }

    /** Polls readiness until the deadline ({@link System#currentTimeMillis()}); false if the process died or time ran out. */
    public boolean awaitReady(String name, long deadlineMillis) throws InterruptedException {
        ServiceProcess p = process(name);
        while (System.currentTimeMillis() < deadlineMillis) {
            if (!p.alive()) {
                return false;
            }
            if (ready(name)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Whether {@code name} answers: the broker's admin API lists the cluster, a service's /ready is 200. */
    public boolean ready(String name) {
        if (name.equals("broker")) {
            if (!listening(brokerPort)) {
                return false; // not yet: spares the admin client's connection warnings
            }
            try (Admin admin = Admin.create(KafkaConfigs.admin(bootstrap()))) {
                admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(name) + "/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Services first (SIGTERM: they close and leave their groups), the broker last. */
    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (ServiceProcess p : processes.values()) {
            if (!p.name().equals("broker")) {
                Thread t = new Thread(() -> p.stop(20_000), "stop-" + p.name());
                t.start();
                stopping.add(t);
            }
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.get("broker").stop(20_000);
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
