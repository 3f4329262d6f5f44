package io.weightcast.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenFileTest {

    private static BearerTokens parse(String json) {
        return TokenFile.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsNamesScopesAndUnscopedTokens() {
        BearerTokens tokens = parse("""
                {"tokens": [
                  {"name": "team-a", "token": "secret-a", "studies": ["mnist"], "runs": ["team-a-*", "shared-run"]},
                  {"token": "secret-ci"}
                ]}""");
        assertThat(tokens.tokens()).extracting(BearerToken::name).containsExactly("team-a", "file#2");
        TokenScope a = ((BearerTokens.Granted) tokens.check("Bearer secret-a")).token().scope();
        assertThat(a.studies()).containsExactly("mnist");
        assertThat(a.runs()).containsExactly("team-a-*", "shared-run");
        assertThat(((BearerTokens.Granted) tokens.check("Bearer secret-ci")).token().scope().unscoped()).isTrue();
    }

    @Test
    void refusesWhatWouldSilentlyWidenATokenAndNeverQuotesSecrets() {
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": \"s3cret\", \"studys\": [\"a\"]}]}"))
                .isInstanceOf(InvalidTokenFileException.class).hasMessageContaining("unknown field at tokens[0]")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": \"s3cret\", \"runs\": []}]}"))
                .hasMessageContaining("tokens[0].runs is empty");
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": \"s3cret\", \"runs\": [\"a*b\"]}]}"))
                .hasMessageContaining("'*' may only end");
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": \"s3cret\"}, {\"token\": \"s3cret\"}]}"))
                .hasMessageContaining("tokens[1]: the same token appears twice").hasMessageNotContaining("s3cret\"");
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": s3cret}]}"))
                .hasMessageContaining("not valid JSON at line 1").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> parse("{\"tokens\": [{\"token\": \" \"}]}")).hasMessageContaining("tokens[0]: \"token\" must be");
        assertThatThrownBy(() -> parse("{}")).hasMessageContaining("no \"tokens\" array");
        assertThatThrownBy(() -> parse("{\"tokens\": {\"token\": \"s3cret\"}}")).hasMessageContaining("unexpected value at tokens")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void anEmptyArrayRevokesEveryFileToken() {
        assertThat(parse("{\"tokens\": []}").isEmpty()).isTrue();
    }

    @Test
    void scopesRestrictRunsByPrefixOrExactIdAndStudiesExactly() {
        TokenScope scope = new TokenScope(List.of("mnist"), List.of("team-a-*", "exact"));
        assertThat(scope.deniedRun("team-a-17")).isNull();
        assertThat(scope.deniedRun("exact")).isNull();
        assertThat(scope.deniedRun("exact-2")).contains("may not write run 'exact-2'");
        assertThat(scope.deniedRun("team-b-1")).contains("team-a-*");
        assertThat(scope.deniedStudy("mnist")).isNull();
        assertThat(scope.deniedStudy("cifar")).contains("study 'cifar'");
        assertThat(scope.deniedStudy(null)).contains("names no study");
        assertThat(TokenScope.UNSCOPED.deniedRun("anything")).isNull();
        assertThat(TokenScope.UNSCOPED.deniedStudy(null)).isNull();
        assertThat(new TokenScope(List.of(), List.of("*")).deniedRun("x")).isNull();
    }
}
