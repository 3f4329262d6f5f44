package io.weightcast.app;

import io.weightcast.app.analyze.AnalyzeCommand;
import io.weightcast.app.cli.BrokerCommand;
import io.weightcast.app.cli.EvalCommand;
import io.weightcast.app.cli.ExportCommand;
import io.weightcast.app.cli.LocalCommand;
import io.weightcast.app.cli.Nd4jStdout;
import io.weightcast.app.cli.ServiceCommand;
import io.weightcast.app.cli.SslEvalCommand;
import io.weightcast.app.cli.SettingsCommand;
import io.weightcast.app.cli.ZooCommand;
import io.weightcast.app.demo.DemoCommand;
import io.weightcast.app.load.BenchCommand;
import io.weightcast.app.resilience.ChaosCommand;
import io.weightcast.app.resilience.OverloadCommand;
import io.weightcast.app.resilience.SafetyCommand;
import io.weightcast.core.config.InvalidSettingException;
import io.weightcast.core.service.PortInUseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weightcast} command. */
@Command(name = "weightcast", mixinStandardHelpOptions = true, version = "weightcast 0.1.0",
        description = "Event-driven streaming monitor for neural-network training runs.",
        subcommands = {DemoCommand.class, LocalCommand.class, ZooCommand.class, BenchCommand.class, AnalyzeCommand.class, EvalCommand.class, io.weightcast.app.live.EvalLiveCommand.class, SslEvalCommand.class, ServiceCommand.class, ChaosCommand.class, SafetyCommand.class, OverloadCommand.class, BrokerCommand.class, SettingsCommand.class, ExportCommand.class,
                ServiceCommand.Ingest.class, ServiceCommand.Streams.class, ServiceCommand.Scorer.class, ServiceCommand.Trainer.class})
public final class WeightcastCommand implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * A bad setting or a port already in use is the user's to fix: one line that says what to change, not a stack
     * trace. Anything else is rethrown as before.
     */
    static int settingError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof InvalidSettingException) {
            cmd.getErr().println("weightcast " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        java.util.Optional<PortInUseException> port = PortInUseException.in(e);
        if (port.isPresent()) {
            cmd.getErr().println("weightcast " + cmd.getCommandName() + ": " + portHint(cmd.getCommandName(), port.get()));
            return 2;
        }
        throw e;
    }

    /** The port, and the flag or setting of this command that moves it. */
    static String portHint(String command, PortInUseException e) {
        String where = "port " + e.port() + " on " + e.host() + " is already in use";
        if (e.setting().startsWith("--")) { // a command-line flag, e.g. the broker's --kafka-port
            return where + "; move it with " + e.setting() + " N (0 picks a free port)";
        }
        if ("local".equals(command) || "demo".equals(command)) {
            return where + " (setting " + e.setting() + "); move the four HTTP ports with --http-port-base N (ingest N, scorer N+1, "
                    + "streams N+2, trainer N+3; 0 picks free ports)";
        }
        return where + "; move it with -s " + e.setting() + "=PORT (or WEIGHTCAST_"
                + e.setting().toUpperCase(java.util.Locale.ROOT).replace('.', '_') + "; 0 picks a free port)";
    }

    public static void main(String[] args) {
        Nd4jStdout.install();
        int code = new CommandLine(new WeightcastCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(WeightcastCommand::settingError).execute(args);
        System.exit(code);
    }
}
