package io.botfleet.bench;

import java.io.PrintStream;
import java.util.Locale;

/** The scale benchmark's figures against the targets they are measured for, each marked met or missed. */
final class ScaleTargets {
    static final double MAX_RATIO = 2.0;
    static final double MIN_ADMISSION_SHARE = 0.8;
    static final double MIN_WEBHOOKS_PER_SECOND = 200;
    static final double MAX_STATEMENTS_IMMEDIATE = 3;
    static final double MAX_STATEMENTS_DRAINED = 0.1;

    private ScaleTargets() {
    }

    static void print(PrintStream out, ScaleTable table, ScaleStep.Admission admission, WebhookBacklog.Result webhooks,
                      boolean ratios) {
        out.println("== targets ==");
        if (ratios) {
            out.printf(Locale.ROOT, "each request's median at the largest N over the smallest, at most %.0fx:%n", MAX_RATIO);
            for (String figure : table.figures(ScaleStep.LATENCY)) {
                if (!figure.startsWith("POST /bots, placed at once")) {
                    double ratio = table.ratio(figure, ScaleStep.LATENCY);
                    out.printf(Locale.ROOT, "  %-48s %8.2fx%s%n", figure, ratio, verdict(ratio <= MAX_RATIO));
                }
            }
        }
        if (admission != null) {
            double share = admission.atQueue() / admission.empty();
            out.printf(Locale.ROOT, "admission at %,d waiting over admission at an empty queue, at least %.0f%%: %.0f / %.0f"
                    + " per s = %.0f%%%s%n", admission.queue(), MIN_ADMISSION_SHARE * 100, admission.atQueue(),
                    admission.empty(), share * 100, verdict(share >= MIN_ADMISSION_SHARE));
        }
        if (webhooks != null) {
            out.printf(Locale.ROOT, "webhook backlog of %,d drained at least %.0f/s, each bot's order kept: %.1f/s, %s%s%n",
                    webhooks.backlog(), MIN_WEBHOOKS_PER_SECOND, webhooks.rate(),
                    webhooks.outOfOrder().isEmpty() ? "order kept" : webhooks.outOfOrder().size() + " bots out of order",
                    verdict(webhooks.rate() >= MIN_WEBHOOKS_PER_SECOND && webhooks.outOfOrder().isEmpty()));
        }
        double immediateStatements = table.max(ScaleStep.IMMEDIATE, ScaleStep.STATEMENTS);
        double drained = table.max(ScaleStep.DRAINED, ScaleStep.STATEMENTS);
        out.printf(Locale.ROOT, "statements per immediate deploy, at most %.0f at every N: %.2f%s%n",
                MAX_STATEMENTS_IMMEDIATE, immediateStatements, verdict(immediateStatements <= MAX_STATEMENTS_IMMEDIATE));
        out.printf(Locale.ROOT, "statements per drained bot, at most %.1f at every N: %.3f%s%n", MAX_STATEMENTS_DRAINED,
                drained, verdict(drained <= MAX_STATEMENTS_DRAINED));
    }

    private static String verdict(boolean met) {
        return met ? "  [met]" : "  [MISSED]";
    }
}
