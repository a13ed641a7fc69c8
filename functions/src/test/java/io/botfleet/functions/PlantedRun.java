package io.botfleet.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.botfleet.local.LocalContext;
import io.botfleet.store.DatabaseSettings;
import io.botfleet.store.Databases;
import io.botfleet.store.Params;
import io.botfleet.store.Sql;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * {@link PlantedSecretsTest}'s function in its own JVM, built from the environment as in Lambda.
 * {@code start}: only start up (an error escapes, as from a Lambda's init). {@code serve <file>}:
 * good and bad requests, a drain against failing platforms, statements the database refuses
 * (through the store and through the API); the answers go to the file.
 */
public final class PlantedRun {
    private static final LocalContext CONTEXT = new LocalContext("botfleet-api", Duration.ofSeconds(30));

    private PlantedRun() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("start")) {
            new ApiHandler();
            System.exit(0);
        }
        ApiHandler api = new ApiHandler();
        ProcessQueueHandler queue = new ProcessQueueHandler();
        String password = PlantedSecretsTest.PASSWORD;
        StringBuilder answers = new StringBuilder();

        answers.append(call(api, "POST", "/bots", deploy(password, "Notetaker")));
        answers.append(call(api, "GET", "/bots/1", null));
        answers.append(call(api, "GET", "/capacity", null));
        answers.append(call(api, "POST", "/bots", deploy(password + "\\u0000", "Notetaker")));
        answers.append(call(api, "POST", "/bots", deploy(password.repeat(20), "Notetaker")));
        String good = deploy(password, "Notetaker");
        answers.append(call(api, "POST", "/bots", good.substring(0, good.indexOf(password) + password.length() + 1)));
        answers.append(call(api, "POST", "/bots", "{\"meeting\":{\"password\":" + password + "}}")); // not JSON: unquoted
        answers.append(call(api, "POST", "/bots/1/status", "{\"status\":\"IN_CALL\",\"token\":\"" + password + "\"}"));
        queue.handleRequest(new ScheduledEvent(), CONTEXT); // the platforms' ticks fail, the webhook's receiver too

        Sql sql = Databases.open(DatabaseSettings.from(System.getenv()), null, 1).sql();
        sql.update("CREATE TABLE planted (k text PRIMARY KEY)", Params.of());
        String insert = "INSERT INTO planted (k) VALUES (:k)";
        sql.update(insert, Params.of("k", password));
        refused(() -> sql.update(insert, Params.of("k", password))); // Detail: Key (k)=(...) already exists
        refused(() -> sql.query("SELECT CAST(:v AS integer) AS n", Params.of("v", password)));
        refused(() -> sql.query("SELECT CAST(:v AS jsonb) AS j", Params.of("v", "{\"password\": " + password + "}")));
        // through the API: the database refuses the new bot's row, and its Detail quotes that row
        sql.update("ALTER TABLE bots ADD CONSTRAINT planted_refusal CHECK (display_name <> 'refuse me')", Params.of());
        answers.append(call(api, "POST", "/bots", deploy(password, "refuse me")));

        Files.writeString(Path.of(args[1]), answers, StandardCharsets.UTF_8);
        System.exit(0);
    }

    private static String deploy(String password, String displayName) {
        return "{\"meeting\":{\"platform\":\"zoom\",\"url\":\"https://zoom.us/j/123456789\",\"password\":\"" + password
                + "\"},\"displayName\":\"" + displayName + "\",\"callbackUrl\":\"" + System.getenv("PLANTED_CALLBACK_URL") + "\"}";
    }

    private static String call(ApiHandler api, String method, String path, String body) {
        APIGatewayV2HTTPEvent event = Api.event("apigw/default-route-deploy-bot.json");
        event.getHeaders().remove("idempotency-key");
        event.setRawPath(path);
        event.getRequestContext().getHttp().setMethod(method);
        event.getRequestContext().getHttp().setPath(path);
        event.setBody(body);
        APIGatewayV2HTTPResponse response = api.handleRequest(event, CONTEXT);
        return method + " " + path + " status=" + response.getStatusCode() + " " + response.getBody() + "\n";
    }

    /** A refused statement as a library logs one, then as an uncaught exception is printed (Lambda prints those). */
    private static void refused(Runnable statement) throws InterruptedException {
        try {
            statement.run();
        } catch (RuntimeException e) {
            LoggerFactory.getLogger("io.botfleet.planted").error("the statement was refused", e);
            Thread thread = new Thread(() -> {
                throw e;
            });
            thread.start();
            thread.join();
            return;
        }
        throw new AssertionError("the database took the statement");
    }
}
