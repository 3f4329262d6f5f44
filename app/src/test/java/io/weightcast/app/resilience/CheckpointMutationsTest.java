package io.weightcast.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.safetensors.SafeTensors;
import io.weightcast.core.safetensors.SafeTensorsFormatException;
import org.junit.jupiter.api.Test;

/** The fuzz inputs are reproducible from the seed, and the kinds that must be malformed are. */
class CheckpointMutationsTest {

    @Test
    void sameSeedSameInputsOtherSeedOtherInputs() {
        CheckpointMutations a = new CheckpointMutations(7);
        CheckpointMutations b = new CheckpointMutations(7);
        CheckpointMutations c = new CheckpointMutations(8);
        for (int i = 0; i < 2 * CheckpointMutations.KINDS.size(); i++) {
            assertThat(a.mutant(i, "r" + i).bytes()).isEqualTo(b.mutant(i, "r" + i).bytes());
        }
        assertThat(a.mutant(0, "r").bytes()).isNotEqualTo(c.mutant(0, "r").bytes());
    }

    @Test
    void everyKindInTurnAndTheStructuralOnesDoNotParse() {
        CheckpointMutations m = new CheckpointMutations(1);
        assertThat(SafeTensors.read(m.valid("run", 3)).metadata()).containsEntry("run_id", "run").containsEntry("step", "3");
        for (int i = 0; i < CheckpointMutations.KINDS.size(); i++) {
            CheckpointMutations.Mutant mutant = m.mutant(i, "run" + i);
            assertThat(mutant.kind()).isEqualTo(CheckpointMutations.KINDS.get(i));
            if (java.util.List.of("truncated", "absurd_header_length", "unknown_dtype", "shape_offset_mismatch", "duplicate_tensor_names",
                    "huge_shape", "empty_body").contains(mutant.kind())) {
                assertThatThrownBy(() -> SafeTensors.read(mutant.bytes())).as(mutant.kind()).isInstanceOf(SafeTensorsFormatException.class);
            }
        }
        CheckpointMutations.Mutant nan = m.mutant(CheckpointMutations.KINDS.indexOf("nan_inf_weights"), "nan");
        assertThat(SafeTensors.read(nan.bytes()).metadata()).containsEntry("run_id", "nan");
    }

    @Test
    void perfDataGivesThisJvmsHeap() {
        long used = PerfDataHeap.usedBytes(ProcessHandle.current().pid());
        assertThat(used).isPositive().isLessThanOrEqualTo(Runtime.getRuntime().totalMemory() + (64L << 20));
    }
}
