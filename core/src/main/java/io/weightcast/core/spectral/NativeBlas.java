package io.weightcast.core.spectral;

import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J CPU backend (OpenBLAS 0.3.19 with LAPACK, from {@code org.nd4j:nd4j-native}) as the
 * spectral code uses it. ND4J is an optional dependency of core: modules that compute spectra
 * declare {@code nd4j-native} (and its {@code linux-x86_64} classifier) themselves.
 *
 * <p>Two levels: {@link #ensureAvailable()} loads OpenBLAS alone (JavaCPP's bindings, what both eigen-solvers call), and
 * {@link #ensureNd4j()} the whole ND4J backend (its native library, ~0.2–0.7 s of a cold process here), which only a
 * change of OpenBLAS's thread count needs. {@code analyze} with the launcher's thread settings never starts ND4J.
 *
 * <p>On AVX-512 hosts run the JVM with {@code OPENBLAS_CORETYPE=Haswell}: the SkylakeX kernels that
 * OpenBLAS 0.3.19 selects there return wrong results (measured on this machine kind: {@code dgesvd}
 * always, {@code dgemm} intermittently; OpenBLAS issues #2986/#3454). The AVX2 kernels are correct.
 * Every spectrum is checked against the trace identity Σλ = ‖W‖²_F, so a wrong kernel raises
 * {@link InconsistentSpectrumException} instead of publishing wrong numbers.
 */
public final class NativeBlas {
    private static volatile boolean ready;
    private static volatile boolean nd4j;

    private NativeBlas() {
    }

    /** Loads OpenBLAS (once), or says what is missing. */
    public static void ensureAvailable() {
        if (!ready) {
            load(false);
        }
    }

    /** Loads the whole ND4J backend (once; the first call takes a second or two), or says what is missing. */
    private static void ensureNd4j() {
        if (!nd4j) {
            load(true);
        }
    }

    private static synchronized void load(boolean withNd4j) {
        try {
            if (!ready) {
                Class.forName("org.bytedeco.openblas.global.openblas");
                ready = true;
            }
            if (withNd4j && !nd4j) {
                Class.forName("org.nd4j.linalg.factory.Nd4j");
                Nd4j.getBlasWrapper().lapack();
                nd4j = true;
            }
        } catch (ClassNotFoundException | LinkageError e) {
            throw missing(e);
        }
    }

    private static IllegalStateException missing(Throwable e) {
        return new IllegalStateException("spectral metrics need the ND4J CPU backend on the classpath: "
                + "declare org.nd4j:nd4j-native (and its linux-x86_64 classifier) in this module", e);
    }

    /**
     * Sets the number of OpenBLAS threads for the whole JVM. Use 1 when layers are analysed in
     * parallel (one OpenBLAS call per core beats two threads fighting over one call). While ND4J is not
     * loaded and {@code threads} is what OpenBLAS started with ({@link #startingThreads}), nothing needs
     * setting, and ND4J (the only way to set it) stays unloaded.
     */
    public static void threads(int threads) {
        if (!nd4j && threads == startingThreads(System.getenv(), Runtime.getRuntime().availableProcessors())) {
            ensureAvailable();
            return;
        }
        ensureNd4j();
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    public static int threads() {
        ensureNd4j();
        return Nd4j.factory().blas().getMaxThreads();
    }

    /**
     * The threads OpenBLAS starts with: the first of {@code OPENBLAS_NUM_THREADS}, {@code GOTO_NUM_THREADS},
     * {@code OMP_NUM_THREADS} that holds a positive number (OpenBLAS's own order), at most one per core; else one per core.
     */
    static int startingThreads(Map<String, String> env, int cores) {
        for (String key : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}) {
            String v = env.get(key);
            if (v != null) {
                try {
                    int n = Integer.parseInt(v.trim());
                    if (n > 0) {
                        return Math.min(n, cores); // OpenBLAS caps it at the cores too
                    }
                } catch (NumberFormatException e) {
                    // OpenBLAS skips what it cannot read, so does this
                }
            }
        }
        return cores;
    }
}
