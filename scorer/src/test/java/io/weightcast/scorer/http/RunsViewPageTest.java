package io.weightcast.scorer.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.records.RunEvent;
import io.weightcast.scorer.http.RunsView.RunSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RunsView#page}: the study filter, limit, offset and cursor of {@code GET /v1/runs}. */
class RunsViewPageTest {
    private final RunsView view = new RunsView();

    RunsViewPageTest() {
        for (String run : List.of("a5", "a1", "b1", "a3", "a2", "b2", "a4")) {
            view.onRunEvent(run, RunEvent.started(run, run.startsWith("a") ? "study-a" : "study-b", Map.of(), 10));
        }
        view.onScore(LiveEventsTest.score("c1", 1, 0.5, 1)); // study "s", from its score
    }

    private static List<String> ids(RunsView.Page page) {
        return page.runs().stream().map(RunSummary::runId).toList();
    }

    @Test
    void theStudyFilterKeepsOnlyThatStudysRunsInRunIdOrder() {
        assertThat(ids(view.page("study-a", null, 0, 100))).containsExactly("a1", "a2", "a3", "a4", "a5");
        assertThat(ids(view.page("study-b", null, 0, 100))).containsExactly("b1", "b2");
        assertThat(ids(view.page("s", null, 0, 100))).containsExactly("c1");
        assertThat(ids(view.page("nobody", null, 0, 100))).isEmpty();
        assertThat(ids(view.page(null, null, 0, 100))).hasSize(8);
    }

    @Test
    void followingTheCursorVisitsEveryRunOnceAndTheLastPageHasNoNext() {
        RunsView.Page first = view.page("study-a", null, 0, 2);
        assertThat(ids(first)).containsExactly("a1", "a2");
        assertThat(first.next()).isEqualTo("a2");
        RunsView.Page second = view.page("study-a", first.next(), 0, 2);
        assertThat(ids(second)).containsExactly("a3", "a4");
        RunsView.Page last = view.page("study-a", second.next(), 0, 2);
        assertThat(ids(last)).containsExactly("a5");
        assertThat(last.next()).isNull();
    }

    @Test
    void aPageThatEndsExactlyAtTheLastRunHasNoNext() {
        RunsView.Page page = view.page("study-b", null, 0, 2);
        assertThat(ids(page)).containsExactly("b1", "b2");
        assertThat(page.next()).isNull();
    }

    @Test
    void theCursorStaysStableWhenRunsAreAddedBeforeIt() {
        RunsView.Page first = view.page("study-a", null, 0, 2);
        view.onRunEvent("a0", RunEvent.started("a0", "study-a", Map.of(), 10));
        assertThat(ids(view.page("study-a", first.next(), 0, 2))).containsExactly("a3", "a4");
    }

    @Test
    void offsetSkipsRunsAfterTheCursor() {
        assertThat(ids(view.page("study-a", null, 3, 10))).containsExactly("a4", "a5");
        assertThat(ids(view.page("study-a", "a1", 1, 2))).containsExactly("a3", "a4");
        assertThat(view.page("study-a", "a1", 1, 2).next()).isEqualTo("a4");
        assertThat(ids(view.page("study-a", null, 99, 10))).isEmpty();
        assertThat(view.page("study-a", null, 99, 10).next()).isNull();
    }

    @Test
    void aLimitBelowOneOrANegativeOffsetIsRefused() {
        assertThatThrownBy(() -> view.page(null, null, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> view.page(null, null, -1, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
