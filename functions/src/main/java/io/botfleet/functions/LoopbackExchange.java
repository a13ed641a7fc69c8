package io.botfleet.functions;

import io.botfleet.platform.LoopbackListener;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * One POST through the URL-connection client every AWS client here uses, to a {@link
 * LoopbackListener}: the JDK's socket and HTTP connection classes load before the snapshot.
 */
final class LoopbackExchange {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private LoopbackExchange() {
    }

    static void run() throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        try (LoopbackListener listener = LoopbackListener.answering("{}");
             SdkHttpClient http = UrlConnectionHttpClient.builder().connectionTimeout(TIMEOUT).socketTimeout(TIMEOUT).build()) {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(listener.uri())
                            .putHeader("Content-Type", "application/x-amz-json-1.1")
                            .putHeader("Content-Length", Integer.toString(body.length)).build())
                    .contentStreamProvider(() -> new ByteArrayInputStream(body)).build()).call();
            if (response.responseBody().isPresent()) {
                try (InputStream in = response.responseBody().get()) {
                    in.readAllBytes();
                }
            }
        }
    }
}
