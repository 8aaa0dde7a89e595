package io.github.jimengstudio.pipeline.download;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;

/**
 * A failure that may pass if tried again: the connection could not be made or was lost, or the server answered
 * 408, 429 or 5xx. Kept apart from {@link java.io.IOException} so that a retry loop can never mistake a local disk
 * error for a network one.
 */
final class NetworkFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** The HTTP status for a server error; 0 when no answer came. */
    private final int status;

    NetworkFailure(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    NetworkFailure(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    /** True when no connection could be made at all: the machine is offline, DNS fails, or the host refuses. */
    boolean unreachable() {
        for (Throwable c = getCause(); c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException
                    || c instanceof ConnectException || c instanceof HttpConnectTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** A few words on what a low-level exception means, for messages (the JDK often nests the telling one). */
    static String describe(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return "its name cannot be resolved (no network, or no DNS)";
            }
            if (c instanceof HttpConnectTimeoutException) {
                return "no connection within the connect timeout";
            }
            if (c instanceof ConnectException) {
                return "connection refused or failed" + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")");
            }
            if (c instanceof HttpTimeoutException) {
                return "no answer within the time limit";
            }
            if (c instanceof SSLException) {
                return "TLS failed: " + c.getMessage() + " (a proxy or firewall intercepting HTTPS?)";
            }
        }
        Throwable c = e;
        while (c.getMessage() == null && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
