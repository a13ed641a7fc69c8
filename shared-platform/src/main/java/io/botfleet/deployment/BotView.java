package io.botfleet.deployment;

import io.botfleet.bot.Bot;
import io.botfleet.platform.PlatformStatus;
import java.time.Duration;

/** A bot as the status route shows it: the row, its queue entry if any, and the platform's word. */
public record BotView(Bot bot, QueueEntry queueEntry, Duration estimatedWait, PlatformStatus platformStatus) {
}
