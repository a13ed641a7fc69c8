package io.botfleet.platform.aws;

import io.botfleet.bot.Bot;
import io.botfleet.config.EcsSettings;
import io.botfleet.platform.mappers.EcsStatusMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.PropagateTags;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * What a bot's RunTask carries: its meeting platform's task definition, the bot's own environment
 * as a container override (shared secrets stay in the task definition), awsvpc networking, the
 * capacity provider strategy, tags, and two names derived from the bot. {@code startedBy}
 * ({@code botfleet-42}) finds the bot's tasks again and survives StopTask, which drops tags; the
 * client token ({@code botfleet-42-3}: the bot and its claim) makes RunTask idempotent for a deploy
 * repeated after a lost answer, and new for a fresh claim.
 */
final class EcsTasks {
    private static final String STARTED_BY = "botfleet-";

    private final EcsSettings settings;

    EcsTasks(EcsSettings settings) {
        this.settings = settings;
    }

    /** At most 36 characters, as ECS allows. */
    static String startedBy(long botId) {
        return STARTED_BY + botId;
    }

    static String clientToken(Bot bot) {
        return STARTED_BY + bot.id() + "-" + bot.deployAttempts();
    }

    /** The bot a task belongs to, from its {@code startedBy}, if botfleet started it. */
    static Optional<Long> botId(String startedBy) {
        if (startedBy == null || !startedBy.startsWith(STARTED_BY)) {
            return Optional.empty();
        }
        String id = startedBy.substring(STARTED_BY.length());
        return !id.isEmpty() && id.chars().allMatch(Character::isDigit) ? Optional.of(Long.parseLong(id)) : Optional.empty();
    }

    RunTaskRequest runTask(Bot bot, Map<String, String> environment, List<EcsSettings.CapacityProvider> strategy, String token) {
        List<KeyValuePair> env = new ArrayList<>();
        environment.forEach((k, v) -> env.add(KeyValuePair.builder().name(k).value(v).build()));
        List<Tag> tags = new ArrayList<>(List.of(tag("botfleet:managed-by", "botfleet"), tag("botfleet:bot-id", Long.toString(bot.id())),
                tag("botfleet:meeting-platform", bot.config().meeting().platform().wireName())));
        if (bot.config().tenant() != null) {
            tags.add(tag("botfleet:tenant", bot.config().tenant()));
        }
        RunTaskRequest.Builder request = RunTaskRequest.builder()
                .cluster(settings.cluster())
                .taskDefinition(settings.taskDefinitions().get(bot.config().meeting().platform()))
                .count(1)
                .startedBy(startedBy(bot.id()))
                .clientToken(token)
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(settings.subnets())
                        .securityGroups(settings.securityGroups())
                        .assignPublicIp(settings.assignPublicIp() ? AssignPublicIp.ENABLED : AssignPublicIp.DISABLED)))
                .overrides(o -> o.containerOverrides(c -> c.name(settings.containerName()).environment(env)))
                .tags(tags)
                .propagateTags(PropagateTags.TASK_DEFINITION)
                .enableECSManagedTags(true);
        if (!strategy.isEmpty()) {
            request.capacityProviderStrategy(strategy.stream().map(p -> CapacityProviderStrategyItem.builder()
                    .capacityProvider(p.name()).weight(p.weight()).base(p.base()).build()).toList());
        }
        return request.build();
    }

    /** A described task, for the status mapper. */
    static EcsStatusMapper.TaskState state(Task task) {
        return new EcsStatusMapper.TaskState(task.lastStatus(), task.desiredStatus(), task.stopCodeAsString(),
                task.stoppedReason(), task.containers().stream()
                .map(c -> new EcsStatusMapper.ContainerExit(c.name(), c.exitCode(), c.reason())).toList());
    }

    /** Tag values are at most 256 characters. */
    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value.length() > 256 ? value.substring(0, 256) : value).build();
    }
}
