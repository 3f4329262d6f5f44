package io.weightcast.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsReferenceTest {
    private static final KeyGroup TRAINER = KeyGroup.of("trainer", "Refits the predictors.",
            Key.integer("trainer.refit.every", 5, "refit after this many runs").rule("≥ 1", n -> n >= 1),
            Key.text("trainer.host", "127.0.0.1", "bind host"));
    private static final KeyGroup SCORER = KeyGroup.of("scorer", "Scores.", Key.text("scorer.host", "127.0.0.1", "bind host | x"))
            .withFamily("scorer.hook.<name>.url", "a hook's URL");

    @Test
    void unknownKeysAreReportedWithTheClosestDeclaredOne() {
        Map<String, String> given = Map.of("trainer.refit.evry", "3", "trainer.host", "0.0.0.0", "scorer.hook.slack.url", "http://h",
                "something.else.entirely", "1");
        List<SettingsReference.Unknown> unknown = SettingsReference.unknown(given, List.of(TRAINER, SCORER));
        assertThat(unknown).extracting(SettingsReference.Unknown::key).containsExactly("something.else.entirely", "trainer.refit.evry");
        assertThat(unknown.get(1).didYouMean()).isEqualTo("trainer.refit.every");
        assertThat(unknown.get(0).didYouMean()).isNull();
        assertThat(unknown.get(1).toString()).contains("WEIGHTCAST_TRAINER_REFIT_EVRY").contains("nothing reads it; did you mean 'trainer.refit.every'?");
    }

    @Test
    void familiesMatchTheirPatternOnly() {
        KeyGroup.Family kafka = new KeyGroup.Family("kafka.<client setting>", "x");
        assertThat(kafka.matches("kafka.ssl.truststore.location")).isTrue();
        assertThat(kafka.matches("kafka.")).isFalse();
        assertThat(kafka.matches("streams.kafka.linger.ms")).isFalse();
        assertThat(new KeyGroup.Family("<service>.state.dir", "x").matches("scorer.state.dir")).isTrue();
    }

    @Test
    void markdownListsEveryKeyWithTypeDefaultRuleAndEscapedDoc() {
        String md = SettingsReference.markdown(List.of(TRAINER, SCORER));
        assertThat(md).contains("#### trainer").contains("| `trainer.refit.every` | integer | `5` | refit after this many runs (≥ 1) |")
                .contains("| `scorer.host` | text | `127.0.0.1` | bind host \\| x |").contains("| `scorer.hook.<name>.url` | | | a hook's URL |");
    }

    @Test
    void splicingReplacesOnlyTheMarkedPart() {
        String readme = "intro\n" + SettingsReference.BEGIN + "\nold table\n" + SettingsReference.END + "\noutro\n";
        String out = SettingsReference.spliced(readme, "new table\n");
        assertThat(out).startsWith("intro\n" + SettingsReference.BEGIN).contains("new table\n" + SettingsReference.END)
                .doesNotContain("old table").endsWith("outro\n");
        assertThatThrownBy(() -> SettingsReference.spliced("no markers", "x")).hasMessageContaining("markers");
    }
}
