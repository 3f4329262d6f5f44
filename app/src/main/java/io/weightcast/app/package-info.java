/**
 * The {@code weightcast} command: {@link io.weightcast.app.WeightcastCommand} is the jar's main class and
 * the root of the command tree. Each subpackage holds one concern, with the command that fronts it:
 * {@code cli} (options every command shares, console helpers, and the commands that only start work
 * done elsewhere), {@code stack} (the pipeline run in one JVM or as separate processes, and the zoo's
 * Python processes), {@code demo}, {@code analyze}, {@code load} (the end-to-end bench and the load
 * generation the harnesses share), {@code resilience} (the chaos and overload harnesses) and
 * {@code live} (the eval-live benchmark). Subpackages depend on {@code cli} and {@code stack}, never on
 * the root; only {@code stack.OrphanGuard} calls back into the root to run a child JVM's command.
 */
package io.weightcast.app;
