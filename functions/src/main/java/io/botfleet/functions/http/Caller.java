package io.botfleet.functions.http;

import io.botfleet.bot.Bot;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Who sent a request to a client route: the operator (the API token, or IAM or a JWT in AWS),
 * who sees every tenant, or one tenant (its API key), who sees its own bots and nothing else.
 * {@link HttpFunction} decides which before a route runs; the routes ask here what the caller may
 * do, so the scoping rules live in this one place (the routes only the operator may call are
 * {@link HttpFunction}'s).
 *
 * @param tenant null for the operator
 */
public record Caller(String tenant) {
    public static final Caller OPERATOR = new Caller(null);

    public boolean isOperator() {
        return tenant == null;
    }

    /**
     * Refused with 403 unless the caller is the operator or this tenant: a tenant's key names its
     * own tenant, in a deploy's body, a list's filter or a path, or none.
     */
    public void requireTenant(String named) {
        if (!isOperator() && !tenant.equals(named)) {
            throw forbidden("this API key is tenant " + tenant + "'s; it acts for that tenant only",
                    List.of(new Problem.FieldError("/tenant", "must be " + tenant + ", the API key's tenant")));
        }
    }

    /** The tenant filter of a list: the one asked for; for a tenant's key its own, which it may name. */
    public String listTenant(String requested) {
        if (requested != null) {
            requireTenant(requested);
        }
        return isOperator() ? requested : tenant;
    }

    /**
     * Refused with 404, as if there were no such bot, unless the caller is the operator or the bot
     * is its tenant's: another tenant's bot is never shown to exist. The operator's request reads
     * nothing here.
     */
    public void requireBot(long id, LongFunction<Bot> find) {
        if (isOperator()) {
            return;
        }
        Bot bot = find.apply(id);
        if (bot == null || !tenant.equals(bot.config().tenant())) {
            throw Problem.notFound("no bot " + id);
        }
    }

    /** The answer to a tenant's key on a route only the operator may call. */
    static Problem operatorOnly(String routeKey) {
        return forbidden(routeKey + " is the operator's: a tenant's API key cannot call it", List.of());
    }

    private static Problem forbidden(String detail, List<Problem.FieldError> errors) {
        return new Problem(403, "forbidden", "Forbidden", detail, errors, Map.of());
    }
}
