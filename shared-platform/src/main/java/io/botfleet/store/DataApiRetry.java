package io.botfleet.store;

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
 * Bounded retry with exponential backoff for Data API failures that prove the statement did not
 * run: the cluster is resuming from zero capacity, the writer is unavailable, the call was
 * throttled, or the connection failed before the request was sent. Anything else (a read timeout,
 * a 500) may have run the statement, so it is not retried blindly: it surfaces as an
 * {@link SqlException}, and the statements themselves are guarded so that a caller's retry is
 * harmless. The SDK's own retries are switched off for the same reason.
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
        long deadline = System.nanoTime() + budget.toNanos();
        Duration delay = firstDelay;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (SdkException e) {
                if (!notExecuted(e) || System.nanoTime() + delay.toNanos() > deadline) {
                    throw new SqlException("Data API call failed after " + attempt + " attempt(s): " + e.getMessage()
                            + " [" + abbreviate(statement) + "]", e);
                }
            }
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SqlException("interrupted while waiting to retry", e);
            }
            delay = delay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : delay.multipliedBy(2);
        }
    }

    /** True only when the failure shows the statement never reached the database. */
    static boolean notExecuted(SdkException e) {
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

    private static String abbreviate(String statement) {
        String flat = statement.replaceAll("\\s+", " ").strip();
        return flat.length() <= 80 ? flat : flat.substring(0, 80) + "...";
    }
}
