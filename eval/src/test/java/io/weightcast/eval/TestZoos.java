package io.weightcast.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Small real zoos trained by the Python generator (clients/python, Debian's torch), kept in
 * target/test-zoos and shared by the test classes: the generator resumes, so a zoo a class already
 * made is reused. The same directory and arguments as {@link PredictPipelineTest}'s digits zoo.
 */
public final class TestZoos {
    static final Path ROOT = Path.of(System.getProperty("weightcast.projectRoot", "..")).toAbsolutePath().normalize();
    static final Path ZOOS = Path.of("target/test-zoos").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3";

    private TestZoos() {
    }

    /** 24 digits runs × 6 epochs, seed 7 (about a minute on two cores the first time). */
    public static Path digits24x6() throws IOException, InterruptedException {
        return generate("digits-24x6", "--runs", "24", "--epochs", "6", "--seed", "7");
    }

    static Path generate(String name, String... args) throws IOException, InterruptedException {
        Path dir = ZOOS.resolve(name);
        Files.createDirectories(ZOOS);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-m", "weightcast.demo.zoo", "--out", dir.toString(), "--parallel", "2"));
        cmd.addAll(List.of(args));
        Path log = ZOOS.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PYTHONPATH", ROOT.resolve("clients/python").toString());
        Process p = pb.start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("zoo generation finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(log, StandardCharsets.UTF_8)).isZero();
        return dir;
    }
}
