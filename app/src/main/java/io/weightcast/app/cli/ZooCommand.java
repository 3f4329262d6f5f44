package io.weightcast.app.cli;

import io.weightcast.app.stack.ZooProcess;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weightcast zoo}: train a digits zoo with real PyTorch loops and publish it to a running Weightcast. */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = "Train a zoo of digits CNNs (PyTorch, /usr/bin/python3) and publish it to a Kafka cluster, e.g. one from 'weightcast local'.")
public final class ZooCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--runs", defaultValue = "40")
    int runs;

    @Option(names = "--epochs", defaultValue = "18")
    int epochs;

    @Option(names = "--parallel", defaultValue = "2")
    int parallel;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--study", defaultValue = "digits")
    String study;

    @Option(names = "--run-prefix", description = "Run id prefix (default: zoo<seed>-).")
    String runPrefix;

    @Option(names = "--topic-prefix", defaultValue = "weightcast.")
    String topicPrefix;

    @Override
    public Integer call() throws Exception {
        String prefix = runPrefix != null ? runPrefix : "zoo" + seed + "-";
        try (ZooProcess zoo = ZooProcess.start(bootstrap,
                new ZooProcess.Spec(runs, epochs, parallel, seed, study, prefix, topicPrefix, false),
                Path.of("zoo.log"), p -> System.out.println(p.toString()))) {
            return zoo.waitFor();
        }
    }
}
