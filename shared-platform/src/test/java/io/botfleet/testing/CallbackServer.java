package io.botfleet.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.botfleet.bot.BotStatus;
import io.botfleet.deployment.BotDeploymentService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bots' callback route ({@code POST /bots/{id}/status}) on a local port, for tests whose bots
 * are real simulated bots started by a fake platform: it hands each callback to the service as
 * the HTTP handler does in the product.
 */
public final class CallbackServer implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.shared();
    private final HttpServer server;
    private volatile BotDeploymentService deployments;

    public CallbackServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/bots/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Where callbacks go; until set, they are answered 503 and the bots retry. */
    public void deliverTo(BotDeploymentService deployments) {
        this.deployments = deployments;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getPath().split("/"); // "", "bots", id, "status"
            BotDeploymentService target = deployments;
            if (target == null || path.length != 4 || !path[3].equals("status")) {
                exchange.sendResponseHeaders(target == null ? 503 : 404, -1);
                return;
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            String status = body.path("status").asString(null);
            var answer = target.report(Long.parseLong(path[2]), exchange.getRequestHeaders().getFirst("X-Bot-Token"),
                    status == null ? null : BotStatus.valueOf(status), body.path("reason").asString(null));
            exchange.sendResponseHeaders(switch (answer.result()) {
                case ACCEPTED -> 200;
                case UNAUTHORIZED -> 401;
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
            }, -1);
        } catch (RuntimeException e) {
            exchange.sendResponseHeaders(500, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
