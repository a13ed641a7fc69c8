package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.botfleet.Services;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.Fixtures;
import io.botfleet.testing.TestDatabase;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What runs before a SnapStart snapshot touches neither the database nor a platform: a connection
 * or transaction opened then would be restored stale in every copy.
 */
class PrimingTest {

    @Test
    void primingRunsTheFirstCallsCodeWithoutAStatementOrAPlatformCall() {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API)) {
            FakePlatform k8s = new FakePlatform("k8s");
            Services services = Fixtures.services(Fixtures.settings(Map.of("PLATFORM_PRIORITY", "k8s", "K8S_BOT_LIMIT", "1")),
                    db.sql(1), List.of(k8s), Clock.systemUTC());
            Priming.prime(services);
            Priming.prime(services); // a second checkpoint of the same container

            for (String operation : List.of("ExecuteStatement", "BatchExecuteStatement", "BeginTransaction")) {
                assertThat(db.dataApi().calls(operation)).as(operation).isZero();
            }
            assertThat(k8s.live()).isEmpty();
            assertThat(db.count("SELECT count(*) AS n FROM bots")).isZero();
        }
    }
}
