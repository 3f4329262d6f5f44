package io.weightcast.app.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J 1.0.0-M2.1 prints one line per differentiated op ({@code "Added differentiated op <name>"}) with a bare
 * {@code System.out.println} in {@code SameDiff.createGradFunction}, so no logging config can silence it: the
 * demo's console showed thirty of them each time the trainer built the encoder's gradients. This stream, installed
 * as {@code System.out} by the command's {@code main}, turns exactly those lines into DEBUG events of the logger
 * {@value #SAMEDIFF_LOGGER}, which every logback config of the command keeps at WARN; every other write passes
 * through unchanged.
 */
public final class Nd4jStdout extends PrintStream {
    public static final String SAMEDIFF_LOGGER = "org.nd4j.autodiff.samediff.SameDiff";
    static final String OP_LINE = "Added differentiated op ";
    private static final Logger LOG = LoggerFactory.getLogger(SAMEDIFF_LOGGER);

    Nd4jStdout(OutputStream out, Charset charset) {
        super(out, true, charset);
    }

    /** Wraps {@code System.out} once (idempotent), keeping its encoding. */
    public static void install() {
        if (!(System.out instanceof Nd4jStdout)) {
            System.setOut(new Nd4jStdout(System.out, stdoutCharset()));
        }
    }

    @Override
    public void println(String line) {
        if (line != null && line.startsWith(OP_LINE)) {
            LOG.debug(line);
            return;
        }
        super.println(line);
    }

    /** Java 17's System.out encodes with {@code sun.stdout.encoding} when set, else the default charset. */
    private static Charset stdoutCharset() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }
}
