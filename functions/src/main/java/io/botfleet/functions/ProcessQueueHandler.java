package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.deployment.DeploymentQueue;
import io.botfleet.deployment.Webhooks;
import io.botfleet.functions.metrics.EventMetrics;
import io.botfleet.functions.metrics.OldestQueuedMetric;
import io.botfleet.functions.metrics.PlatformCallMetrics;
import io.botfleet.functions.metrics.PrometheusMetrics;
import io.botfleet.platform.Budget;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.HybridPlatformService.DrainReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * processQueue, for both of its triggers: the EventBridge schedule ({@link #handleRequest}) and
 * capacity-released messages from SQS ({@link #handleCapacityReleased}, handler string
 * {@code io.botfleet.functions.ProcessQueueHandler::handleCapacityReleased}). A batch of messages
 * means one drain: the messages only say "look again". The time a drain leaves goes to the
 * status webhooks that are due; then the metrics are written (the queue's oldest wait, the
 * events since the last count).
 */
public final class ProcessQueueHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    /** Kept back from the Lambda's remaining time for the statements after the last round. */
    static final Duration MARGIN = Duration.ofSeconds(5);
    /** When there is no Lambda context (a direct call). */
    static final Duration DEFAULT_BUDGET = Duration.ofSeconds(60);

    private final HybridPlatformService hybrid;
    private final Webhooks webhooks;
    private final DeploymentQueue queue;
    private final OldestQueuedMetric oldestQueued;
    private final EventMetrics eventMetrics;
    private final PrometheusMetrics prometheus = new PrometheusMetrics();
    private final AtomicBoolean budgetChecked = new AtomicBoolean();

    public ProcessQueueHandler() {
        this(FunctionServices.get());
    }

    public ProcessQueueHandler(Services services) {
        this(services, OldestQueuedMetric.everyDrain());
    }

    /** @param oldestQueued how often the queue's metric line is written */
    public ProcessQueueHandler(Services services, OldestQueuedMetric oldestQueued) {
        this.hybrid = services.hybrid();
        this.webhooks = services.webhooks();
        this.queue = services.queue();
        this.oldestQueued = oldestQueued;
        this.eventMetrics = new EventMetrics(services.eventCounts(), prometheus);
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        DrainReport report = drain(context);
        return Map.of("expired", report.expired().size(), "reclaimed", report.reclaimed(), "silent", report.silent(),
                "claimed", report.claimed(), "deployed", report.deployed(), "failed", report.failed());
    }

    public SQSBatchResponse handleCapacityReleased(SQSEvent event, Context context) {
        try {
            drain(context);
            return new SQSBatchResponse(List.of());
        } catch (RuntimeException e) {
            // every message comes back after its visibility timeout, and the drain with it
            Log.error("queue.drain_failed", Map.of(), e);
            return new SQSBatchResponse(event.getRecords().stream()
                    .map(m -> new SQSBatchResponse.BatchItemFailure(m.getMessageId())).toList());
        }
    }

    /**
     * The least time an invocation must have (a Lambda's timeout, the local runner's drain) for
     * every part of the drain to run: the longest part's need, plus the margin.
     */
    public Duration minimumTimeout() {
        return hybrid.minimumDrainBudget().plus(MARGIN);
    }

    private DrainReport drain(Context context) {
        String requestId = context == null ? UUID.randomUUID().toString() : context.getAwsRequestId();
        Log.setRequestId(requestId);
        Duration budget = context == null ? DEFAULT_BUDGET
                : Duration.ofMillis(context.getRemainingTimeInMillis()).minus(MARGIN);
        if (context != null && !budgetChecked.getAndSet(true)) {
            // the invocation has just begun: its remaining time, in whole seconds, is its timeout
            checkTimeout(Duration.ofSeconds((context.getRemainingTimeInMillis() + 999L) / 1000));
        }
        long end = System.nanoTime() + budget.toNanos();
        DrainReport report = hybrid.processQueue("drain-" + requestId, budget);
        webhooks.sendDue(Budget.of(Duration.ofNanos(Math.max(0, end - System.nanoTime()))));
        reportOldestQueued();
        eventMetrics.report();
        PlatformCallMetrics.write();
        return report;
    }

    /**
     * At the first drain of this instance (its start-up: a Lambda learns its timeout only from
     * its first invocation): a drain with less time than a part needs would skip that part on
     * every run, so it is said once, naming the settings, rather than skipped in silence.
     */
    private void checkTimeout(Duration timeout) {
        if (timeout.compareTo(minimumTimeout()) >= 0) {
            return;
        }
        Log.error("queue.budget_too_small", Map.of("part", "reconcile", "timeoutMs", timeout.toMillis(),
                "neededMs", minimumTimeout().toMillis(), "settings", "the function's timeout must be at least neededMs"
                        + " (2 x PLATFORM_CALL_TIMEOUT, the drain's first statements and a margin): raise it or lower"
                        + " PLATFORM_CALL_TIMEOUT; until then no drain compares what the platforms run with the bots"));
    }

    /** How long the oldest queued bot has waited, and how many wait: {@link OldestQueuedMetric}. */
    private void reportOldestQueued() {
        DeploymentQueue.Stats stats = queue.stats();
        Instant oldest = stats.oldestQueuedAt();
        long age = oldest == null ? 0 : Math.max(0, Duration.between(oldest, Instant.now()).toSeconds());
        oldestQueued.report(age, stats.waiting());
        prometheus.set("botfleet_oldest_queued_seconds", "How long the oldest queued bot has waited", age);
        prometheus.set("botfleet_queued_bots", "Bots waiting in the queue", stats.waiting());
    }

    /** The figures this handler's metric lines wrote. */
    public PrometheusMetrics prometheus() {
        return prometheus;
    }

    /** {@code GET /metrics}: those figures, with this process's platform calls, in Prometheus's text. */
    public String prometheusText() {
        PlatformCallMetrics.totals(prometheus);
        return prometheus.text();
    }
}
