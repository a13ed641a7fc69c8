package io.botfleet.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A listener of this process on the loopback address that answers one HTTP/1.1 request with a
 * fixed JSON body and closes the connection. SnapStart priming sends one request through each
 * real HTTP client stack (the JDK's sockets and HTTP connections, its HttpClient, OkHttp's
 * connections) to it, so their classes load before the snapshot as a first real call would load
 * them: nothing leaves the process, no name is resolved, and no connection is kept alive into the
 * snapshot.
 */
public final class LoopbackListener implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final ServerSocket socket;
    private final Thread answering;

    private LoopbackListener(byte[] answer) throws IOException {
        socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        answering = Thread.ofPlatform().daemon().name("priming-loopback").start(() -> answerOnce(answer));
    }

    /** Listens, and answers the first request with 200 and this JSON. */
    public static LoopbackListener answering(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] answer = new byte[head.length + body.length];
        System.arraycopy(head, 0, answer, 0, head.length);
        System.arraycopy(body, 0, answer, head.length, body.length);
        return new LoopbackListener(answer);
    }

    /** {@code http://127.0.0.1:<port>} (the loopback address as a literal: nothing to resolve). */
    public URI uri() {
        return URI.create("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + socket.getLocalPort());
    }

    /** Waits for the answer to be written (briefly), then stops listening. */
    @Override
    public void close() throws IOException {
        try {
            answering.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            socket.close();
        }
    }

    /** Reads the request's head and its Content-Length bytes of body, answers, and closes. */
    private void answerOnce(byte[] answer) {
        try (Socket connection = socket.accept()) {
            connection.setSoTimeout((int) TIMEOUT.toMillis());
            InputStream in = connection.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.append((char) b);
            }
            in.readNBytes(head.toString().lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElse(0));
            OutputStream out = connection.getOutputStream();
            out.write(answer);
            out.flush();
        } catch (IOException e) {
            // the caller's request then fails, and its priming part says so
        }
    }
}
