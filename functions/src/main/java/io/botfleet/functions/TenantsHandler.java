package io.botfleet.functions;

import io.botfleet.Services;
import io.botfleet.deployment.Tenants;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.TenantRequest;
import io.botfleet.functions.http.Views;
import java.util.Map;

/**
 * The tenant routes: a tenant's settings set with {@code PUT /tenants/{tenant}}, and each tenant's
 * settings with its units in use, waiting bots and share, one or all.
 */
public final class TenantsHandler extends HttpFunction {

    public TenantsHandler() {
        this(FunctionServices.get());
    }

    public TenantsHandler(Services services) {
        super(routes(services.tenants()), services.settings());
    }

    private static Map<String, Route> routes(Tenants tenants) {
        return Map.of(
                "PUT /tenants/{tenant}", request -> {
                    String tenant = request.tenant();
                    TenantRequest settings = TenantRequest.parse(request.jsonBody());
                    return HttpResponses.json(200, Views.tenant(tenants.put(tenant, settings.weight(), settings.limit(),
                            settings.guaranteed())));
                },
                "GET /tenants", request -> HttpResponses.json(200, Views.tenants(tenants.list())),
                "GET /tenants/{tenant}", request -> HttpResponses.json(200, Views.tenant(tenants.get(request.tenant()))));
    }
}
