package io.botfleet.functions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The files the functions serve as they are, read from the jar once: the OpenAPI document
 * ({@code GET /openapi.json}) and the dashboard ({@code GET /}).
 */
final class Bundled {
    static final String OPENAPI = text("/openapi.json");
    static final String DASHBOARD = text("/dashboard.html");

    private Bundled() {
    }

    private static String text(String resource) {
        try (InputStream in = Bundled.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
