package io.botfleet.functions;

import io.botfleet.Services;
import io.botfleet.deployment.TenantKeys;
import io.botfleet.deployment.Tenants;
import io.botfleet.functions.http.HttpFunction;
import io.botfleet.functions.http.HttpResponses;
import io.botfleet.functions.http.Problem;
import io.botfleet.functions.http.TenantRequest;
import io.botfleet.functions.http.Views;
import java.util.Map;

/**
 * The tenant routes: a tenant's settings set with {@code PUT /tenants/{tenant}}, each tenant's
 * settings with its units in use, waiting bots and share, one or all, and a tenant's API keys:
 * made (the key shown once), listed without their secret, revoked.
 */
public final class TenantsHandler extends HttpFunction {

    public TenantsHandler() {
        this(FunctionServices.get());
    }

    public TenantsHandler(Services services) {
        super(routes(services.tenants(), services.tenantKeys()), services);
    }

    private static Map<String, Route> routes(Tenants tenants, TenantKeys keys) {
        return Map.of(
                "PUT /tenants/{tenant}", request -> {
                    String tenant = request.tenant();
                    TenantRequest settings = TenantRequest.parse(request.jsonBody());
                    return HttpResponses.json(200, Views.tenant(tenants.put(tenant, settings.weight(), settings.limit(),
                            settings.guaranteed())));
                },
                "GET /tenants", request -> HttpResponses.json(200, Views.tenants(tenants.list())),
                "GET /tenants/{tenant}", request -> {
                    String tenant = request.tenant();
                    request.caller().requireTenant(tenant);
                    return HttpResponses.json(200, Views.tenant(tenants.get(tenant)));
                },
                "POST /tenants/{tenant}/keys", request -> {
                    String tenant = request.tenant();
                    request.noFields();
                    return HttpResponses.json(201, Views.createdKey(keys.create(tenant)));
                },
                "GET /tenants/{tenant}/keys", request -> {
                    String tenant = request.tenant();
                    return HttpResponses.json(200, Views.tenantKeys(tenant, keys.list(tenant)));
                },
                "DELETE /tenants/{tenant}/keys/{keyId}", request -> {
                    String tenant = request.tenant();
                    long id = request.keyId();
                    if (!keys.revoke(tenant, id)) {
                        throw Problem.notFound("tenant " + tenant + " has no key " + id);
                    }
                    return HttpResponses.noContent();
                });
    }
}
