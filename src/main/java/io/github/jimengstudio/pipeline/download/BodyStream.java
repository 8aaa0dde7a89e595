package io.github.jimengstudio.pipeline.download;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A response body read by the downloading thread, one batch of buffers at a time, with a limit on silence and a
 * way out on cancel. The JDK's blocking body stream has neither: its read waits forever on a connection that died
 * without closing. The subscriber asks the client for one batch after the previous one was taken, so the client
 * never reads ahead of the disk.
 */
final class BodyStream implements HttpResponse.BodySubscriber<BodyStream> {
    private static final Object END = new Object();
    private static final long POLL_MILLIS = 20;

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private Flow.Subscription subscription;
    private boolean discarded;
    private boolean finished;

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (discarded) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        queue.add(throwable);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public CompletionStage<BodyStream> getBody() {
        // Complete at once: the client hands over the response as soon as the headers are in.
        return CompletableFuture.completedFuture(this);
    }

    /**
     * The next buffers of the body, or null at its end.
     *
     * @throws NetworkFailure when the connection fails or stays silent for {@code idle}
     * @throws DownloadCancelledException when {@code stopped} turns true while waiting
     */
    @SuppressWarnings("unchecked")
    List<ByteBuffer> next(Duration idle, BooleanSupplier stopped) throws NetworkFailure {
        if (finished) {
            return null;
        }
        long deadline = System.nanoTime() + idle.toNanos();
        while (true) {
            // Asked before every batch too: on a fast line the queue is never empty long enough to notice.
            if (stopped.getAsBoolean()) {
                discard();
                throw new DownloadCancelledException("Download stopped.");
            }
            Object o;
            try {
                o = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                discard();
                throw new DownloadCancelledException("Download interrupted.");
            }
            if (o instanceof List) {
                requestMore();
                return (List<ByteBuffer>) o;
            }
            if (o == END) {
                finished = true;
                return null;
            }
            if (o instanceof Throwable t) {
                finished = true;
                throw new NetworkFailure("the connection broke: " + NetworkFailure.describe(t), t);
            }
            if (System.nanoTime() - deadline > 0) {
                discard();
                throw new NetworkFailure("no data for " + Units.duration(idle), new HttpTimeoutException("idle"));
            }
        }
    }

    /** The whole body, for small answers (listings, error pages); refuses one larger than {@code limit}. */
    byte[] readAll(int limit, Duration idle, BooleanSupplier stopped) throws NetworkFailure, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (List<ByteBuffer> batch; (batch = next(idle, stopped)) != null; ) {
            for (ByteBuffer b : batch) {
                if (out.size() + b.remaining() > limit) {
                    discard();
                    throw new IOException("answer larger than " + Units.bytes(limit));
                }
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes);
            }
        }
        return out.toByteArray();
    }

    private synchronized void requestMore() {
        if (!discarded) {
            subscription.request(1);
        }
    }

    /** Stops reading; the client closes the connection if the body was not over. */
    synchronized void discard() {
        finished = true;
        if (!discarded) {
            discarded = true;
            if (subscription != null) {
                subscription.cancel();
            }
        }
    }
}
