package io.weightcast.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * HTTP calls to a service on this machine's loopback (the services bind 127.0.0.1 in tests), with one shared client.
 * Failures to connect are {@link UncheckedIOException}s so the calls fit in lambdas; wrap a call that may race a
 * starting server in {@link Await#ignoringFailures}.
 */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private Http() {
    }

    /** {@code http://127.0.0.1:port/path} ({@code path} starts with a slash and may carry a query). */
    public static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A request builder for {@code path} on {@code port}, for headers, timeouts and other methods. */
    public static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(uri(port, path));
    }

    /** Sends the request, the body read as a UTF-8 string. */
    public static HttpResponse<String> send(HttpRequest.Builder request) {
        return send(request.build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static HttpResponse<String> get(int port, String path) {
        return send(request(port, path).GET());
    }

    /** POSTs {@code body} with its {@code Content-Type}. */
    public static HttpResponse<String> post(int port, String path, String contentType, byte[] body) {
        return send(request(port, path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** The body of a GET, or "" when the server cannot be reached (a probe, before a server is up). */
    public static String bodyOrEmpty(int port, String path) {
        try {
            return get(port, path).body();
        } catch (UncheckedIOException e) {
            return "";
        }
    }
}
