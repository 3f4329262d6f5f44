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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code weightcast} command. */
@Command(name = "weightcast", mixinStandardHelpOptions = true, version = "weightcast 0.1.0",
        description = "Event-driven streaming monitor for neural-network training runs.")
public final class WeightcastCommand implements Runnable {
    /**
     * Every subcommand by its name, in the order the help lists them. Picocli reads a command's annotations (and loads
     * its option types) when it is added: for all of them that was ~0.1 s of every start, so a command line that names
     * one gets only that one ({@link #commandLine(String...)}).
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("demo", DemoCommand::new);
        all.put("local", LocalCommand::new);
        all.put("zoo", ZooCommand::new);
        all.put("bench", BenchCommand::new);
        all.put("analyze", AnalyzeCommand::new);
        all.put("eval", EvalCommand::new);
        all.put("eval-live", io.weightcast.app.live.EvalLiveCommand::new);
        all.put("ssl-eval", SslEvalCommand::new);
        all.put("service", ServiceCommand::new);
        all.put("chaos", ChaosCommand::new);
        all.put("safety", SafetyCommand::new);
        all.put("overload", OverloadCommand::new);
        all.put("broker", BrokerCommand::new);
        all.put("settings", SettingsCommand::new);
        all.put("export", ExportCommand::new);
        all.put("ingest", ServiceCommand.Ingest::new);
        all.put("streams", ServiceCommand.Streams::new);
        all.put("scorer", ServiceCommand.Scorer::new);
        all.put("trainer", ServiceCommand.Trainer::new);
        return java.util.Collections.unmodifiableMap(all);
    }

    /** The command line for these arguments: with only the subcommand they name, or with all of them. */
    public static CommandLine commandLine(String... args) {
        CommandLine cmd = new CommandLine(new WeightcastCommand());
        Supplier<Object> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        if (named != null) {
            cmd.addSubcommand(args[0], named.get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cmd.addSubcommand(name, command.get()));
        }
        return cmd.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler(WeightcastCommand::settingError);
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
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
        int code = commandLine(args).execute(args);
        System.exit(code);
    }
}
