package io.botfleet.platform.kubernetes;

import io.botfleet.config.ConfigException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.util.function.Supplier;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;

/**
 * The cluster's config from the kubeconfig a setting gives. One that cannot be read is named by
 * its setting and the line the parser stopped at, never with the parser's message: that quotes
 * the line, which may be the user's token. A value is checked at start-up, a file when the
 * platform is first called.
 */
final class Kubeconfig {
    private Kubeconfig() {
    }

    /** A kubeconfig given as a value, read as YAML only: nothing it points to is read, no plugin it names runs. */
    static void check(String setting, String content) {
        read(setting, () -> KubeConfigUtils.parseConfigFromString(content));
    }

    static <T> T read(String setting, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (RuntimeException e) {
            Integer line = line(e);
            throw new ConfigException(setting + " is not a kubeconfig fabric8 can read"
                    + (line == null ? "" : " (line " + line + ")"), e);
        }
    }

    /** Where the YAML went wrong: the start of the construct that broke, else the point of failure; null if unknown. */
    private static Integer line(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYamlEngineException yaml) {
                return yaml.getContextMark().or(yaml::getProblemMark).map(Mark::getLine).map(l -> l + 1).orElse(null);
            }
            if (cause instanceof JacksonException json && json.getLocation() != null && json.getLocation().getLineNr() > 0) {
                return json.getLocation().getLineNr();
            }
        }
        return null;
    }
}
