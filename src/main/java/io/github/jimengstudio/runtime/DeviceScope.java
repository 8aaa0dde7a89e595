package io.github.jimengstudio.runtime;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The device that creation ops ({@link Tensor#of}, {@link Tensor#zeros}, {@link Tensor#full},
 * {@link Tensor#arange}, ...) put new tensors on, for this thread, until closed — torch's
 * {@code with torch.device(d):}. A network opens one around its forward pass with the device it was loaded on:
 * <pre>{@code
 * try (DeviceScope on = DeviceScope.use(device)) {
 *     Tensor mask = Tensor.ofBooleans(m, 1, 1, n);   // lands on `device`
 *     ...
 * }
 * }</pre>
 * Why a scope and not a {@code device} argument on every creation op: the creations sit deep in small helpers of
 * each network (rotary tables, timestep sinusoids, masks, padding rows) that have no other reason to know the
 * device; threading it through every constructor and call would be noise on the math, and forgetting it once
 * would silently compute on the wrong device. One scope per public entry point states it once. Ops on existing
 * tensors need no scope: their results stay on their inputs' device, and mixing devices is an exception from
 * libtorch, never a silent copy — crossing devices is always an explicit {@link Tensor#toDevice}.
 *
 * <p>Outside any scope the device is the runtime's default ({@link TorchRuntime#device()}). Scopes nest and are
 * per thread; closing one also closes inner scopes left open by mistake.
 */
public final class DeviceScope implements AutoCloseable {

    private static final ThreadLocal<ArrayDeque<DeviceScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final ComputeDevice device;
    private boolean closed;

    private DeviceScope(ComputeDevice device) {
        this.device = device;
    }

    /**
     * Makes {@code device} this thread's creation device until the returned scope is closed.
     *
     * @throws TorchRuntimeException when libtorch has no such device (e.g. CUDA on a CPU-only machine or build),
     *                               before any native call
     */
    public static DeviceScope use(ComputeDevice device) {
        Objects.requireNonNull(device, "device");
        TorchRuntime.get().checkAvailable(device);
        DeviceScope s = new DeviceScope(device);
        STACK.get().push(s);
        return s;
    }

    /** The device new tensors are created on by this thread now. */
    public static ComputeDevice current() {
        DeviceScope s = STACK.get().peek();
        return s != null ? s.device : TorchRuntime.get().device();
    }

    public ComputeDevice device() {
        return device;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        ArrayDeque<DeviceScope> stack = STACK.get();
        if (stack.contains(this)) {
            while (stack.peek() != this) {
                stack.pop().closed = true;
            }
            stack.pop();
        }
        closed = true;
    }
}
