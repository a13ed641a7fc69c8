package io.botfleet.deployment;

import io.botfleet.Log;
import io.botfleet.platform.LazyClient;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.node.StringNode;

/**
 * Sends a capacity-released message to the capacity queue, whose consumer is processQueue. A
 * failed send is logged and swallowed: the scheduled drain is the backstop, and the release it
 * reports has already been committed.
 */
public final class SqsCapacityReleasedPublisher implements CapacityReleasedPublisher {
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final LazyClient<SqsClient> sqs;
    private final String queueUrl;

    public SqsCapacityReleasedPublisher(SqsClient sqs, String queueUrl) {
        this(LazyClient.of(sqs), queueUrl);
    }

    /** @param sqs the client, made at the first send */
    public SqsCapacityReleasedPublisher(LazyClient<SqsClient> sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void capacityReleased(String platform) {
        String body = "{\"type\":\"capacity-released\",\"platform\":" + StringNode.valueOf(platform) + "}";
        try {
            sqs.get().sendMessage(request -> request.queueUrl(queueUrl).messageBody(body));
        } catch (SdkException e) {
            Log.warn("capacity.publish_failed", Map.of("platform", platform, "retryable", e.retryable()), e);
        } catch (RuntimeException e) { // the client could not be made: nothing was sent, and it is made again next time
            Log.warn("capacity.publish_failed", Map.of("platform", platform, "retryable", true), e);
        }
    }
}
