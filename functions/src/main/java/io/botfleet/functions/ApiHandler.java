package io.botfleet.functions;

import io.botfleet.Services;
import io.botfleet.functions.http.HttpFunction;

/**
 * Every HTTP route in one function, for an API whose only route is {@code $default} or
 * {@code ANY /{proxy+}}: the request's method and path pick the route, as one route per function
 * would.
 */
public final class ApiHandler extends HttpFunction {

    public ApiHandler() {
        this(FunctionServices.get());
    }

    public ApiHandler(Services services) {
        super(services, new DeployBotHandler(services), new StopBotHandler(services),
                new BotStatusHandler(services), new TenantsHandler(services));
    }
}
