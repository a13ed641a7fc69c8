package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The local schedule goes on as EventBridge's does: a drain that fails does not end the drains after it. */
class LocalScheduleTest {

    @Test
    void aTickThatFailsIsFollowedByTheNextOne() throws Exception {
        ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger ticks = new AtomicInteger();
            CountDownLatch three = new CountDownLatch(3);
            LocalRunner.repeat(schedule, Duration.ofMillis(20), () -> {
                three.countDown();
                if (ticks.incrementAndGet() == 1) {
                    throw new IllegalStateException("the database did not answer"); // one hiccup
                }
            });
            assertThat(three.await(5, TimeUnit.SECONDS)).as("ticks after a failed one (%d ran)", ticks.get()).isTrue();
        } finally {
            schedule.shutdownNow();
        }
    }
}
