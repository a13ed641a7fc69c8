package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.botfleet.RequestDeadline;
import io.botfleet.store.Params;
import io.botfleet.store.SqlException;
import io.botfleet.testing.FakePlatform;
import io.botfleet.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API Gateway cuts an HTTP API request off at 30 s. A request answers within REQUEST_BUDGET
 * whatever its platform or database does: a deploy whose platform has not answered by then is
 * accepted (202, DEPLOYING) for the drain to confirm, and database retries stop in time.
 */
class RequestBudgetTest {

    @Test
    void aDeployWhosePlatformNeverAnswersIsAcceptedWithinTheBudget() {
        try (Api api = new Api(Map.of("REQUEST_BUDGET", "2s", "PLATFORM_CALL_TIMEOUT", "25s", "QUEUE_LEASE", "5m"))) {
            api.k8s.then(FakePlatform.startThenHang(60_000));
            APIGatewayV2HTTPEvent deploy = Api.event("apigw/deploy-bot.json");
            long started = System.nanoTime();
            APIGatewayV2HTTPResponse response = api.call(deploy);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(took).as("answered within the budget").isLessThan(Duration.ofMillis(2_800));
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
            assertThat(Api.body(response).get("status").asString()).isEqualTo("DEPLOYING");
            assertThat(api.db.text("SELECT deployment_platform AS s FROM bots")).as("pinned where it may run").isEqualTo("k8s");
            assertThat(api.k8s.live()).as("the container it started").hasSize(1);
        }
    }

    @Test
    void databaseRetriesInsideARequestEndWithItsBudget() {
        try (TestDatabase db = TestDatabase.fresh(TestDatabase.Adapter.DATA_API)) {
            var sql = db.sql(1);
            db.dataApi().failNext(1_000, "DatabaseResumingException");
            RequestDeadline.start(Duration.ofSeconds(1));
            long started = System.nanoTime();
            try {
                assertThatThrownBy(() -> sql.queryOne("SELECT 1 AS one", Params.of()))
                        .isInstanceOf(SqlException.class);
            } finally {
                RequestDeadline.clear();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not the 30 s a drain would wait")
                    .isLessThan(Duration.ofSeconds(2));
        }
    }
}
