package io.weightcast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WeightcastCommandTest {

    @Test
    void aCommandLineThatNamesACommandBuildsOnlyThatOne() {
        assertThat(WeightcastCommand.commandLine("analyze", "--help").getSubcommands()).containsOnlyKeys("analyze");
        assertThat(WeightcastCommand.commandLine("--help").getSubcommands()).hasSize(19).containsKeys("analyze", "eval-live", "streams");
        assertThat(WeightcastCommand.commandLine("no-such-command").getSubcommands()).hasSize(19);
    }

    @Test
    void everyCommandIsRegisteredUnderItsOwnName() {
        WeightcastCommand.commandLine().getSubcommands().forEach((name, sub) ->
                assertThat(sub.getCommandSpec().userObject().getClass().getAnnotation(CommandLine.Command.class).name())
                        .as(name).isEqualTo(name));
    }

    @Test
    void anUnknownCommandStillGetsTheSuggestionsOfAllCommands() {
        StringWriter err = new StringWriter();
        int code = WeightcastCommand.commandLine("analyse").setErr(new PrintWriter(err)).execute("analyse");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Did you mean").contains("analyze");
    }
}
