/**
 * Running the pipeline: {@link io.weightcast.app.stack.LocalStack} (broker and services in this JVM),
 * {@link io.weightcast.app.stack.ProcessStack} (each in its own JVM, so it can be killed for real and
 * measured on its own) and the demo zoo's PyTorch training processes ({@link io.weightcast.app.stack.ZooProcess}).
 */
package io.weightcast.app.stack;
