package io.botfleet.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Tenant keys on both SQL adapters: a key finds its tenant until it is revoked, and is listed without its secret. */
@ParameterizedClass
@EnumSource(TestDatabase.Adapter.class)
class TenantKeyStoreTest {
    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private final TestDatabase.Adapter adapter;

    TenantKeyStoreTest(TestDatabase.Adapter adapter) {
        this.adapter = adapter;
    }

    @Test
    void aKeyFindsItsTenantUntilItIsRevoked() {
        try (TestDatabase db = TestDatabase.fresh(adapter)) {
            TenantKeys keys = new TenantKeys(db.sql(2), Clock.fixed(NOW, ZoneOffset.UTC));
            TenantKeys.Created acme = keys.create("acme");
            TenantKeys.Created globex = keys.create("globex");
            assertThat(acme.secret()).isNotEqualTo(globex.secret()).matches("bf_[A-Za-z0-9_-]{43}");
            assertThat(acme.key()).isEqualTo(new TenantKeys.Key(acme.key().id(), "acme", acme.secret().substring(0, 8), NOW, null));

            assertThat(keys.tenantOf(acme.secret())).contains("acme");
            assertThat(keys.tenantOf(globex.secret())).contains("globex");
            assertThat(keys.tenantOf(acme.secret() + "x")).isEmpty();
            assertThat(keys.tenantOf("not-a-key")).isEmpty();

            assertThat(keys.revoke("globex", acme.key().id())).as("not globex's key").isFalse();
            assertThat(keys.tenantOf(acme.secret())).contains("acme");
            assertThat(keys.revoke("acme", acme.key().id())).isTrue();
            assertThat(keys.tenantOf(acme.secret())).isEmpty();
            assertThat(keys.tenantOf(globex.secret())).as("another key untouched").contains("globex");
            assertThat(keys.list("acme")).containsExactly(new TenantKeys.Key(acme.key().id(), "acme",
                    acme.secret().substring(0, 8), NOW, NOW));
            assertThat(keys.list("initech")).isEmpty();
        }
    }
}
