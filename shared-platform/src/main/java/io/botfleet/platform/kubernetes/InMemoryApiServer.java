package io.botfleet.platform.kubernetes;

import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.ByteArrayOutputStream;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * fabric8's JDK HTTP client factory with the JDK's {@link HttpClient} swapped for one that answers
 * in memory: everything of fabric8 runs as it does against a cluster (the client, its
 * interceptors, request building, the JSON both ways, the body handlers), and no name is resolved
 * and no connection is made. It answers the requests the Kubernetes adapter makes for one bot:
 * Job create, read, delete and list, Secret create, pod list. For priming only.
 */
final class InMemoryApiServer extends JdkHttpClientFactory {
    private static final String JOB = """
            {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "botfleet-bot-0", "uid": "00000000-0000-0000-0000-000000000000",
              "labels": {"app.kubernetes.io/managed-by": "botfleet", "botfleet.io/bot-id": "0"}},
             "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "bot", "image": "priming"}]}}},
             "status": {"active": 1, "startTime": "1970-01-01T00:00:00Z"}}""";
    private static final String POD = """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "botfleet-bot-0-priming",
              "labels": {"app.kubernetes.io/managed-by": "botfleet", "botfleet.io/bot-id": "0"}},
             "status": {"phase": "Succeeded", "containerStatuses": [{"name": "bot", "image": "priming", "imageID": "", "ready": false,
              "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}""";
    private static final String NOT_FOUND = """
            {"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}""";

    @Override
    protected HttpClient.Builder createNewHttpClientBuilder() {
        return new Builder(HttpClient.newBuilder());
    }

    /** The answer to a request: code and JSON. A create answers what it was sent, as the API server does. */
    static Map.Entry<Integer, String> answer(String method, String path, String body) {
        boolean jobs = path.startsWith("/apis/batch/v1/namespaces/") && path.contains("/jobs");
        boolean one = jobs && !path.endsWith("/jobs");
        if (method.equals("POST") && (path.endsWith("/jobs") || path.endsWith("/secrets"))) {
            return Map.entry(201, body);
        }
        if ((method.equals("GET") || method.equals("DELETE")) && one) {
            return Map.entry(200, JOB);
        }
        if (method.equals("GET") && jobs) {
            return Map.entry(200, "{\"apiVersion\": \"batch/v1\", \"kind\": \"JobList\", \"metadata\": {}, \"items\": [" + JOB + "]}");
        }
        if (method.equals("GET") && path.endsWith("/pods")) {
            return Map.entry(200, "{\"apiVersion\": \"v1\", \"kind\": \"PodList\", \"metadata\": {}, \"items\": [" + POD + "]}");
        }
        return Map.entry(404, NOT_FOUND);
    }

    /** The JDK's builder takes every setting fabric8 gives (so its checks run); what it builds answers in memory. */
    private record Builder(HttpClient.Builder jdk) implements HttpClient.Builder {
        @Override
        public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
            jdk.cookieHandler(cookieHandler);
            return this;
        }

        @Override
        public HttpClient.Builder connectTimeout(Duration duration) {
            jdk.connectTimeout(duration);
            return this;
        }

        @Override
        public HttpClient.Builder sslContext(SSLContext sslContext) {
            jdk.sslContext(sslContext);
            return this;
        }

        @Override
        public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
            jdk.sslParameters(sslParameters);
            return this;
        }

        @Override
        public HttpClient.Builder executor(Executor executor) {
            jdk.executor(executor);
            return this;
        }

        @Override
        public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
            jdk.followRedirects(policy);
            return this;
        }

        @Override
        public HttpClient.Builder version(HttpClient.Version version) {
            jdk.version(version);
            return this;
        }

        @Override
        public HttpClient.Builder priority(int priority) {
            jdk.priority(priority);
            return this;
        }

        @Override
        public HttpClient.Builder proxy(ProxySelector proxySelector) {
            jdk.proxy(proxySelector);
            return this;
        }

        @Override
        public HttpClient.Builder authenticator(Authenticator authenticator) {
            jdk.authenticator(authenticator);
            return this;
        }

        @Override
        public HttpClient.Builder localAddress(InetAddress localAddr) {
            jdk.localAddress(localAddr);
            return this;
        }

        @Override
        public HttpClient build() {
            return new Answering();
        }
    }

    /** An {@link HttpClient} without a network: each request gets {@link #answer}'s answer. */
    private static final class Answering extends HttpClient {
        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            try {
                String body = request.bodyPublisher().map(Answering::read).orElse("");
                Map.Entry<Integer, String> answer = answer(request.method(), request.uri().getPath(), body);
                HttpHeaders headers = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (k, v) -> true);
                HttpResponse.BodySubscriber<T> subscriber = handler.apply(new HttpResponse.ResponseInfo() {
                    @Override
                    public int statusCode() {
                        return answer.getKey();
                    }

                    @Override
                    public HttpHeaders headers() {
                        return headers;
                    }

                    @Override
                    public Version version() {
                        return Version.HTTP_1_1;
                    }
                });
                subscriber.onSubscribe(new OneChunk(subscriber, answer.getValue().getBytes(StandardCharsets.UTF_8)));
                return subscriber.getBody().toCompletableFuture()
                        .thenApply(b -> new Answered<>(request, answer.getKey(), headers, b));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
            return sendAsync(request, handler);
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            return sendAsync(request, handler).join();
        }

        /** The request's body, as the publisher gives it. */
        private static String read(HttpRequest.BodyPublisher publisher) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CompletableFuture<String> done = new CompletableFuture<>();
            publisher.subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ByteBuffer item) {
                    byte[] chunk = new byte[item.remaining()];
                    item.get(chunk);
                    bytes.writeBytes(chunk);
                }

                @Override
                public void onError(Throwable throwable) {
                    done.completeExceptionally(throwable);
                }

                @Override
                public void onComplete() {
                    done.complete(bytes.toString(StandardCharsets.UTF_8));
                }
            });
            return done.orTimeout(5, TimeUnit.SECONDS).join();
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return Optional.empty();
        }

        @Override
        public Redirect followRedirects() {
            return Redirect.NEVER;
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return Optional.empty();
        }

        @Override
        public SSLContext sslContext() {
            return null;
        }

        @Override
        public SSLParameters sslParameters() {
            return null;
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return Optional.empty();
        }

        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }

        @Override
        public Optional<Executor> executor() {
            return Optional.empty();
        }
    }

    /** Delivers the whole body as one chunk, then completes; a request made from inside onNext waits its turn. */
    private static final class OneChunk implements Flow.Subscription {
        private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
        private final byte[] body;
        private boolean delivering;
        private boolean done;

        OneChunk(Flow.Subscriber<? super List<ByteBuffer>> subscriber, byte[] body) {
            this.subscriber = subscriber;
            this.body = body;
        }

        @Override
        public void request(long n) {
            if (delivering || done) {
                return;
            }
            delivering = true;
            try {
                subscriber.onNext(List.of(ByteBuffer.wrap(body)));
                done = true;
                subscriber.onComplete();
            } finally {
                delivering = false;
            }
        }

        @Override
        public void cancel() {
            done = true;
        }
    }

    private record Answered<T>(HttpRequest request, int statusCode, HttpHeaders headers, T body) implements HttpResponse<T> {
        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
