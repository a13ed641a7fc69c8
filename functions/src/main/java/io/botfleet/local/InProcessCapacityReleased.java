package io.botfleet.local;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.functions.ProcessQueueHandler;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The local stand-in for the capacity queue: a release becomes an SQS-shaped event for the same
 * handler, delivered on one background thread. Releases that arrive while a delivery is pending
 * ride along with it, as a batch would.
 */
final class InProcessCapacityReleased implements CapacityReleasedPublisher {
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "capacity-released");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile ProcessQueueHandler handler;

    void deliverTo(ProcessQueueHandler handler) {
        this.handler = handler;
    }

    @Override
    public void capacityReleased(String platform) {
        if (handler == null || !pending.compareAndSet(false, true)) {
            return;
        }
        delivery.execute(() -> {
            pending.set(false);
            SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
            message.setMessageId(UUID.randomUUID().toString());
            message.setBody("{\"type\":\"capacity-released\",\"platform\":\"" + platform + "\"}");
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(message));
            handler.handleCapacityReleased(event, new LocalContext("processQueue", Duration.ofMinutes(1)));
        });
    }

    void close() {
        delivery.shutdownNow();
    }
}
