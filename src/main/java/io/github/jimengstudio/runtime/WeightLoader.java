package io.github.jimengstudio.runtime;

import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.github.jimengstudio.tensor.DType;
import io.github.jimengstudio.tensor.TensorInfo;
import io.github.jimengstudio.tensor.WeightSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collection;

/**
 * Turns named weights of a {@link WeightSource} into tensors on one device, owned by a model's
 * {@link TensorScope#detached() detached scope}. Each network names its own device, so the text encoder and the
 * VAE can sit on the CPU in float32 while the transformer is on the GPU in bfloat16.
 *
 * <ul>
 *   <li>float32 residency: F32 on the CPU is zero-copy over the file mapping (marked read-only, so an in-place op
 *       copies it first); F16/BF16 are widened in Java straight into torch-allocated memory.</li>
 *   <li>bfloat16 (or float16) residency: the tensor is allocated in its final type and filled chunk by chunk from
 *       float32 (via the helper, round-to-nearest-even), so the float32 copy never exists whole.</li>
 * </ul>
 * Every shape is validated against the model's expectation before any byte reaches native code.
 *
 * <p>Moving a loaded weight set to another device is deliberately not offered: a network that leaves the GPU
 * (LOW_VRAM, idle release) is freed and later loaded again from the still-open mapping. A copy kept on the host
 * would hold the whole network a second time in RAM (bf16: 12 GB for the transformer) next to the page cache that
 * already holds the file; reloading costs one pass over the (usually cached) mapping and no extra memory.
 */
public final class WeightLoader {

    /** Elements converted per chunk on the bf16 path: 16 MB of float32. */
    static final int CHUNK = 1 << 22;

    private final WeightSource source;
    private final TensorScope owner;
    private final ElementType residency;
    private final ComputeDevice device;
    private final int chunk;
    /** Host memory the weights loaded so far hold (views of the file mapping and GPU weights not counted). */
    private long hostBytesLoaded;

    /**
     * @param owner the scope that will own every loaded tensor (usually the model's detached scope)
     * @param residency the type floating weights are held in: FLOAT32, BFLOAT16 or FLOAT16
     */
    public WeightLoader(WeightSource source, TensorScope owner, ElementType residency, ComputeDevice device) {
        this(source, owner, residency, device, CHUNK);
    }

    /** Loads onto the current device ({@link DeviceScope#current()}). */
    public WeightLoader(WeightSource source, TensorScope owner, ElementType residency) {
        this(source, owner, residency, DeviceScope.current(), CHUNK);
    }

    WeightLoader(WeightSource source, TensorScope owner, ElementType residency, ComputeDevice device, int chunk) {
        if (!residency.isFloating()) {
            throw new IllegalArgumentException("weights reside as a floating type, not " + residency);
        }
        TorchRuntime.get().checkAvailable(device);
        this.source = source;
        this.owner = owner;
        this.residency = residency;
        this.device = device;
        this.chunk = chunk;
    }

    /**
     * The host memory loading {@code names} takes here, as {@link #load} allocates it: none for float32 files held
     * in float32 on the CPU (views of the file mapping) or on a GPU, else each tensor at the residency's size. For
     * checking that a whole network fits ({@link NativeMemory#require}) before its first weight is read.
     */
    public long hostBytes(Collection<String> names) throws IOException {
        if (device.isCuda()) {
            return 0;
        }
        long bytes = 0;
        for (String name : names) {
            TensorInfo info = source.info(name);
            boolean mapped = info.dtype() == DType.F32 && residency == ElementType.FLOAT32
                    && canMapZeroCopy(source.data(name));
            if (info.dtype() != DType.I64 && !mapped) {
                bytes += info.numel() * residency.byteSize();
            }
        }
        return bytes;
    }

    /** Loads onto the current device in its compute type (float32 on CPU, bfloat16 on CUDA). */
    public WeightLoader(WeightSource source, TensorScope owner) {
        this(source, owner, DeviceScope.current().computeType());
    }

    public ElementType residency() {
        return residency;
    }

    /** The device every weight is loaded onto. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * The weight {@code name}, checked to have exactly {@code expectedShape}.
     *
     * @throws IOException naming the tensor and both shapes when they differ, or when the name is absent
     */
    public Tensor load(String name, long... expectedShape) throws IOException {
        TensorInfo info = checkedInfo(name, expectedShape);
        return owner.adopt(read(info, info.dtype() == DType.I64 ? ElementType.INT64 : residency));
    }

    /** The weight in an explicit type (e.g. a norm kept in float32 while the rest is bf16). */
    public Tensor load(String name, ElementType as, long... expectedShape) throws IOException {
        return owner.adopt(read(checkedInfo(name, expectedShape), as));
    }

