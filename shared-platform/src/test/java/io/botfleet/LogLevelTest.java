package io.botfleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * {@code LOG_LEVEL}, else the level a Lambda function's logging configuration sets
 * ({@code AWS_LAMBDA_LOG_LEVEL}: TRACE, DEBUG, INFO, WARN, ERROR or FATAL), decides the lowest level
 * written; a fresh JVM per case, as the level is read once. The database libraries' set-up lines
 * (their INFO) are DEBUG.
 */
class LogLevelTest {

    @ParameterizedTest(name = "LOG_LEVEL={0} AWS_LAMBDA_LOG_LEVEL={1}: {2}")
    @CsvSource({
            "'', '', 'info,warn,error'",
            "'', ERROR, 'error'",
            "'', FATAL, 'error'",
            "'', WARN, 'warn,error'",
            "'', DEBUG, 'setup,info,warn,error'",
            "'', TRACE, 'setup,info,warn,error'",
            "DEBUG, '', 'setup,info,warn,error'",
            "INFO, ERROR, 'info,warn,error'"})
    void lambdasLogLevelIsTheDefault(String logLevel, String lambdaLevel, String written) throws Exception {
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ThreeLines.class.getName());
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        if (!logLevel.isEmpty()) {
            env.put("LOG_LEVEL", logLevel);
        }
        if (!lambdaLevel.isEmpty()) {
            env.put("AWS_LAMBDA_LOG_LEVEL", lambdaLevel);
        }
        child.environment().clear();
        child.environment().putAll(env);
        Process process = child.redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> events = printed.lines().map(l -> l.contains("\"logger\":\"com.zaxxer.hikari.HikariDataSource\"")
                && l.contains("\"level\":\"DEBUG\"") ? "setup" : l.replaceAll(".*\"event\":\"([a-z]+)\".*", "$1")).toList();
        assertThat(events).as(printed).containsExactly(written.split(","));
    }

    /** A pool's set-up line, then one line at each level. */
    public static final class ThreeLines {
        public static void main(String[] args) {
            LoggerFactory.getLogger("com.zaxxer.hikari.HikariDataSource").info("{} - Starting...", "botfleet");
            Log.info("info", Map.of());
            Log.warn("warn", Map.of());
            Log.error("error", Map.of());
        }
    }
}
