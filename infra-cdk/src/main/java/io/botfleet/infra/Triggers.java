package io.botfleet.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Match;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.targets.LambdaInvoke;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * What makes processQueue and the ECS event handler run: an EventBridge Scheduler schedule, the
 * capacity-released queue (batched, partial batch failures, a dead-letter queue, bounded
 * concurrency), and a rule for the bots' stopped ECS tasks with its own dead-letter queue.
 */
final class Triggers extends Construct {
    private final Queue capacityReleased;
    private final Queue capacityDeadLetters;
    private final Queue ecsEventDeadLetters;

    /** The queues first: the functions are told the capacity queue's URL. */
    Triggers(Construct scope, String id) {
        super(scope, id);
        capacityDeadLetters = Queue.Builder.create(this, "CapacityReleasedDlq").encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true).retentionPeriod(Duration.days(14)).build();
        capacityReleased = Queue.Builder.create(this, "CapacityReleased").encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true).visibilityTimeout(Duration.seconds(6 * 120))
                .deadLetterQueue(DeadLetterQueue.builder().queue(capacityDeadLetters).maxReceiveCount(5).build()).build();
        ecsEventDeadLetters = Queue.Builder.create(this, "EcsEventsDlq").encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true).retentionPeriod(Duration.days(14)).build();
    }

    void wire(Functions functions, BotfleetProps props) {
        Schedule.Builder.create(this, "Drain").description("botfleet: drain the queue, reconcile, send due webhooks")
                .schedule(ScheduleExpression.rate(Duration.minutes(props.scheduleMinutes())))
                .target(LambdaInvoke.Builder.create(functions.alias("ProcessQueue")).retryAttempts(0).build())
                .build();
        functions.alias("CapacityReleased").addEventSource(SqsEventSource.Builder.create(capacityReleased)
                .batchSize(10).maxBatchingWindow(Duration.seconds(1)).reportBatchItemFailures(true)
                .maxConcurrency(props.processQueueReservedConcurrency() < 2 ? 2 : props.processQueueReservedConcurrency())
                .build());
        if (props.ecs() != null) {
            Rule.Builder.create(this, "EcsTaskStopped").description("botfleet: a bot's ECS task stopped")
                    .eventPattern(EventPattern.builder().source(List.of("aws.ecs")).detailType(List.of("ECS Task State Change"))
                            .detail(Map.of("clusterArn", List.of(props.ecs().clusterArn()), "lastStatus", List.of("STOPPED"),
                                    "startedBy", Match.prefix("botfleet-")))
                            .build())
                    .targets(List.of(LambdaFunction.Builder.create(functions.alias("EcsTaskEvents"))
                            .deadLetterQueue(ecsEventDeadLetters).retryAttempts(4).build()))
                    .build();
        }
    }

    Queue capacityReleased() {
        return capacityReleased;
    }

    List<Queue> deadLetterQueues() {
        return List.of(capacityDeadLetters, ecsEventDeadLetters);
    }
}
