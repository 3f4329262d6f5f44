package io.weightcast.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DemoRunIdsTest {

    @Test
    void aRunIdHoldsTheSeedOnce() {
        DemoRunIds ids = new DemoRunIds(563074078L);

        assertThat(ids.id(33)).isEqualTo("demo-563074078-33");
        assertThat(ids.id(33).split("563074078", -1)).hasSize(2);
        assertThat(ids.id(0)).startsWith(ids.prefix());
        assertThat(new DemoRunIds(563074079L).id(33)).doesNotStartWith(ids.prefix());
    }

    @Test
    void theZooGeneratorNamesRunsAsTheDemoExpects() throws IOException {
        DemoRunIds ids = new DemoRunIds(7L);
        Path zoo = Path.of(System.getProperty("weightcast.projectRoot", "..")).resolve("clients/python/weightcast/demo/zoo.py");

        // zoo.py's plan(): run ids are <run prefix><seed>-<index>; the demo passes zooPrefix() as the run prefix
        assertThat(Files.readString(zoo)).contains("\"run_id\": f\"{run_prefix}{seed}-{i}\"");
        assertThat(ids.zooPrefix() + ids.seed() + "-" + 12).isEqualTo(ids.id(12));
    }
}
