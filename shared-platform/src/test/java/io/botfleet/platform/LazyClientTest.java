package io.botfleet.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A platform client is made on its first use, once, whoever asks at the same time; a failed make is tried again. */
class LazyClientTest {

    @Test
    void nothingIsMadeBeforeTheFirstUseAndThenOnlyOnceForEveryConcurrentCaller() throws Exception {
        AtomicInteger makes = new AtomicInteger();
        LazyClient<Object> client = new LazyClient<>(() -> {
            makes.incrementAndGet();
            sleep(50); // a slow make: every other caller arrives while it runs
            return new Object();
        });
        assertThat(makes).as("made at construction").hasValue(0);

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Object>> got = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                got.add(callers.submit(() -> {
                    start.await();
                    return client.get();
                }));
            }
            start.countDown();
            Object first = got.get(0).get();
            for (Future<Object> each : got) {
                assertThat(each.get()).isSameAs(first);
            }
        }
        assertThat(client.get()).isSameAs(got.get(0).get());
        assertThat(makes).as("makes").hasValue(1);
    }

    @Test
    void aMakeThatFailedIsTriedAgainAtTheNextUse() {
        AtomicInteger makes = new AtomicInteger();
        LazyClient<String> client = new LazyClient<>(() -> {
            if (makes.incrementAndGet() == 1) {
                throw new IllegalStateException("the kubeconfig is not there yet");
            }
            return "client";
        });
        assertThatThrownBy(client::get).hasMessageContaining("not there yet");
        assertThat(client.get()).isEqualTo("client");
        assertThat(client.get()).isEqualTo("client");
        assertThat(makes).hasValue(2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
