/**
 * What every command shares ({@link io.weightcast.app.cli.SettingsOptions}, the progress bar, quiet
 * library loggers) and the commands that only start work done in another module or package: a single
 * service or the broker, local mode, a zoo, and the offline {@code eval} and {@code ssl-eval} benchmarks.
 */
package io.weightcast.app.cli;
