package io.weightcast.app;

import io.weightcast.app.analyze.AnalyzeCommand;
import io.weightcast.app.cli.BrokerCommand;
import io.weightcast.app.cli.EvalCommand;
import io.weightcast.app.cli.LocalCommand;
import io.weightcast.app.cli.ServiceCommand;
import io.weightcast.app.cli.SslEvalCommand;
import io.weightcast.app.cli.SettingsCommand;
import io.weightcast.app.cli.ZooCommand;
import io.weightcast.app.demo.DemoCommand;
import io.weightcast.app.load.BenchCommand;
import io.weightcast.app.resilience.ChaosCommand;
import io.weightcast.app.resilience.OverloadCommand;
import io.weightcast.core.config.InvalidSettingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weightcast} command. */
@Command(name = "weightcast", mixinStandardHelpOptions = true, version = "weightcast 0.1.0",
        description = "Event-driven streaming monitor for neural-network training runs.",
        subcommands = {DemoCommand.class, LocalCommand.class, ZooCommand.class, BenchCommand.class, AnalyzeCommand.class, EvalCommand.class, io.weightcast.app.live.EvalLiveCommand.class, SslEvalCommand.class, ServiceCommand.class, ChaosCommand.class, OverloadCommand.class, BrokerCommand.class, SettingsCommand.class,
                ServiceCommand.Ingest.class, ServiceCommand.Streams.class, ServiceCommand.Scorer.class, ServiceCommand.Trainer.class})
public final class WeightcastCommand implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** A bad setting is the user's to fix: its message, not a stack trace. Anything else is rethrown as before. */
    private static int settingError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof InvalidSettingException) {
            cmd.getErr().println("weightcast " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new WeightcastCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(WeightcastCommand::settingError).execute(args);
        System.exit(code);
    }
}
