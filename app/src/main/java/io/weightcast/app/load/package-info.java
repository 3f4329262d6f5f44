/**
 * {@code weightcast bench}, the end-to-end load harness ({@link io.weightcast.app.load.LoadHarness}), and
 * the load generation every harness shares: synthetic checkpoints, the ways to send them
 * ({@link io.weightcast.app.load.CheckpointSender}), exact latency percentiles and the machine description
 * every bench report carries.
 */
package io.weightcast.app.load;
