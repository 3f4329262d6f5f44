package io.weightcast.scorer.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.weightcast.core.auth.BearerTokens;
import io.weightcast.core.records.Json;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The read token in front of {@code /v1/*}: {@code Authorization: Bearer <token>}, or on the live stream only
 * {@code ?access_token=<token>} (a browser's EventSource cannot set headers). 401 with the reason without a valid token;
 * 403 for a token scoped to studies or runs, which is a producer's write token, not a reader's.
 */
final class ReadTokenHandler implements Handler<RoutingContext> {
    static final String QUERY_TOKEN = "access_token";
    static final String EVENTS_PATH = "/v1/events";

    private final Supplier<BearerTokens> tokens;

    ReadTokenHandler(Supplier<BearerTokens> tokens) {
        this.tokens = tokens;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        List<String> query = ctx.queryParam(QUERY_TOKEN);
        BearerTokens.Check check = header == null && EVENTS_PATH.equals(ctx.normalizedPath()) && !query.isEmpty()
                ? tokens.get().checkToken(query.get(0)) : tokens.get().check(header);
        if (check instanceof BearerTokens.Denied denied) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            refuse(ctx, 401, denied.reason());
        } else if (!((BearerTokens.Granted) check).token().scope().unscoped()) {
            refuse(ctx, 403, "token '" + ((BearerTokens.Granted) check).token().name() + "' is scoped to studies or runs: a "
                    + "producer's token; reading the scorer takes an unscoped one");
        } else {
            ctx.next();
        }
    }

    private static void refuse(RoutingContext ctx, int status, String reason) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.string(Map.of("error", reason)));
    }
}
