package io.botfleet.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpIamAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpJwtAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.CfnStage;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpNoneAuthorizer;
import software.amazon.awscdk.services.apigatewayv2.IHttpRouteAuthorizer;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The HTTP API (API Gateway v2): the routes of docs/http-api.md, each to its function's {@code live} alias.
 * Client routes need IAM-signed requests (or a JWT, when the props say so; or, with {@code tenantKeys},
 * nothing at the gateway: the functions check the operator's token or a tenant's key); the bot's own routes are authorized by the
 * handler with the per-bot token, and the OpenAPI document and the dashboard page are public (the
 * page reads the client routes with the credentials its user gives it). Access logs go to a log group.
 */
final class Api extends Construct {
    private static final List<String[]> ROUTES = List.of(
            new String[] {"POST", "/bots", "Deploy"}, new String[] {"GET", "/bots", "Status"},
            new String[] {"GET", "/bots/{id}", "Status"}, new String[] {"GET", "/bots/{id}/events", "Status"},
            new String[] {"GET", "/bots/{id}/webhooks", "Status"}, new String[] {"POST", "/bots/{id}/stop", "Stop"},
            new String[] {"GET", "/capacity", "Status"}, new String[] {"GET", "/queue", "Status"},
            new String[] {"GET", "/schedule", "Status"}, new String[] {"GET", "/activity", "Status"},
            new String[] {"POST", "/platforms/{platform}/hold", "Stop"},
            new String[] {"POST", "/platforms/{platform}/release", "Stop"},
            new String[] {"POST", "/platforms/{platform}/drain", "Stop"},
            new String[] {"PUT", "/tenants/{tenant}", "Tenants"}, new String[] {"GET", "/tenants", "Tenants"},
            new String[] {"GET", "/tenants/{tenant}", "Tenants"}, new String[] {"POST", "/tenants/{tenant}/keys", "Tenants"},
            new String[] {"GET", "/tenants/{tenant}/keys", "Tenants"},
            new String[] {"DELETE", "/tenants/{tenant}/keys/{keyId}", "Tenants"});
    private static final List<String[]> OPEN_ROUTES = List.of(
            new String[] {"POST", "/bots/{id}/status", "Status"}, new String[] {"GET", "/bots/{id}/config", "Status"},
            new String[] {"GET", "/openapi.json", "Status"}, new String[] {"GET", "/", "Status"});

    private final HttpApi api;
    /** One integration per function and authorizer kind, shared by its routes. */
    private final Map<String, HttpLambdaIntegration> integrations = new java.util.HashMap<>();

    Api(Construct scope, String id) {
        super(scope, id);
        api = HttpApi.Builder.create(this, "Http").apiName("botfleet").createDefaultStage(true).build();
        LogGroup access = LogGroup.Builder.create(this, "AccessLog").retention(RetentionDays.ONE_MONTH).build();
        CfnStage stage = (CfnStage) api.getDefaultStage().getNode().getDefaultChild();
        stage.setAccessLogSettings(CfnStage.AccessLogSettingsProperty.builder()
                .destinationArn(access.getLogGroupArn())
                .format("{\"requestId\":\"$context.requestId\",\"routeKey\":\"$context.routeKey\","
                        + "\"status\":\"$context.status\",\"latencyMs\":\"$context.responseLatency\","
                        + "\"caller\":\"$context.identity.caller\",\"sourceIp\":\"$context.identity.sourceIp\"}")
                .build());
    }

    /** The API's base URL, which the bots call back on. */
    String url() {
        return api.getApiEndpoint();
    }

    /**
     * Routes each path to its function's alias; client routes by IAM, by JWT when the props name an
     * issuer, or by the functions themselves with tenant keys.
     */
    void route(Functions functions, BotfleetProps.Jwt jwt, boolean tenantKeys) {
        add(ROUTES, functions, tenantKeys ? new HttpNoneAuthorizer() : jwt == null ? new HttpIamAuthorizer()
                : HttpJwtAuthorizer.Builder.create("Jwt", jwt.issuer()).jwtAudience(jwt.audience()).build());
        add(OPEN_ROUTES, functions, new HttpNoneAuthorizer());
    }

    /** The client routes' construct paths under the HTTP API ({@code GET--bots--{id}}), as cdk-nag names them. */
    static List<String> clientRoutePaths() {
        return ROUTES.stream().map(r -> r[0] + r[1].replace("/", "--")).toList();
    }

    private void add(List<String[]> routes, Functions functions, IHttpRouteAuthorizer authorizer) {
        for (String[] r : routes) {
            HttpLambdaIntegration integration = integrations.computeIfAbsent(r[2] + authorizer.getClass().getSimpleName(),
                    k -> new HttpLambdaIntegration(k, functions.alias(r[2])));
            api.addRoutes(AddRoutesOptions.builder().path(r[1]).methods(List.of(HttpMethod.valueOf(r[0])))
                    .integration(integration).authorizer(authorizer).build());
        }
    }
}
