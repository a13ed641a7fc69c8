package io.botfleet.testing;

import io.botfleet.JsonMapping;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** The lines written to standard output (where every log line goes) while some work runs, each parsed as JSON. */
public final class LogLines {
    /** Work that may throw. */
    public interface Work {
        void run() throws Exception;
    }

    private LogLines() {
    }

    /** Every line {@code work} and the threads it started wrote meanwhile; fails on one that is not JSON. */
    public static List<JsonNode> of(Work work) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setOut(original);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).lines().toList()) {
            try {
                lines.add(JsonMapping.MAPPER.readTree(line));
            } catch (JacksonException notJson) {
                throw new AssertionError("a line that is not JSON: " + line, notJson);
            }
        }
        return lines;
    }
}
