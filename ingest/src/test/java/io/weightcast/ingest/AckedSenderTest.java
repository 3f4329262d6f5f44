package io.weightcast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Issue 21: a checkpoint's parts are built one at a time, each right before its send, never all at once. */
class AckedSenderTest {

    @Test
    void eachPartIsBuiltOnlyAfterThePreviousOneWasHandedToTheProducer() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        List<Integer> sentWhenBuilt = new ArrayList<>();
        var acks = new AckedSender(producer).sendAll("t", "run", 4, i -> {
            sentWhenBuilt.add(producer.history().size());
            return new byte[] {(byte) i};
        });

        assertThat(acks.join()).hasSize(4);
        assertThat(sentWhenBuilt).as("records the producer had when part i was built").containsExactly(0, 1, 2, 3);
        assertThat(producer.history()).extracting(r -> r.value()[0]).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3);
    }

    @Test
    void aPartThatCannotBeBuiltFailsTheSendAndStopsTheRest() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        var acks = new AckedSender(producer).sendAll("t", "run", 3, i -> {
            if (i == 1) {
                throw new IllegalStateException("boom");
            }
            return new byte[] {1};
        });

        assertThat(acks).isCompletedExceptionally();
        assertThat(producer.history()).hasSize(1);
    }
}
