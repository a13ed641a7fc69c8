package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * While the runner stops its bots, a new bot would be started that nobody stops, so it outlives
 * the runner and holds a unit at the next start: new bots are refused, the bots' callbacks (and
 * reads) still go through, so the bots being stopped can report their end.
 */
class LocalHttpServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> served = new CopyOnWriteArrayList<>();
    private LocalHttpServer server;

    @AfterEach
    void stop() {
        server.stop();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void whileTheRunnerStopsANewBotIsRefusedAndCallbacksStillGoThrough() throws Exception {
        server = new LocalHttpServer(0);
        server.start((event, context) -> {
            served.add(event.getRequestContext().getHttp().getMethod() + " " + event.getRawPath());
            return APIGatewayV2HTTPResponse.builder().withStatusCode(200).build();
        }, () -> "");
        server.refuseNewBots();

        HttpResponse<String> deploy = send("POST", "/bots");
        assertThat(deploy.statusCode()).isEqualTo(503);
        assertThat(deploy.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(deploy.body()).contains("urn:botfleet:problem:shutting-down");
        assertThat(send("POST", "/bots/7/status").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/bots/7").statusCode()).isEqualTo(200);
        assertThat(served).containsExactly("POST /bots/7/status", "GET /bots/7");
    }
}
