package io.github.jimengstudio.runtime;

import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A tensor on the engine's device: the facade over DJL's NDArray that every network is written against.
 *
 * <p>Why a facade: DJL's PyTorch binding kills the JVM when it meets bfloat16 (and INT16/UINT*), and some of its
 * calls forward a tensor's type to native code even when the op itself would not care. This class tracks the
 * element type itself ({@link #type()}), sends DJL only the calls that are safe for that type, and routes the
 * rest through the TorchScript helper. It also copies a tensor that views a read-only memory-mapped file before
 * the first in-place change (writing to such memory is a SIGSEGV), and keeps scalar constants as cached tensors
 * (a Java number argument would cost a native allocation per call).
 *
 * <p>Lifetime: a new tensor belongs to the thread's innermost open {@link TensorScope}, or to nobody (then the
 * creator closes it). Closing twice is harmless; using a closed tensor throws.
 *
 * <p>Axes may be negative (counted from the end) everywhere.
 */
public final class Tensor implements AutoCloseable {

    private PtNDArray array;
    private final ElementType type;
    /** True while this tensor's memory is (or may be) a read-only file mapping. */
    private boolean readOnly;
    /** Keeps a mapped file buffer reachable while any view of it is alive (DJL ties it only to the first array). */
    private Object mappedBuffer;
    /**
     * True for results of the op helper: DJL runs script methods under libtorch's InferenceMode, and libtorch
     * refuses in-place updates of such tensors outside it, so they too are copied before the first write.
     */
    private boolean inference;
    TensorScope owner;

    private Tensor(PtNDArray array, ElementType type, boolean readOnly, Object mappedBuffer, boolean inference) {
        this.array = array;
        this.type = type;
        this.readOnly = readOnly;
        this.mappedBuffer = mappedBuffer;
        this.inference = inference;
        TensorScope.register(this);
    }

    /** A tensor with fresh storage, e.g. the result of a computing op. Its type is read back from libtorch. */
    static Tensor wrap(PtNDArray array) {
        return new Tensor(array, ElementType.fromDjl(array.getDataType()), false, null, false);
    }

    static Tensor wrap(PtNDArray array, ElementType type) {
        return new Tensor(array, type, false, null, false);
    }

    /** A result of the op helper (or a view of one); {@code type} null means: read it back from libtorch. */
    static Tensor fromHelper(PtNDArray array, ElementType type) {
        return new Tensor(array, type != null ? type : ElementType.fromDjl(array.getDataType()), false, null, true);
    }

    /** A tensor over a read-only mapped buffer; it and all its views refuse in-place writes by copying first. */
    static Tensor mapped(PtNDArray array, ElementType type, ByteBuffer mapping) {
        return new Tensor(array, type, true, mapping, false);
    }

    /** A result that may share this tensor's storage (a view): it inherits the read-only protection. */
    private Tensor view(PtNDArray result) {
        return new Tensor(result, type, readOnly, mappedBuffer, inference);
    }

    /** A helper result that may alias this tensor's storage. */
    private Tensor helperView(PtNDArray result, ElementType t) {
        return new Tensor(result, t, readOnly, mappedBuffer, true);
    }

    private static TorchRuntime rt() {
        return TorchRuntime.get();
    }

    private static OpHelper helper() {
        return TorchRuntime.get().helper();
    }

    PtNDArray array() {
        checkLive("use");
        return array;
    }

    void checkLive(String what) {
        if (array == null) {
            throw new IllegalStateException("cannot " + what + " a closed tensor (" + type + ")");
        }
    }

    // ==== creation ==============================================================================================
    // Every creation op puts its tensor on DeviceScope.current(): the device of the network whose forward pass is
    // running, else the runtime's default.

    /** A float32 tensor holding {@code values} (row-major) with the given shape, on the current device. */
    public static Tensor of(float[] values, long... shape) {
        checkShape(shape);
        requireCount(values.length, shape);
        PtNDArray host = emptyHost(ElementType.FLOAT32, shape);
        hostBuffer(host).asFloatBuffer().put(values);
        return toCurrentDevice(host, ElementType.FLOAT32);
    }

    /** An int64 tensor (token ids, positions, indices). */
    public static Tensor ofLongs(long[] values, long... shape) {
        checkShape(shape);
        requireCount(values.length, shape);
        PtNDArray host = emptyHost(ElementType.INT64, shape);
        hostBuffer(host).asLongBuffer().put(values);
        return toCurrentDevice(host, ElementType.INT64);
    }

    /** A boolean tensor (attention masks: true = attend). */
    public static Tensor ofBooleans(boolean[] values, long... shape) {
        checkShape(shape);
        requireCount(values.length, shape);
        PtNDArray host = emptyHost(ElementType.BOOLEAN, shape);
        ByteBuffer b = hostBuffer(host);
        for (int i = 0; i < values.length; i++) {
            b.put(i, values[i] ? (byte) 1 : (byte) 0);
        }
        return toCurrentDevice(host, ElementType.BOOLEAN);
    }

    /** A float32 tensor of zeros. */
    public static Tensor zeros(long... shape) {
        return full(ElementType.FLOAT32, 0f, shape);
    }

    public static Tensor zeros(ElementType type, long... shape) {
        return full(type, 0f, shape);
    }

    public static Tensor ones(long... shape) {
        return full(ElementType.FLOAT32, 1f, shape);
    }

    public static Tensor ones(ElementType type, long... shape) {
        return full(type, 1f, shape);
    }

    /** A float32 tensor filled with {@code value}. */
    public static Tensor full(float value, long... shape) {
        return full(ElementType.FLOAT32, value, shape);
    }

    /** A tensor of {@code type} filled with {@code value}. */
    public static Tensor full(ElementType type, float value, long... shape) {
        checkShape(shape);
        TorchRuntime rt = rt();
        ComputeDevice on = DeviceScope.current();
        if (!type.isDjlMapped()) {
            return fromHelper(rt.helper().call("full", shape.clone(), (double) value, (long) type.torchCode(),
                    on.toString()), type);
        }
        return wrap(JniUtils.full(rt.manager(), new Shape(shape), value, type.djl(), on.djl(),
                SparseFormat.DENSE), type);
    }

    /** float32 values start, start+step, ... below end (torch.arange). */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0 || !Float.isFinite(start) || !Float.isFinite(end) || !Float.isFinite(step)) {
            throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step + "): need finite bounds"
                    + " and a non-zero step");
        }
        TorchRuntime rt = rt();
        return wrap(JniUtils.arange(rt.manager(), start, end, step, ElementType.FLOAT32.djl(),
                DeviceScope.current().djl(),
                SparseFormat.DENSE), ElementType.FLOAT32);
    }

    /** int64 values start .. end-1. */
    public static Tensor arangeLong(long start, long end) {
        if (end < start || Math.abs(start) > (1L << 24) || Math.abs(end) > (1L << 24)) {
            throw new IllegalArgumentException("arangeLong(" + start + ", " + end + "): need start <= end, |values|"
                    + " <= 2^24");
        }
        TorchRuntime rt = rt();
        return wrap(JniUtils.arange(rt.manager(), start, end, 1f, ElementType.INT64.djl(),
                DeviceScope.current().djl(),
                SparseFormat.DENSE), ElementType.INT64);
    }

    /** Concatenates along an existing axis (torch.cat). */
    public static Tensor cat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cat of no tensors");
        }
        Tensor first = parts.get(0);
        int ax = first.axis(axis, "cat");
        PtNDArray[] arrays = new PtNDArray[parts.size()];
        for (int i = 0; i < arrays.length; i++) {
            Tensor p = parts.get(i);
            if (p.rank() != first.rank()) {
                throw new IllegalArgumentException("cat: part " + i + " has shape " + Arrays.toString(p.shape())
                        + ", part 0 has " + Arrays.toString(first.shape()) + " (ranks differ)");
            }
            arrays[i] = p.array();
        }
        return wrap(JniUtils.cat(arrays, ax));
    }

    /** Stacks along a new axis (torch.stack). */
    public static Tensor stack(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack of no tensors");
        }
        int rank = parts.get(0).rank() + 1;
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) {
            throw new IllegalArgumentException("stack: axis " + axis + " out of range for rank " + rank);
        }
        PtNDArray[] arrays = new PtNDArray[parts.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = parts.get(i).array();
        }
        return wrap(JniUtils.stack(arrays, ax));
    }

    private static PtNDArray emptyHost(ElementType t, long[] shape) {
        TorchRuntime rt = rt();
        return JniUtils.createEmptyNdArray(rt.manager(), new Shape(shape), t.djl(), ai.djl.Device.cpu(),
                SparseFormat.DENSE);
    }

    /** The native memory of a fresh contiguous CPU array, as a little-endian buffer (an alias, not a copy). */
    static ByteBuffer hostBuffer(PtNDArray host) {
        return JniUtils.getByteBuffer(host, true).order(ByteOrder.nativeOrder());
    }

    private static Tensor toCurrentDevice(PtNDArray host, ElementType t) {
        ComputeDevice on = DeviceScope.current();
        if (!on.isCuda()) {
            return wrap(host, t);
        }
        try {
            return fromHelper(helper().call("to_device", host, on.toString()), t);
        } finally {
            host.close();
        }
    }

    static void checkShape(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long n = numel(shape);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements; the engine addresses at most 2^31-1 per tensor");
        }
    }

    private static void requireCount(int have, long[] shape) {
        if (have != numel(shape)) {
            throw new IllegalArgumentException(have + " values do not fill shape " + Arrays.toString(shape)
                    + " (" + numel(shape) + " elements)");
        }
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    // ==== facts =================================================================================================

    public ElementType type() {
        return type;
    }

    public long[] shape() {
        return array().getShape().getShape();
    }

    public int rank() {
        return array().getShape().dimension();
    }

    /** Size of one axis (negative counts from the end). */
    public long dim(int axis) {
        return shape()[axis(axis, "dim")];
    }

    public long numel() {
        return array().getShape().size();
    }

    public ComputeDevice device() {
        return ComputeDevice.of(array().getDevice());
    }

    /** True when this tensor views read-only mapped file memory (in-place ops will copy it first). */
    public boolean isReadOnly() {
        return readOnly;
    }

    public boolean isClosed() {
        return array == null;
    }

    private int axis(int axis, String op) {
        int r = rank();
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for shape "
                    + Arrays.toString(shape()));
        }
        return a;
    }

    // ==== read back =============================================================================================

    /** All elements as float32, row-major (bf16/f16 are widened exactly; copies to the host if needed). */
    public float[] toFloatArray() {
        if (!type.isFloating()) {
            throw new IllegalStateException("toFloatArray on a " + type + " tensor; use toLongArray or to(FLOAT32)");
        }
        PtNDArray host = helper().call("host_contiguous", array(), (long) ElementType.FLOAT32.torchCode());
        try {
            float[] out = new float[Math.toIntExact(host.getShape().size())];
            hostBuffer(host).asFloatBuffer().get(out);
            return out;
        } finally {
            host.close();
        }
    }

    /** All elements as int64 (int64, int32 and boolean tensors). */
    public long[] toLongArray() {
        if (type.isFloating()) {
            throw new IllegalStateException("toLongArray on a " + type + " tensor; use toFloatArray");
        }
        PtNDArray host = helper().call("host_contiguous", array(), (long) ElementType.INT64.torchCode());
        try {
            long[] out = new long[Math.toIntExact(host.getShape().size())];
            hostBuffer(host).asLongBuffer().get(out);
            return out;
        } finally {
            host.close();
        }
    }

    /** The single element of a one-element tensor, as float. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() on a tensor of shape " + Arrays.toString(shape()));
        }
        return type.isFloating() ? toFloatArray()[0] : toLongArray()[0];
    }

    // ==== shape and views =======================================================================================

    /** Same elements, new shape; one dimension may be -1. A view when the layout allows. */
    public Tensor reshape(long... newShape) {
        long known = 1;
        int infer = -1;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] == -1 && infer < 0) {
                infer = i;
            } else if (newShape[i] < 0) {
                throw new IllegalArgumentException("reshape to " + Arrays.toString(newShape) + ": bad dimension");
            } else {
                known *= newShape[i];
            }
        }
        long n = numel();
        if (infer >= 0 ? (known == 0 || n % known != 0) : known != n) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape()) + " (" + n
                    + " elements) to " + Arrays.toString(newShape));
        }
        return view(JniUtils.reshape(array(), newShape.clone()));
    }

    /** Reorders axes (torch.permute); a view. */
    public Tensor permute(int... order) {
        int r = rank();
        if (order.length != r) {
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " on shape "
                    + Arrays.toString(shape()) + ": need " + r + " axes");
        }
        long[] o = new long[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int a = axis(order[i], "permute");
            if (seen[a]) {
                throw new IllegalArgumentException("permute " + Arrays.toString(order) + ": axis repeated");
            }
            seen[a] = true;
            o[i] = a;
        }
        return view(JniUtils.permute(array(), o));
    }

    /** Swaps two axes; a view. */
    public Tensor transpose(int a, int b) {
        return view(JniUtils.transpose(array(), axis(a, "transpose"), axis(b, "transpose")));
    }

    /** A tensor with the same values laid out row-major (this tensor's storage if it already is). */
    public Tensor contiguous() {
        return helperView(helper().call("contiguous", array()), type);
    }

    /**
     * This 4-D [N, C, H, W] tensor with its elements stored channel-fastest (NHWC, "channels last"); the shape and
     * the values are unchanged. Convolutions on CPU run faster in that order, and keep it for their outputs.
     */
    public Tensor channelsLast() {
        if (rank() != 4) {
            throw new IllegalArgumentException("channelsLast needs a 4-D [N, C, H, W] tensor, got " + this);
        }
        return helperView(helper().call("channels_last", array()), type);
    }

    /** Elements {@code start..end-1} along {@code axis} (python's x[..., start:end, ...]); a view. */
    public Tensor slice(int axis, long start, long end) {
        int a = axis(axis, "slice");
        long n = shape()[a];
        if (start < 0 || end > n || start > end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") of axis " + axis + " with size "
                    + n + " (shape " + Arrays.toString(shape()) + ")");
        }
        return view(JniUtils.slice(array(), a, start, end, 1));
    }

    /** {@code length} elements from {@code start} along {@code axis} (torch.narrow); a view. */
    public Tensor narrow(int axis, long start, long length) {
        return slice(axis, start, start + length);
    }

    /** Index {@code index} of {@code axis}, removing that axis (x[..., index, ...]); a view. */
    public Tensor select(int axis, long index) {
        int a = axis(axis, "select");
        long n = shape()[a];
        long i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException("select index " + index + " of axis " + axis + " with size " + n);
        }
        PtNDArray s = JniUtils.slice(array(), a, i, i + 1, 1);
        try {
            return view(JniUtils.squeeze(s, a));
        } finally {
            s.close();
        }
    }

    /** Splits into {@code n} equal parts along {@code axis} (torch.chunk with divisible size); views. */
    public List<Tensor> chunk(int n, int axis) {
        int a = axis(axis, "chunk");
        long size = shape()[a];
        if (n <= 0 || size % n != 0) {
            throw new IllegalArgumentException("chunk: axis " + axis + " of size " + size + " does not split into "
                    + n + " equal parts");
        }
        long step = size / n;
        long[] sizes = new long[n];
        Arrays.fill(sizes, step);
        return split(a, sizes);
    }

    /** Splits along {@code axis} into consecutive parts of the given sizes (which must add up); views. */
    public List<Tensor> split(int axis, long... sizes) {
        int a = axis(axis, "split");
        long total = 0;
        for (long s : sizes) {
            total += s;
        }
        if (total != shape()[a]) {
            throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " add up to " + total
                    + ", axis " + axis + " has " + shape()[a]);
        }
        List<Tensor> out = new ArrayList<>(sizes.length);
        long at = 0;
        for (long s : sizes) {
            out.add(view(JniUtils.slice(array(), a, at, at + s, 1)));
            at += s;
        }
        return out;
    }

    /** Inserts an axis of size 1. */
    public Tensor unsqueeze(int axis) {
        int r = rank() + 1;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException("unsqueeze: axis " + axis + " out of range for shape "
                    + Arrays.toString(shape()));
        }
        return view(JniUtils.unsqueeze(array(), a));
    }

    /** Removes an axis of size 1. */
    public Tensor squeeze(int axis) {
        int a = axis(axis, "squeeze");
        if (shape()[a] != 1) {
            throw new IllegalArgumentException("squeeze: axis " + axis + " has size " + shape()[a] + ", not 1");
        }
        return view(JniUtils.squeeze(array(), a));
    }

    /** Broadcasts size-1 axes to {@code newShape} without copying (torch.expand; -1 keeps a size). */
    public Tensor expand(long... newShape) {
        long[] s = shape();
        if (newShape.length < s.length) {
            throw new IllegalArgumentException("expand " + Arrays.toString(s) + " to fewer axes "
                    + Arrays.toString(newShape));
        }
        long[] target = newShape.clone();
        int off = newShape.length - s.length;
        for (int i = 0; i < target.length; i++) {
            long have = i >= off ? s[i - off] : 1;
            if (target[i] == -1) {
                target[i] = have;
            }
            if (have != 1 && have != target[i]) {
                throw new IllegalArgumentException("cannot expand " + Arrays.toString(s) + " to "
                        + Arrays.toString(newShape));
            }
        }
        return view(JniUtils.broadcast(array(), new Shape(target)));
    }

    /** Rows of this tensor picked by an int64 index along {@code axis} (torch.index_select). */
    public Tensor indexSelect(int axis, Tensor index) {
        requireIndex(index, "indexSelect");
        return fromHelper(helper().call("index_select", array(), (long) axis(axis, "indexSelect"), index.array()), type);
    }

    /** This tensor as an embedding table [vocab, dim] looked up at {@code ids} (any shape): ids.shape + [dim]. */
    public Tensor embedding(Tensor ids) {
        requireIndex(ids, "embedding");
        if (rank() != 2) {
            throw new IllegalArgumentException("embedding table must be [vocab, dim], is " + Arrays.toString(shape()));
        }
        return wrap(JniUtils.embedding(ids.array(), array(), false), type);
    }

    private static void requireIndex(Tensor index, String op) {
        if (index.type != ElementType.INT64 && index.type != ElementType.INT32) {
            throw new IllegalArgumentException(op + ": index must be int64 or int32, is " + index.type);
        }
    }

    /** Repeats each element {@code repeats} times along {@code axis} (torch.repeat_interleave). */
    public Tensor repeatInterleave(long repeats, int axis) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeatInterleave: repeats must be >= 1, got " + repeats);
        }
        return wrap(JniUtils.repeat(array(), repeats, axis(axis, "repeatInterleave")), type);
    }

    // ==== arithmetic ============================================================================================

    public Tensor add(Tensor other) {
        return wrap(JniUtils.add(array(), other.array()));
    }

    public Tensor sub(Tensor other) {
        return wrap(JniUtils.sub(array(), other.array()));
    }

    public Tensor mul(Tensor other) {
        return wrap(JniUtils.mul(array(), other.array()));
    }

    public Tensor div(Tensor other) {
        return wrap(JniUtils.div(array(), other.array()));
    }

    /** this + c. The constant is a cached scalar tensor (no allocation per call); the result keeps this type. */
    public Tensor add(float c) {
        return withScalar(c, JniUtils::add);
    }

    public Tensor sub(float c) {
        return withScalar(c, JniUtils::sub);
    }

    public Tensor mul(float c) {
        return withScalar(c, JniUtils::mul);
    }

    public Tensor div(float c) {
        return withScalar(c, JniUtils::div);
    }

    /** c - this. */
    public Tensor rsub(float c) {
        return withScalar(c, (x, s) -> JniUtils.sub(s, x));
    }

    /** this ^ c, elementwise. */
    public Tensor pow(float c) {
        return withScalar(c, JniUtils::pow);
    }

    private Tensor withScalar(float c, BiFunction<PtNDArray, PtNDArray, PtNDArray> op) {
        PtNDArray x = array();
        TorchRuntime rt = rt();
        ComputeDevice on = device();
        PtNDArray s = rt.cachedScalar(c, on);
        if (s != null) {
            return wrap(op.apply(x, s));
        }
        try (PtNDArray temp = rt.newScalar(c, on)) {
            return wrap(op.apply(x, temp));
        }
    }

    public Tensor neg() {
        return wrap(JniUtils.neg(array()), type);
    }

    public Tensor exp() {
        return wrap(JniUtils.exp(array()));
    }

    public Tensor log() {
        return wrap(JniUtils.log(array()));
    }

    public Tensor tanh() {
        return wrap(JniUtils.tanh(array()));
    }

    public Tensor sigmoid() {
        return wrap(JniUtils.sigmoid(array()));
    }

    public Tensor sqrt() {
        return wrap(JniUtils.sqrt(array()));
    }

    /** 1 / sqrt(x), as torch.rsqrt computes it. */
    public Tensor rsqrt() {
        return fromHelper(helper().call("rsqrt", array()), type);
    }

    public Tensor square() {
        return wrap(JniUtils.square(array()), type);
    }

    public Tensor abs() {
        return wrap(JniUtils.abs(array()), type);
    }

    public Tensor sin() {
        return wrap(JniUtils.sin(array()));
    }

    public Tensor cos() {
        return wrap(JniUtils.cos(array()));
    }

    /** Limits values to [min, max]. */
    public Tensor clamp(float min, float max) {
        if (!(min <= max)) {
            throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        }
        // not DJL's clip: it allocates two scalar arrays per call and never frees them
        return fromHelper(helper().call("clamp", array(), (double) min, (double) max), type);
    }

    /** x * sigmoid(x). */
    public Tensor silu() {
        return fromHelper(helper().call("silu", array()), type);
    }

    /** GELU with the tanh approximation (torch gelu(approximate="tanh")). */
    public Tensor geluTanh() {
        return fromHelper(helper().call("gelu_tanh", array()), type);
    }

    /** Exact (erf) GELU. */
    public Tensor gelu() {
        if (!type.isDjlMapped()) {
            throw new UnsupportedOperationException("exact gelu on bfloat16: convert with to(FLOAT32) first");
        }
        return wrap(JniUtils.gelu(array()), type);
    }

    /** Softmax along {@code axis}. DJL passes the type to native code, so bf16 goes through the helper. */
    public Tensor softmax(int axis) {
        int a = axis(axis, "softmax");
        if (!type.isFloating()) {
            throw new IllegalArgumentException("softmax of a " + type + " tensor");
        }
        if (!type.isDjlMapped()) {
            return fromHelper(helper().call("softmax", array(), (long) a), type);
        }
        return wrap(JniUtils.softmax(array(), a, type.djl()), type);
    }

    /** Matrix product with broadcasting over leading (batch) axes (torch.matmul). */
    public Tensor matmul(Tensor other) {
        long[] a = shape();
        long[] b = other.shape();
        if (a.length == 0 || b.length == 0) {
            throw new IllegalArgumentException("matmul of a 0-d tensor");
        }
        long inner = b.length == 1 ? b[0] : b[b.length - 2];
        if (a[a.length - 1] != inner) {
            throw new IllegalArgumentException("matmul " + Arrays.toString(a) + " x " + Arrays.toString(b)
                    + ": inner sizes " + a[a.length - 1] + " and " + inner + " differ");
        }
        return wrap(JniUtils.matmul(array(), other.array()));
    }

    // ==== reductions ============================================================================================

    public Tensor mean(int axis, boolean keepDim) {
        return wrap(JniUtils.mean(array(), axis(axis, "mean"), keepDim));
    }

    /** Mean over several axes at once. */
    public Tensor mean(int[] axes, boolean keepDim) {
        return fromHelper(helper().call("mean", array(), axesList(axes, "mean"), keepDim), null);
    }

    public Tensor sum(int axis, boolean keepDim) {
        return sum(new int[] {axis}, keepDim);
    }

    public Tensor sum(int[] axes, boolean keepDim) {
        return wrap(JniUtils.sum(array(), axesList(axes, "sum"), keepDim));
    }

    /** Largest value along {@code axis}. */
    public Tensor max(int axis, boolean keepDim) {
        return wrap(JniUtils.max(array(), axis(axis, "max"), keepDim), type);
    }

    /** Largest element, as a 0-d tensor. */
    public Tensor max() {
        return wrap(JniUtils.max(array()), type);
    }

    public Tensor min() {
        return wrap(JniUtils.min(array()), type);
    }

    private long[] axesList(int[] axes, String op) {
        long[] out = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(axes[i], op);
        }
        return out;
    }

    // ==== types and devices =====================================================================================

    /** Converts the element type (round-to-nearest-even when narrowing); this tensor itself if already {@code t}. */
    public Tensor to(ElementType t) {
        if (t == type) {
            return helperView(helper().call("to_dtype", array(), (long) t.torchCode()), t);
        }
        if (!t.isDjlMapped() || !type.isDjlMapped()) {
            return fromHelper(helper().call("to_dtype", array(), (long) t.torchCode()), t);
        }
        return wrap(JniUtils.to(array(), t.djl(), array.getDevice()), t);
    }

    /**
     * A copy on another device, keeping the type (bf16 included: DJL's own move forwards the type to native code,
     * so this goes through the helper). A device libtorch does not have is refused before any native call.
     */
    public Tensor toDevice(ComputeDevice d) {
        rt().checkAvailable(d);
        return fromHelper(helper().call("to_device", array(), d.toString()), type);
    }

    /** A private, writable copy (even if this tensor views a mapped file or came from the helper). */
    public Tensor duplicate() {
        return wrap(JniUtils.clone(array()), type);
    }

    // ==== in place ==============================================================================================

    /** this += other, in place; returns this. A tensor viewing a read-only mapping is copied first. */
    public Tensor addInPlace(Tensor other) {
        JniUtils.addi(writable(), other.array());
        return this;
    }

    public Tensor subInPlace(Tensor other) {
        JniUtils.subi(writable(), other.array());
        return this;
    }

    public Tensor mulInPlace(Tensor other) {
        JniUtils.muli(writable(), other.array());
        return this;
    }

    public Tensor divInPlace(Tensor other) {
        JniUtils.divi(writable(), other.array());
        return this;
    }

    /**
     * The array to write to. Memory-mapped weights are mapped read-only, and libtorch writing into them is a
     * SIGSEGV; helper results refuse in-place updates. Either way the first write swaps in a private copy.
     */
    PtNDArray writable() {
        PtNDArray a = array();
        if (readOnly || inference) {
            PtNDArray copy = JniUtils.clone(a); // outside InferenceMode: a normal, writable tensor
            a.close();
            array = copy;
            readOnly = false;
            inference = false;
            mappedBuffer = null;
        }
        return array;
    }

    // ==== lifetime ==============================================================================================

    /** Frees the native memory now (idempotent). */
    @Override
    public void close() {
        PtNDArray a = array;
        if (a == null) {
            return;
        }
        array = null;
        mappedBuffer = null;
        if (owner != null) {
            owner.forget(this);
            owner = null;
        }
        a.close();
    }

    /** Type, shape and device; never the values (DJL's own toString aborts on bfloat16). */
    @Override
    public String toString() {
        if (array == null) {
            return "Tensor[" + type + ", closed]";
        }
        return "Tensor[" + type + " " + Arrays.toString(shape()) + " " + device() + (readOnly ? " mapped" : "") + "]";
    }
}
