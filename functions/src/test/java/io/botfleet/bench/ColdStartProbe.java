package io.botfleet.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.io.IOException;
import java.io.InputStream;
import io.botfleet.functions.BotStatusHandler;
import io.botfleet.functions.DeployBotHandler;
import io.botfleet.functions.Priming;
import io.botfleet.functions.ProcessQueueHandler;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * One cold start, in the JVM {@link ColdStartBenchmark} started for it: constructs one handler
 * from the environment as Lambda does and says so (the benchmark times JVM start to that line),
 * optionally primes as the SnapStart hook would, then times a first and a second call.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    /** The baseline: the least a Java handler costs. */
    public static final class Trivial implements RequestHandler<Object, String> {
        @Override
        public String handleRequest(Object input, Context context) {
            return "ok";
        }
    }

    /** Loaded just before the first call: in a class-load log, what comes after it is the first call's. */
    static final class FirstCall {
        static void begins() {
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void main(String[] args) throws IOException {
        String name = args[0];
        boolean primed = args.length > 1 && args[1].equals("primed");
        RequestHandler handler = switch (name) {
            case "trivial" -> new Trivial();
            case "deploy" -> new DeployBotHandler();
            case "status" -> new BotStatusHandler();
            case "processQueue" -> new ProcessQueueHandler();
            default -> throw new IllegalArgumentException(name);
        };
        System.out.println("PROBE constructed");
        System.out.flush();
        Object event = switch (name) {
            case "deploy" -> withoutOutsideCalls(httpEvent("apigw/deploy-bot.json"));
            case "status" -> httpEvent("apigw/get-capacity.json");
            case "processQueue" -> new ScheduledEvent();
            default -> "ping";
        };
        if (primed && !name.equals("trivial")) {
            Priming.primeThisContainer();
        }
        FirstCall.begins();
        long first = System.nanoTime();
        answered(name, handler.handleRequest(event, null));
        long second = System.nanoTime();
        answered(name, handler.handleRequest(event, null));
        long end = System.nanoTime();
        System.out.println("PROBE " + (second - first) / 1_000 + " " + (end - second) / 1_000);
        System.exit(0);
    }

    /** A call that failed, or a deploy that queued its bot, would time the wrong path. */
    private static void answered(String name, Object answer) {
        if (answer instanceof APIGatewayV2HTTPResponse http && http.getStatusCode() != (name.equals("deploy") ? 201 : 200)) {
            throw new IllegalStateException(name + " answered " + http.getStatusCode() + ": " + http.getBody());
        }
    }

    /** A fixture of events/, read with the Jackson the artifact carries (nothing else on the class path). */
    private static APIGatewayV2HTTPEvent httpEvent(String fixture) throws IOException {
        try (InputStream in = ColdStartProbe.class.getClassLoader().getResourceAsStream(fixture)) {
            return JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build()
                    .readValue(in, APIGatewayV2HTTPEvent.class);
        }
    }

    /**
     * The fixture's deploy, each a new bot (no idempotency key), whose webhooks go to a loopback
     * address: the sender refuses it before resolving or connecting, so no run waits on the network.
     */
    private static APIGatewayV2HTTPEvent withoutOutsideCalls(APIGatewayV2HTTPEvent event) {
        event.getHeaders().remove("idempotency-key");
        event.setBody(event.getBody().replace("https://example.com/", "https://127.0.0.1/"));
        return event;
    }
}
