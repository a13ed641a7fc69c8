package io.botfleet.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * What an operator is told: a message in a dead-letter queue, a function failing or throttled,
 * a bot waiting in the queue for long, a scheduled bot that joined late, many bots ending FATAL, and
 * a webhook that failed for good (figures processQueue reports in Embedded Metric Format, no SDK call).
 */
final class Alarms extends Construct {
    static final String NAMESPACE = "botfleet";
    static final String OLDEST_QUEUED = "OldestQueuedBotAgeSeconds";
    static final String SCHEDULED_JOINS = "ScheduledJoins";
    static final String SCHEDULED_ON_TIME = "ScheduledOnTime";
    static final String BOTS_ENDED = "BotsEnded";
    static final String WEBHOOK_DELIVERIES = "WebhookDeliveries";
    /** The {@code service} dimension processQueue writes (POWERTOOLS_SERVICE_NAME, unset in this stack). */
    static final String SERVICE = "botfleet";

    Alarms(Construct scope, String id, Functions functions, List<Queue> deadLetterQueues) {
        super(scope, id);
        for (Queue dlq : deadLetterQueues) {
            Alarm.Builder.create(this, dlq.getNode().getId() + "Depth")
                    .alarmDescription("botfleet: messages in " + dlq.getNode().getId() + " (a trigger gave up on them)")
                    .metric(dlq.metricApproximateNumberOfMessagesVisible()).threshold(0).evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        }
        functions.all().forEach((name, function) -> {
            alarm(name + "Errors", "botfleet: " + name + " failed", function.metricErrors());
            alarm(name + "Throttles", "botfleet: " + name + " was throttled", function.metricThrottles());
        });
        Alarm.Builder.create(this, "OldestQueuedBot")
                .alarmDescription("botfleet: a bot has waited in the queue for more than 15 minutes")
                .metric(Metric.Builder.create().namespace(NAMESPACE).metricName(OLDEST_QUEUED)
                        .statistic("Maximum").period(Duration.minutes(5)).build())
                .threshold(15 * 60).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Alarm.Builder.create(this, "ScheduledBotLate")
                .alarmDescription("botfleet: a scheduled bot joined its call after its start time")
                .metric(MathExpression.Builder.create().expression("joins - onTime")
                        .usingMetrics(Map.of("joins", count(SCHEDULED_JOINS), "onTime", count(SCHEDULED_ON_TIME)))
                        .period(Duration.minutes(5)).label("Scheduled bots late").build())
                .threshold(0).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Alarm.Builder.create(this, "FatalBots")
                .alarmDescription("botfleet: more than a quarter of the bots that ended in 15 minutes ended FATAL"
                        + " (docs/failure-reasons.md says what each reason asks of you)")
                .metric(MathExpression.Builder.create().expression("100 * fatal / (fatal + done)")
                        .usingMetrics(Map.of("fatal", count(BOTS_ENDED, Map.of("status", "FATAL")),
                                "done", count(BOTS_ENDED, Map.of("status", "DONE"))))
                        .period(Duration.minutes(15)).label("FATAL share of ended bots (%)").build())
                .threshold(25).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Alarm.Builder.create(this, "WebhooksFailed")
                .alarmDescription("botfleet: a status webhook failed after its last retry (GET /bots/{id}/webhooks"
                        + " shows what the receiver answered)")
                .metric(count(WEBHOOK_DELIVERIES, Map.of("state", "FAILED")))
                .threshold(0).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
    }

    private static Metric count(String name) {
        return count(name, Map.of());
    }

    private static Metric count(String name, Map<String, String> dimensions) {
        Map<String, String> all = new java.util.HashMap<>(dimensions);
        all.put("service", SERVICE);
        return Metric.Builder.create().namespace(NAMESPACE).metricName(name).dimensionsMap(all)
                .statistic("Sum").period(Duration.minutes(5)).build();
    }

    private void alarm(String id, String description, Metric metric) {
        Alarm.Builder.create(this, id).alarmDescription(description).metric(metric).threshold(0).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
    }
}
