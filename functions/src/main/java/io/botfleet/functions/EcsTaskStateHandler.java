package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.Log;
import io.botfleet.Services;
import io.botfleet.platform.HybridPlatformService;
import io.botfleet.platform.PlatformStatus;
import io.botfleet.platform.aws.AwsPlatformService;
import io.botfleet.platform.mappers.EcsStatusMapper;
import io.botfleet.platform.mappers.EcsStatusMapper.ContainerExit;
import io.botfleet.platform.mappers.EcsStatusMapper.TaskState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * EventBridge "ECS Task State Change" events of the bots' cluster: a STOPPED task of a bot ends
 * the bot at once (DONE when its call had ended or its container exited 0, else FATAL with ECS's
 * reason), or, when Spot capacity was reclaimed before the bot joined, puts it back at the front
 * of the queue; its unit is given back and a drain follows. Only the task the bot has now counts,
 * so a duplicate or a late event changes nothing; other tasks and other states are ignored. The
 * scheduled reconcile reaches the same verdict if an event is lost.
 */
public final class EcsTaskStateHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    private final HybridPlatformService hybrid;
    private final String botContainer;

    public EcsTaskStateHandler() {
        this(FunctionServices.get());
    }

    public EcsTaskStateHandler(Services services) {
        this.hybrid = services.hybrid();
        this.botContainer = services.settings().ecs() == null ? "bot" : services.settings().ecs().containerName();
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        if (context != null) {
            Log.setRequestId(context.getAwsRequestId());
        }
        Map<String, Object> detail = event.getDetail() == null ? Map.of() : event.getDetail();
        Optional<Long> botId = AwsPlatformService.botOfTask(text(detail.get("startedBy")));
        String taskArn = text(detail.get("taskArn"));
        if (botId.isEmpty() || taskArn == null || !"STOPPED".equals(detail.get("lastStatus"))) {
            return Map.of("changed", false, "ignored", botId.isEmpty() ? "not a botfleet task" : "not stopped");
        }
        PlatformStatus status = EcsStatusMapper.map(new TaskState(text(detail.get("lastStatus")),
                text(detail.get("desiredStatus")), text(detail.get("stopCode")), text(detail.get("stoppedReason")),
                containers(detail.get("containers"))), botContainer);
        boolean changed = hybrid.containerEnded(botId.get(), "aws", taskArn, status);
        Log.info("aws.task_stopped", Map.of("botId", botId.get(), "platform", "aws", "task", taskArn,
                "status", status.state().name(), "changed", changed, "reason", String.valueOf(status.reason())));
        return Map.of("changed", changed, "botId", botId.get());
    }

    private static List<ContainerExit> containers(Object containers) {
        if (!(containers instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().filter(Map.class::isInstance).map(c -> (Map<?, ?>) c).map(c -> new ContainerExit(
                text(c.get("name")), c.get("exitCode") instanceof Number n ? n.intValue() : null, text(c.get("reason")))).toList();
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
