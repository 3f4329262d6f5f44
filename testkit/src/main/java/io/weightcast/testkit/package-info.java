/**
 * What the modules' tests share, used in {@code test} scope only (as Kafka ships {@code streams/test-utils}); it depends
 * on {@code core} and {@code broker} and on no service, so any module's tests may use it.
 *
 * <ul>
 *   <li>{@link io.weightcast.testkit.EmbeddedKafkaExtension}: a real KRaft broker per test class (or per test);
 *   <li>{@link io.weightcast.testkit.TopicReader}, {@link io.weightcast.testkit.TopicWriter}: read a topic back typed,
 *       write records and wait for the ack;
 *   <li>{@link io.weightcast.testkit.Await}: the one poll-until, with a timeout and a message naming what it waited for;
 *   <li>{@link io.weightcast.testkit.CheckpointBuilder}, {@link io.weightcast.testkit.Fill}: safetensors checkpoints
 *       (the MLP and CNN most tests send, split parts);
 *   <li>{@link io.weightcast.testkit.MetricsText}, {@link io.weightcast.testkit.Http}: a series' value from
 *       {@code /metrics}, calls to a service on loopback;
 *   <li>{@link io.weightcast.testkit.TopologyTestDrivers}: a {@code TopologyTestDriver} on a service's production
 *       Streams properties.
 * </ul>
 */
package io.weightcast.testkit;
