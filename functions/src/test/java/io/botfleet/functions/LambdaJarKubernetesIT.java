package io.botfleet.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lambda jar carries every class the Kubernetes platform loads: the build keeps only the fabric8
 * model jars botfleet uses, and a class left out would fail only in a deployed function. Runs
 * after packaging, on {@code target/botfleet-lambda.jar}: {@link KubernetesOnTheLambdaJar} in a
 * JVM whose class path is that jar and the test classes, against fabric8's mock API server in this
 * JVM, with the JVM's class-load log to show where each class came from.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LambdaJarKubernetesIT {
    private static final Path JAR = Path.of("target", "botfleet-lambda.jar");
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) source: (\\S+)");
    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void aJobsWholeLifeRunsOnTheLambdaJarAlone(@TempDir Path dir) throws Exception {
        assertThat(JAR).as("the packaged Lambda jar").isRegularFile();
        // the bot's pod, finished: read by status, list and stop
        client.pods().inNamespace("bots").resource(new PodBuilder().withNewMetadata().withName("botfleet-bot-7-x1")
                .withLabels(Map.of("app.kubernetes.io/managed-by", "botfleet", "botfleet.io/bot-id", "7")).endMetadata()
                .withNewStatus().withPhase("Succeeded").addNewContainerStatus().withName("bot").withNewState()
                .withNewTerminated().withExitCode(0).withReason("Completed").endTerminated().endState()
                .endContainerStatus().endStatus().build()).create();
        // another bot's Job as a cluster with gang scheduling returns it: reading it takes the scheduling model
        client.batch().v1().jobs().inNamespace("bots").load(new ByteArrayInputStream("""
                {"apiVersion": "batch/v1", "kind": "Job",
                 "metadata": {"name": "botfleet-bot-8", "labels": {"app.kubernetes.io/managed-by": "botfleet", "botfleet.io/bot-id": "8"}},
                 "spec": {"scheduling": {"schedulingPolicy": {"gang": {"minCount": 1}}},
                          "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "bot", "image": "ghcr.io/botfleet/zoom-bot:1.0"}]}}},
                 "status": {"active": 1}}""".getBytes(StandardCharsets.UTF_8))).create();
        Path testClasses = Path.of(KubernetesOnTheLambdaJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path output = dir.resolve("out.txt");
        Path classLog = dir.resolve("classes.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + classLog, "-Dbotfleet.log.level=WARN",
                "-cp", JAR.toAbsolutePath() + java.io.File.pathSeparator + testClasses,
                KubernetesOnTheLambdaJar.class.getName(), client.getConfiguration().getMasterUrl())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the run ends within 2 minutes").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(child.exitValue()).as("the run on the Lambda jar; it printed:%n%s", printed).isZero();
        assertThat(printed.lines().filter(l -> !l.startsWith("{")).toList()).containsExactly(
                "deployed botfleet-bot-7", "deployed again botfleet-bot-7", "status SUCCEEDED", "found botfleet-bot-7",
                "listed 2", "stopped botfleet-bot-7", "status SUCCEEDED");
        assertThat(client.secrets().inNamespace("bots").withName("botfleet-bot-7").get()).as("the bot's Secret").isNotNull();
        assertThat(client.batch().v1().jobs().inNamespace("bots").withName("botfleet-bot-7").get()).as("the Job, stopped").isNull();

        Map<String, List<String>> bySource = Files.readAllLines(classLog).stream().map(LOADED::matcher).filter(Matcher::find)
                .filter(m -> m.group(2).startsWith("file:"))
                .collect(Collectors.groupingBy(m -> m.group(2), Collectors.mapping(m -> m.group(1), Collectors.toList())));
        assertThat(bySource.keySet()).as("every class from a file came from the Lambda jar, or is the run's own")
                .containsExactlyInAnyOrder(JAR.toUri().toString().replace("file:///", "file:/"),
                        testClasses.toUri().toString().replace("file:///", "file:/"));
        assertThat(bySource.values().stream().flatMap(List::stream))
                .as("the Job's and the pod's model classes were loaded, from the jar")
                .contains("io.fabric8.kubernetes.api.model.batch.v1.JobSpec", "io.fabric8.kubernetes.api.model.PodStatus");
    }
}
