package io.weightcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsTextTest {
    private static final String TEXT = """
            # TYPE weightcast_x_total counter
            weightcast_x_total 3.0
            weightcast_x_total_created 1.7E9
            weightcast_y{kind="a",study="s"} 0.25
            """;

    @Test
    void aSeriesIsMatchedWholeWithItsLabels() {
        assertThat(MetricsText.value(TEXT, "weightcast_x_total")).hasValue(3.0);
        assertThat(MetricsText.value(TEXT, "weightcast_y{kind=\"a\",study=\"s\"}")).hasValue(0.25);
        assertThat(MetricsText.value(TEXT, "weightcast_y")).isEmpty();
        assertThat(MetricsText.value(TEXT, "weightcast_x")).isEmpty();
        assertThatThrownBy(() -> MetricsText.required(TEXT, "weightcast_z")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("weightcast_z");
    }
}
