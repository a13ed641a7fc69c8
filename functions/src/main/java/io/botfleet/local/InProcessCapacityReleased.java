package io.botfleet.local;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.botfleet.deployment.CapacityReleasedPublisher;
import io.botfleet.functions.ProcessQueueHandler;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
    private volatile Duration drainTimeout;

    /** From now on a release is a drain by this handler, with this much time (as a Lambda's timeout). */
    void deliverTo(ProcessQueueHandler handler, Duration drainTimeout) {
        this.drainTimeout = drainTimeout;
        this.handler = handler;
    }

    @Override
    public void capacityReleased(String platform) {
        if (handler == null || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            delivery.execute(() -> deliver(platform));
        } catch (RejectedExecutionException stopping) {
            // the runner is stopping its bots: the next start's drain looks again
        }
    }

    private void deliver(String platform) {
        pending.set(false);
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(UUID.randomUUID().toString());
        message.setBody("{\"type\":\"capacity-released\",\"platform\":\"" + platform + "\"}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));
        handler.handleCapacityReleased(event, new LocalContext("processQueue", drainTimeout));
    }

    /** Stops delivering, and waits a little for a drain in progress (interrupted) to end. */
    void close() throws InterruptedException {
        delivery.shutdownNow();
        delivery.awaitTermination(LocalRunner.STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
