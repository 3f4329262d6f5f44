package io.weightcast.app.cli;

import io.weightcast.core.config.SettingsReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the configuration reference, or writes it into the README between its markers. */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Print every setting (key, type, default, meaning) as Markdown; --readme FILE rewrites its reference section.")
public final class SettingsCommand implements Callable<Integer> {
    @Option(names = "--readme", paramLabel = "FILE", description = "Rewrite the settings reference between the markers in FILE.")
    Path readme;

    @Override
    public Integer call() throws Exception {
        String reference = SettingsCatalog.markdown();
        if (readme == null) {
            System.out.print(reference);
            return 0;
        }
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        Files.writeString(readme, SettingsReference.spliced(text, reference), StandardCharsets.UTF_8);
        System.out.println("wrote the settings reference into " + readme);
        return 0;
    }
}