    private TensorInfo checkedInfo(String name, long[] expectedShape) throws IOException {
        TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), expectedShape)) {
            throw new IOException("weight '" + name + "' in " + source.origin() + " has shape " + info.shapeString()
                    + " but the model expects " + Arrays.toString(expectedShape)
                    + " (a checkpoint of another model size, or a wrong config.json?)");
        }
        return info;
    }

    private Tensor read(TensorInfo info, ElementType as) throws IOException {
        Tensor t = readUncounted(info, as);
        if (!device.isCuda() && !t.isReadOnly()) { // a read-only tensor views the file mapping
            hostBytesLoaded += t.numel() * t.type().byteSize();
        }
        return t;
    }

    private Tensor readUncounted(TensorInfo info, ElementType as) throws IOException {
        Tensor.checkShape(info.shape());
        if (info.dtype() == DType.I64 || as == ElementType.INT64) {
            if (info.dtype() != DType.I64 || as != ElementType.INT64) {
                throw new IOException("weight '" + info.name() + "' is " + info.dtype() + "; cannot load it as " + as);
            }
            return readLongs(info);
        }
        if (!as.isFloating()) {
            throw new IOException("weight '" + info.name() + "' is floating; cannot load it as " + as);
        }
        TorchRuntime rt = TorchRuntime.get();
        if (as == ElementType.FLOAT32) {
            Tensor host = readFloat32Host(info);
            if (!device.isCuda()) {
                return host;
            }
            try (host) {
                return host.toDevice(device);
            }
        }
        return readNarrowed(info, as, rt);
    }

    /** float32 on the CPU: a zero-copy view of the mapping when possible, else widened into torch memory. */
    private Tensor readFloat32Host(TensorInfo info) throws IOException {
        ByteBuffer bytes = source.data(info.name());
        long[] shape = info.shape();
        TorchRuntime rt = TorchRuntime.get();
        if (info.dtype() == DType.F32 && canMapZeroCopy(bytes)) {
            PtNDArray a = JniUtils.createNdFromByteBuffer(rt.manager(), bytes, new Shape(shape),
                    ElementType.FLOAT32.djl(), SparseFormat.DENSE, ai.djl.Device.cpu());
            return Tensor.mapped(a, ElementType.FLOAT32, bytes);
        }
        reserveHost(info.numel() * Float.BYTES, info.name());
        PtNDArray a = JniUtils.createEmptyNdArray(rt.manager(), new Shape(shape), ElementType.FLOAT32.djl(),
                ai.djl.Device.cpu(), SparseFormat.DENSE);
        Tensor t = Tensor.wrap(a, ElementType.FLOAT32);
        if (info.numel() > 0) {
            source.readFloats(info.name(), 0, Tensor.hostBuffer(a));
        }
        return t;
    }

    /**
     * Refuses a weight the free memory cannot hold, before it is allocated ({@link NativeMemory#require}); the
     * network's load then fails whole and frees what it had loaded.
     */
    private void reserveHost(long bytes, String name) {
        try {
            NativeMemory.require(bytes, "the weight '" + name + "'");
        } catch (InsufficientMemoryException e) {
            throw new InsufficientMemoryException(e.getMessage() + " " + InsufficientMemoryException.sizeText(
                    hostBytesLoaded) + " of weights from " + source.origin() + " had been loaded before it.", e);
        }
    }

    /** libtorch reads floats through the pointer directly: it must be a little-endian, 4-byte aligned mapping. */
    private static boolean canMapZeroCopy(ByteBuffer bytes) {
        if (!bytes.isDirect() || bytes.capacity() == 0 || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return false;
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(bytes)) % 4 == 0;
    }

    /** Fills a tensor of a 16-bit type in chunks: Java widens to float32, torch rounds each chunk into place. */
    private Tensor readNarrowed(TensorInfo info, ElementType as, TorchRuntime rt) throws IOException {
        int n = Math.toIntExact(info.numel());
        if (!device.isCuda()) {
            reserveHost((long) n * as.byteSize(), info.name());
        }
        OpHelper h = rt.helper();
        PtNDArray flat = h.call("empty", new long[] {n}, (long) as.torchCode(), device.toString());
        try {
            if (n > 0) {
                if (info.dtype() == DType.F32) {
                    // the mapped float32 view is already the "chunk": one converting copy, nothing transient
                    try (Tensor src = readFloat32Host(info)) {
                        h.call("copy_into", flat, 0L, src.array()).close();
                    }
                } else {
                    fillInChunks(info, flat, n, h);
                }
            }
            PtNDArray shaped = JniUtils.reshape(flat, info.shape());
            return Tensor.fromHelper(shaped, as);
        } finally {
            flat.close();
        }
    }

    private void fillInChunks(TensorInfo info, PtNDArray flat, int n, OpHelper h) throws IOException {
        int chunk = Math.min(this.chunk, n);
        TorchRuntime rt = TorchRuntime.get();
        try (PtNDArray buf = JniUtils.createEmptyNdArray(rt.manager(), new Shape(chunk), ElementType.FLOAT32.djl(),
                ai.djl.Device.cpu(), SparseFormat.DENSE)) {
            ByteBuffer floats = Tensor.hostBuffer(buf);
            for (int at = 0; at < n; at += chunk) {
                int len = Math.min(chunk, n - at);
                source.readFloats(info.name(), at, floats.clear().limit(4 * len));
                if (len == chunk) {
                    h.call("copy_into", flat, (long) at, buf).close();
                } else {
                    try (PtNDArray part = JniUtils.slice(buf, 0, 0, len, 1)) {
                        h.call("copy_into", flat, (long) at, part).close();
                    }
                }
            }
        }
    }

    private Tensor readLongs(TensorInfo info) throws IOException {
        long[] values = source.longs(info.name());
        return Tensor.ofLongs(values, info.shape());
    }
}
