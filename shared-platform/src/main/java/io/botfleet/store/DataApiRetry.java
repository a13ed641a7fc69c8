package io.botfleet.store;

import io.botfleet.RequestDeadline;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rdsdata.model.DatabaseResumingException;
import software.amazon.awssdk.services.rdsdata.model.DatabaseUnavailableException;
import software.amazon.awssdk.services.rdsdata.model.RdsDataException;
import software.amazon.awssdk.services.rdsdata.model.ServiceUnavailableErrorException;

/**
 * Bounded retry with exponential backoff for Data API failures that say the cluster could not
 * take the call: it is resuming from zero capacity (documented as "the request was cancelled"),
 * the writer is unavailable, the service is unavailable, the call was throttled, or the
 * connection failed before the request was sent. An unavailable writer or service may follow a
 * statement that did run (a failover after its commit), so a repeat can re-run a write: every
 * statement of botfleet is written to be safe to repeat (an admission carries a request key, a
 * claim or a transition repeated finds its work done), and the store tests prove it with the
 * fixture's after-commit failures. Anything else (a read timeout, a 500) is not retried here: it
 * surfaces as an {@link SqlException}, to the caller that knows what to do. The SDK's own retries
 * are switched off for the same reason.
 */
public final class DataApiRetry {

    /** Waits between attempts; tests pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Duration budget;
    private final Sleeper sleeper;

    /**
     * @param budget how long to keep retrying; an Aurora Serverless v2 cluster resuming from zero
     *               takes about 15 s, so the default leaves room for that
     */
    public DataApiRetry(Duration firstDelay, Duration maxDelay, Duration budget, Sleeper sleeper) {
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.budget = budget;
        this.sleeper = sleeper;
    }

    public static DataApiRetry standard() {
        return new DataApiRetry(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(30),
                d -> Thread.sleep(d.toMillis()));
    }

    <T> T run(Supplier<T> call, String statement) {
        Duration requestLeft = RequestDeadline.left(); // a request's retries end before its answer is due
        long deadline = System.nanoTime() + (requestLeft != null && requestLeft.compareTo(budget) < 0
                ? requestLeft : budget).toNanos();
        Duration delay = firstDelay;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (SdkException e) {
                if (!worthRetrying(e) || System.nanoTime() + delay.toNanos() > deadline) {
                    throw new SqlException(statement, "after " + attempt + " attempt(s)", e);
                }
            }
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SqlException(statement, "while waiting to retry (interrupted)", e);
            }
            delay = delay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : delay.multipliedBy(2);
        }
    }

    /** True for the failures worth another try: the cluster could not take the call (see the class comment). */
    static boolean worthRetrying(SdkException e) {
        if (e instanceof DatabaseResumingException || e instanceof DatabaseUnavailableException
                || e instanceof ServiceUnavailableErrorException) {
            return true;
        }
        if (e instanceof RdsDataException service) {
            return service.isThrottlingException();
        }
        if (e instanceof SdkClientException) {
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                    return true;
                }
            }
        }
        return false;
    }
}
