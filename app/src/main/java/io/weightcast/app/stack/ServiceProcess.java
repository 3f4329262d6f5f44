package io.weightcast.app.stack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Weightcast process (the broker or a service) in its own JVM, started as
 * {@code java -cp <this JVM's class path> io.weightcast.app.stack.OrphanGuard <our pid> <weightcast args>},
 * so it can be killed for real. {@link #kill()} is {@link Process#destroyForcibly()}, which on Linux
 * sends SIGKILL: no shutdown hook, no close, no flush, exit status 137. Output (stdout and stderr)
 * is appended to {@code <dir>/<name>.out} across restarts; each JVM gets its own temp dir (lightgbm4j
 * rewrites its native library in java.io.tmpdir on every load, which can crash another JVM using it).
 */
public final class ServiceProcess {
    private final String name;
    private final List<String> weightcastArgs;
    private final Path dir;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;

    /**
     * @param name           the process's name in logs and reports (broker, streams, ...)
     * @param weightcastArgs the {@code weightcast} command line, e.g. {@code service streams -s k=v}
     * @param dir            its output file, log file and temp dir go here
     * @param jvmOptions     e.g. {@code -Xmx512m}
     */
    ServiceProcess(String name, List<String> weightcastArgs, Path dir, List<String> jvmOptions) {
        this.name = name;
        this.weightcastArgs = List.copyOf(weightcastArgs);
        this.dir = dir;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    String name() {
        return name;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        try {
            Path tmp = Files.createDirectories(dir.resolve(name + "-tmp"));
            File out = dir.resolve(name + ".out").toFile();
            ProcessBuilder pb = new ProcessBuilder(command(tmp))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out));
            pinOpenBlasKernels(pb.environment());
            process = pb.start();
            starts++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private List<String> command(Path tmp) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-Dweightcast.log.file=" + dir.resolve(name + ".log"));
        cmd.add("-Dweightcast.console.level=WARN");
        cmd.add("-cp");
        cmd.add(System.getProperty("weightcast.chaos.classpath", System.getProperty("java.class.path")));
        cmd.add(OrphanGuard.class.getName());
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        cmd.addAll(weightcastArgs);
        return cmd;
    }

    /** As the launcher script does: ND4J's OpenBLAS AVX-512 kernels are wrong on some hosts (streams computes spectra). */
    private static void pinOpenBlasKernels(Map<String, String> env) {
        if (env.containsKey("OPENBLAS_CORETYPE")) {
            return;
        }
        try {
            if (Files.readString(Path.of("/proc/cpuinfo")).contains("avx512f")) {
                env.put("OPENBLAS_CORETYPE", "Haswell");
            }
        } catch (IOException e) {
            // not Linux: nothing to pin
        }
    }

    /** SIGKILL (Process.destroyForcibly on Linux); waits until the process is gone. @return its exit status (137 = killed by signal 9) */
    public synchronized int kill() throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
        }
        return p.exitValue();
    }

    /** SIGTERM (shutdown hooks run: services close cleanly), then SIGKILL after {@code graceMillis}. */
    synchronized void stop(long graceMillis) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Last resort (shutdown hook of the harness): no waiting. */
    void destroyNow() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** How often it was started (1 + restarts). */
    public synchronized int starts() {
        return starts;
    }

    /** Resident set size in bytes from /proc (Linux), or -1. */
    public long rssBytes() {
        long pid = pid();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Java heap in use in bytes (survivor + eden + old, from {@code jstat -gc}), or -1. jstat reads the
     * JVM's perf-data file: nothing runs inside the measured process.
     */
    public long heapUsedBytes() {
        long pid = pid();
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc", Long.toString(pid))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
            String[] lines = out.strip().split("\n");
            String[] head = lines[0].trim().split("\\s+");
            String[] vals = lines[lines.length - 1].trim().split("\\s+");
            double kb = 0;
            for (int i = 0; i < head.length && i < vals.length; i++) {
                if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
                    kb += Double.parseDouble(vals[i]);
                }
            }
            return (long) (kb * 1024);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a full GC in the process ({@code jcmd <pid> GC.run}), then {@link #heapUsedBytes()}: the live heap. */
    public long heapUsedAfterGcBytes() {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid()), "GC.run")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return heapUsedBytes();
    }

    public Path outputFile() {
        return dir.resolve(name + ".out");
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + ")";
    }
}
