package io.weightcast.core.spectral;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J CPU backend (OpenBLAS 0.3.19 with LAPACK, from {@code org.nd4j:nd4j-native}) as the
 * spectral code uses it. ND4J is an optional dependency of core: modules that compute spectra
 * declare {@code nd4j-native} (and its {@code linux-x86_64} classifier) themselves.
 *
 * <p>On AVX-512 hosts run the JVM with {@code OPENBLAS_CORETYPE=Haswell}: the SkylakeX kernels that
 * OpenBLAS 0.3.19 selects there return wrong results (measured on this machine kind: {@code dgesvd}
 * always, {@code dgemm} intermittently; OpenBLAS issues #2986/#3454). The AVX2 kernels are correct.
 * Every spectrum is checked against the trace identity Σλ = ‖W‖²_F, so a wrong kernel raises
 * {@link InconsistentSpectrumException} instead of publishing wrong numbers.
 */
public final class NativeBlas {
    private static volatile boolean ready;

    private NativeBlas() {
    }

    /** Loads the ND4J backend (once; the first call takes a second or two), or says what is missing. */
    public static void ensureAvailable() {
        if (ready) {
            return;
        }
        synchronized (NativeBlas.class) {
            if (ready) {
                return;
            }
            try {
                Class.forName("org.nd4j.linalg.factory.Nd4j");
                Class.forName("org.bytedeco.openblas.global.openblas");
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("spectral metrics need the ND4J CPU backend on the classpath: "
                        + "declare org.nd4j:nd4j-native (and its linux-x86_64 classifier) in this module", e);
            }
            Nd4j.getBlasWrapper().lapack();
            ready = true;
        }
    }

    /**
     * Sets the number of OpenBLAS threads for the whole JVM. Use 1 when layers are analysed in
     * parallel (one OpenBLAS call per core beats two threads fighting over one call).
     */
    public static void threads(int threads) {
        ensureAvailable();
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    public static int threads() {
        ensureAvailable();
        return Nd4j.factory().blas().getMaxThreads();
    }
}
