/**
 * How the pipeline holds up when it is hurt, each run as separate processes
 * ({@link io.weightcast.app.stack.ProcessStack}) and checked by counting what the topics hold
 * ({@link io.weightcast.app.resilience.OutputTally}): {@code weightcast chaos} (exactly-once under
 * kill -9), {@code weightcast overload} (admission control of the ingest gateway under 10× load) and
 * {@code weightcast safety} (fuzzed and duplicated input over HTTP and straight into the topics: refused or
 * dead-lettered, never a 5xx, a dead service or a duplicate; heap peaks per JVM).
 */
package io.weightcast.app.resilience;
