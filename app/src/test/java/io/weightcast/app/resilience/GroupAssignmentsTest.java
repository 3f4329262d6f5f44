package io.weightcast.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroupAssignmentsTest {

    @Test
    void partitionsOfATopicAreTakenFromItsOwnEntriesOnly() {
        List<String> owned = List.of("weightcast.checkpoints-6", "weightcast.runs-0", "weightcast.checkpoints-0",
                "weightcast.checkpoints-ignored", "weightcast.checkpoints-x-2", "weightcast.checkpoints-12");
        assertThat(GroupAssignments.partitionsOf("weightcast.checkpoints", owned)).containsExactly(0, 6, 12);
        assertThat(GroupAssignments.partitionsOf("weightcast.runs", owned)).containsExactly(0);
        assertThat(GroupAssignments.partitionsOf("weightcast.features", owned)).isEmpty();
    }
}
