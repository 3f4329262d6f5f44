package io.weightcast.eval.ssl;

/** Something predicted from one checkpoint: a row of one of ssl.json's task tables. */
interface SslTarget {
    /** The row's key in ssl.json. */
    String key();

    /** The row's title in ssl.md. */
    String label();

    /** The target of the checkpoint at {@code step} of {@code run}. */
    double target(SslZoo.Run run, int step);
}
