package io.weightcast.scorer.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weightcast.core.config.Settings;
import io.weightcast.core.records.Alert;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HookSettingsTest {
    private static Alert alert(String kind, String severity, String study) {
        return new Alert("r", 1, kind, severity, Map.of(), null, study, 0L);
    }

    @Test
    void legacyUrlsAreUnfilteredJsonHooksNamedByPosition() {
        List<Hook> hooks = HookSettings.from(Settings.of(Map.of("scorer.webhooks", " http://a/x , ,https://b/y",
                "scorer.webhook.secret", "s3")));
        assertThat(hooks).containsExactly(
                new Hook("webhooks-1", "http://a/x", HookFormat.JSON, HookFilter.ALL, "s3"),
                new Hook("webhooks-2", "https://b/y", HookFormat.JSON, HookFilter.ALL, "s3"));
    }

    @Test
    void namedHooksWithFormatFiltersAndSecret() {
        List<Hook> hooks = HookSettings.from(Settings.of(Map.of(
                "scorer.webhooks", "http://legacy/",
                "scorer.hook.slack.url", "https://hooks.slack.test/services/T/B/X",
                "scorer.hook.slack.format", "Slack",
                "scorer.hook.slack.kinds", "dying_relu, NONFINITE_WEIGHTS",
                "scorer.hook.slack.min.severity", "warning",
                "scorer.hook.slack.studies", "digits,cifar",
                "scorer.hook.am.url", "http://alertmanager:9093/api/v2/alerts",
                "scorer.hook.am.format", "alertmanager",
                "scorer.hook.am.secret", "k")));
        assertThat(hooks).extracting(Hook::name).containsExactly("webhooks-1", "am", "slack");
        Hook slack = hooks.get(2);
        assertThat(slack.format()).isEqualTo(HookFormat.SLACK);
        assertThat(slack.filter()).isEqualTo(new HookFilter(Set.of("DYING_RELU", "NONFINITE_WEIGHTS"), Severity.WARNING,
                Set.of("digits", "cifar")));
        assertThat(slack.secret()).isNull();
        assertThat(slack.origin()).isEqualTo("https://hooks.slack.test");
        assertThat(slack.toString()).doesNotContain("services");
        Hook am = hooks.get(1);
        assertThat(am.format()).isEqualTo(HookFormat.ALERTMANAGER);
        assertThat(am.filter()).isEqualTo(HookFilter.ALL);
        assertThat(am.secret()).isEqualTo("k");
        assertThat(am.origin()).isEqualTo("http://alertmanager:9093");
    }

    @Test
    void badHookSettingsFailWithTheKey() {
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.hook.x.kind", "DYING_RELU", "scorer.hook.x.url", "http://a"))))
                .hasMessageContaining("unknown hook setting 'scorer.hook.x.kind'");
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.hook.x.format", "json"))))
                .hasMessageContaining("hook 'x' has no scorer.hook.x.url");
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.hook.x.url", "http://a", "scorer.hook.x.format", "teams"))))
                .hasMessageContaining("hook 'x'").hasMessageContaining("json, slack or alertmanager");
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.hook.x.url", "http://a", "scorer.hook.x.min.severity", "high"))))
                .hasMessageContaining("info, warning or critical");
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.hook.x.url", "ftp://a"))))
                .hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> HookSettings.from(Settings.of(Map.of("scorer.webhooks", "not a url"))))
                .hasMessageContaining("scorer.webhooks");
        assertThat(HookSettings.from(Settings.of(Map.of()))).isEmpty();
    }

    @Test
    void filtersByKindSeverityAndStudy() {
        HookFilter f = new HookFilter(Set.of(Alert.DYING_RELU), Severity.WARNING, Set.of("digits"));
        assertThat(f.matches(alert(Alert.DYING_RELU, "warning", "digits"))).isTrue();
        assertThat(f.matches(alert(Alert.DYING_RELU, "CRITICAL", "digits"))).isTrue();
        assertThat(f.matches(alert(Alert.DYING_RELU, "info", "digits"))).as("below min severity").isFalse();
        assertThat(f.matches(alert(Alert.DYING_RELU, "bogus", "digits"))).as("unknown severity ranks as info").isFalse();
        assertThat(f.matches(alert(Alert.NONFINITE_WEIGHTS, "critical", "digits"))).as("other kind").isFalse();
        assertThat(f.matches(alert(Alert.DYING_RELU, "critical", "cifar"))).as("other study").isFalse();
        assertThat(f.matches(alert(Alert.DYING_RELU, "critical", null))).as("no study").isFalse();
        assertThat(HookFilter.ALL.matches(alert("ANYTHING", null, null))).isTrue();
        HookFilter criticalOnly = new HookFilter(Set.of(), Severity.CRITICAL, Set.of());
        assertThat(criticalOnly.matches(alert(Alert.EARLY_STOP_CANDIDATE, "info", "s"))).isFalse();
        assertThat(criticalOnly.matches(alert(Alert.NONFINITE_WEIGHTS, "critical", "s"))).isTrue();
    }
}
