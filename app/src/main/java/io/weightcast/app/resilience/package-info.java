/**
 * How the pipeline holds up when it is hurt, each run as separate processes
 * ({@link io.weightcast.app.stack.ProcessStack}) and checked by counting what the topics hold
 * ({@link io.weightcast.app.resilience.OutputTally}): {@code weightcast chaos} (exactly-once under
 * kill -9) and {@code weightcast overload} (admission control of the ingest gateway under 10× load).
 */
package io.weightcast.app.resilience;
