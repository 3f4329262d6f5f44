package io.weightcast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightcast.core.service.PortInUseException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A port already in use stops a command with one line that names the port and what moves it, not a stack trace. */
class PortInUseTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void weightcastLocalOnATakenPortSaysWhichPortAndNamesTheFlagThatMovesIt() throws Exception {
        Path data = Files.createTempDirectory("weightcast-port");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int base = taken.getLocalPort(); // the ingest port; the other three take base+1..base+3

            Run run = weightcast("local", "--data-dir", data.toString(), "--http-port-base", Integer.toString(base));

            assertThat(run.exit).isEqualTo(2);
            assertThat(run.err.strip()).doesNotContain("\n").doesNotContain("Exception").isEqualTo(
                    "weightcast local: port " + base + " on 127.0.0.1 is already in use (setting ingest.port); move the four HTTP "
                            + "ports with --http-port-base N (ingest N, scorer N+1, streams N+2, trainer N+3; 0 picks free ports)");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void weightcastLocalOnATakenKafkaPortNamesTheKafkaPortFlag() throws Exception {
        Path data = Files.createTempDirectory("weightcast-kafka-port");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            Run run = weightcast("local", "--data-dir", data.toString(), "--kafka-port", Integer.toString(port), "--http-port-base", "0");

            assertThat(run.exit).isEqualTo(2);
            assertThat(run.err.strip()).isEqualTo("weightcast local: port " + port + " on 127.0.0.1 is already in use; "
                    + "move it with --kafka-port N (0 picks a free port)");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSingleServiceOnATakenPortNamesItsSettingAndEnvironmentVariable() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            // the gateway binds before it ever talks to the broker: no broker needed to see the bind fail
            Run run = weightcast("ingest", "-s", "kafka.bootstrap.servers=127.0.0.1:9", "-s", "ingest.port=" + port,
                    "-s", "ingest.auth=none");

            assertThat(run.exit).isEqualTo(2);
            assertThat(run.err.strip()).isEqualTo("weightcast ingest: port " + port + " on 127.0.0.1 is already in use; "
                    + "move it with -s ingest.port=PORT (or WEIGHTCAST_INGEST_PORT; 0 picks a free port)");
        }
    }

    @Test
    void otherFailuresStillSurfaceAsBefore() {
        Exception other = new IllegalStateException("boom");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WeightcastCommand.settingError(other,
                WeightcastCommand.commandLine(), null)).isSameAs(other);
        assertThat(PortInUseException.isBindFailure(other)).isFalse();
        assertThat(PortInUseException.isBindFailure(new RuntimeException(new java.net.BindException("Address already in use")))).isTrue();
    }

    private record Run(int exit, String err) {
    }

    private static Run weightcast(String... args) {
        StringWriter err = new StringWriter();
        int exit = WeightcastCommand.commandLine().setExecutionExceptionHandler(WeightcastCommand::settingError)
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exit, err.toString());
    }
}
