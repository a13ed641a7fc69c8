package io.botfleet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a cold start's time goes, read from the JVM's class-load log ({@code -Xlog:class+load} with
 * uptime): the classes loaded per dependency, and the time up to each load charged to that load's
 * dependency. Everything ships in one jar, so a class's dependency is told by its package.
 */
final class ClassLoadProfile {
    /** Package prefixes to dependency names, most specific first. */
    private static final List<Map.Entry<String, String>> DEPENDENCIES = List.of(
            Map.entry("io.botfleet.", "botfleet"), Map.entry("io.fabric8.", "fabric8"),
            Map.entry("software.amazon.awssdk.", "AWS SDK"), Map.entry("tools.jackson.", "Jackson 3"),
            Map.entry("com.fasterxml.jackson.", "Jackson 2"), Map.entry("okhttp3.", "OkHttp, Okio, Kotlin"),
            Map.entry("okio.", "OkHttp, Okio, Kotlin"), Map.entry("kotlin.", "OkHttp, Okio, Kotlin"),
            Map.entry("org.postgresql.", "PostgreSQL JDBC"), Map.entry("com.zaxxer.", "HikariCP"),
            Map.entry("com.amazonaws.", "Lambda events"), Map.entry("org.joda.", "Joda-Time"),
            Map.entry("org.snakeyaml.", "SnakeYAML"), Map.entry("org.slf4j.", "SLF4J"), Map.entry("org.crac.", "CRaC"),
            Map.entry("java.", "JDK"), Map.entry("javax.", "JDK"), Map.entry("jdk.", "JDK"), Map.entry("sun.", "JDK"),
            Map.entry("com.sun.", "JDK"));
    /** {@code [0.123s][info][class,load] java.lang.Object source: shared objects file} */
    private static final Pattern LOAD = Pattern.compile("^\\[([0-9.]+)s]\\S* (\\S+) source: ");

    record Share(int classes, double ms) {
    }

    private ClassLoadProfile() {
    }

    /** The log's loads per dependency, largest time first; from the probe's first call on, if {@code firstCallOnly}. */
    static Map<String, Share> of(Path log, boolean firstCallOnly) throws IOException {
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, double[]> times = new LinkedHashMap<>();
        double previous = 0;
        boolean counting = !firstCallOnly;
        for (String line : Files.readAllLines(log)) {
            Matcher m = LOAD.matcher(line);
            if (!m.find()) {
                continue;
            }
            double at = Double.parseDouble(m.group(1)) * 1000;
            if (!counting) {
                counting = m.group(2).equals(ColdStartProbe.FirstCall.class.getName());
                previous = at;
                continue;
            }
            String dependency = dependency(m.group(2));
            counts.computeIfAbsent(dependency, d -> new int[1])[0]++;
            times.computeIfAbsent(dependency, d -> new double[1])[0] += at - previous;
            previous = at;
        }
        Map<String, Share> shares = new LinkedHashMap<>();
        times.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> shares.put(e.getKey(), new Share(counts.get(e.getKey())[0], e.getValue()[0])));
        return shares;
    }

    private static String dependency(String className) {
        return DEPENDENCIES.stream().filter(d -> className.startsWith(d.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse("other");
    }
}
