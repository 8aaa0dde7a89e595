package io.github.jimengstudio.runtime;

import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place where the PyTorch engine is started, and the owner of everything engine-wide: the device, the
 * thread count, the root tensor manager, the TorchScript op helper and the cached scalar constants.
 *
 * <p>Start-up is deterministic and offline (djl-notes §1): before the first DJL call it sets
 * {@code ai.djl.offline=true}, {@code DJL_CACHE_DIR} to a folder Jimeng Studio owns, and
 * {@code ai.djl.default_engine=PyTorch}, each only when the user has not set it already (as a system property or
 * environment variable), then asks for the PyTorch engine by name. {@code PYTORCH_LIBRARY_PATH},
 * {@code PYTORCH_FLAVOR} and {@code PYTORCH_VERSION} are left to DJL and echoed in {@link #report()}. A missing or
 * mismatched native library becomes a {@link TorchRuntimeException} that says what to fix.
 *
 * <p>Settings (system properties): {@code jimeng.cache} (cache root, default {@code ~/.cache/jimeng-studio}),
 * {@code jimeng.device} ({@code auto} (default), {@code cpu}, {@code cuda}, {@code cuda:N}),
 * {@code jimeng.threads} (libtorch intra-op threads; default libtorch's own choice).
 */
public final class TorchRuntime {

    /** The libtorch series this build is compiled and tested against. */
    public static final String LIBTORCH_SERIES = "2.7.";

    private static final Object LOCK = new Object();
    private static volatile TorchRuntime instance;
    private static TorchRuntimeException startFailure;

    /** Scalars above this many distinct values are made per call instead of cached. */
    private static final int MAX_CACHED_SCALARS = 4096;

    private final Path cacheDir;
    private final ComputeDevice device;
    private final int gpuCount;
    private final PtNDManager manager;
    private final OpHelper helper;
    private final String libtorchVersion;
    private final String libtorchPath;
    private final ConcurrentHashMap<ScalarKey, PtNDArray> scalars = new ConcurrentHashMap<>();

    private record ScalarKey(ComputeDevice device, int bits) {}

    private TorchRuntime(Path cacheDir, ComputeDevice device, int gpuCount, PtNDManager manager, OpHelper helper,
            String libtorchVersion, String libtorchPath) {
        this.cacheDir = cacheDir;
        this.device = device;
        this.gpuCount = gpuCount;
        this.manager = manager;
        this.helper = helper;
        this.libtorchVersion = libtorchVersion;
        this.libtorchPath = libtorchPath;
    }

    /**
     * The running engine, started on first use. Thread-safe; a failed start is remembered and rethrown, so a
     * broken installation is reported the same way every time instead of being retried half-way.
     *
     * @throws TorchRuntimeException when the engine cannot start; the message says why and what to change
     */
    public static TorchRuntime get() {
        TorchRuntime rt = instance;
        if (rt != null) {
            return rt;
        }
        synchronized (LOCK) {
            if (instance == null) {
                if (startFailure != null) {
                    throw new TorchRuntimeException(startFailure.getMessage(), startFailure);
                }
                try {
                    instance = start();
                } catch (TorchRuntimeException e) {
                    startFailure = e;
                    throw e;
                }
            }
            return instance;
        }
    }

    /** The cache root: {@code jimeng.cache}, else {@code JIMENG_CACHE}, else {@code ~/.cache/jimeng-studio}. */
    public static Path cacheRoot() {
        return cacheRoot(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * {@link #cacheRoot()} for a given environment and home folder (the command line passes its own, so that tests
     * keep their caches in a temporary home): {@code jimeng.cache}, else {@code JIMENG_CACHE} in {@code env}, else
     * {@code <home>/.cache/jimeng-studio}.
     */
    public static Path cacheRoot(Map<String, String> env, Path home) {
        String configured = System.getProperty("jimeng.cache", env.get("JIMENG_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return home.resolve(".cache").resolve("jimeng-studio");
    }

    private static TorchRuntime start() {
        Path cache = cacheRoot();
        defaultSetting("ai.djl.offline", "true");
        defaultSetting("DJL_CACHE_DIR", cache.resolve("djl").toString());
        defaultSetting("ai.djl.default_engine", "PyTorch");
        checkLibraryPath();
        Engine engine;
        try {
            Files.createDirectories(cache);
            engine = Engine.getEngine("PyTorch");
        } catch (java.io.IOException e) {
            throw new TorchRuntimeException("Cannot create the cache folder " + cache + " (" + e.getMessage()
                    + "). Set the system property jimeng.cache to a writable folder.", e);
        } catch (RuntimeException | LinkageError e) {
            throw new TorchRuntimeException(startFailureMessage(e), e);
        }
        String version = engine.getVersion();
        if (version == null || !version.startsWith(LIBTORCH_SERIES)) {
            throw new TorchRuntimeException("libtorch " + version + " was loaded, but Jimeng Studio needs libtorch "
                    + LIBTORCH_SERIES + "x (DJL " + Engine.getDjlVersion() + "). " + nativeSettings()
                    + " Point PYTORCH_LIBRARY_PATH at a libtorch 2.7.1 folder or unset it.");
        }
        ComputeDevice device = chooseDevice(engine);
        String threads = setting("jimeng.threads", "JIMENG_THREADS");
        if (threads != null) {
            int n;
            try {
                n = Integer.parseInt(threads.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1) {
                throw new TorchRuntimeException("jimeng.threads is '" + threads + "'; give a positive whole number");
            }
            JniUtils.setNumThreads(n);
        }
        PtNDManager manager = (PtNDManager) engine.newBaseManager(device.djl());
        OpHelper helper = OpHelper.load(cache.resolve("ops"), manager);
        return new TorchRuntime(cache, device, engine.getGpuCount(), manager, helper, version,
                LibUtils.getLibtorchPath());
    }

    /**
     * DJL silently falls back to its own libtorch when PYTORCH_LIBRARY_PATH holds none, so a user who points it at
     * a CUDA build would get the CPU without knowing. Refuse instead.
     */
    private static void checkLibraryPath() {
        String dir = setting("PYTORCH_LIBRARY_PATH", "PYTORCH_LIBRARY_PATH");
        if (dir == null) {
            return;
        }
        Path p = Path.of(dir);
        for (String lib : new String[] {"libtorch.so", "libtorch.dylib", "torch.dll"}) {
            if (Files.isRegularFile(p.resolve(lib))) {
                return;
            }
        }
        throw new TorchRuntimeException("PYTORCH_LIBRARY_PATH=" + dir + " holds no libtorch (libtorch.so,"
                + " libtorch.dylib or torch.dll). Fix: point it at the lib folder of a libtorch 2.7.1 (e.g. pip"
                + " torch==2.7.1's site-packages/torch/lib) and set PYTORCH_FLAVOR (cpu or cu128) and"
                + " PYTORCH_VERSION=2.7.1, or unset it to use the bundled CPU build.");
    }

    private static ComputeDevice chooseDevice(Engine engine) {
        String wanted = setting("jimeng.device", "JIMENG_DEVICE");
        String w = wanted == null ? "auto" : wanted.trim().toLowerCase(Locale.ROOT);
        int gpus = engine.getGpuCount();
        if (w.equals("auto")) {
            return gpus > 0 ? ComputeDevice.cuda(0) : ComputeDevice.CPU;
        }
        if (w.equals("cpu")) {
            return ComputeDevice.CPU;
        }
        if (w.equals("cuda") || w.startsWith("cuda:")) {
            int index = 0;
            if (w.startsWith("cuda:")) {
                try {
                    index = Integer.parseInt(w.substring(5));
                } catch (NumberFormatException e) {
                    index = -1;
                }
            }
            if (index < 0 || index >= gpus) {
                throw new TorchRuntimeException(noSuchGpu("jimeng.device=" + wanted, gpus) + ", or jimeng.device=cpu.");
            }
            return ComputeDevice.cuda(index);
        }
        throw new TorchRuntimeException("jimeng.device is '" + wanted + "'; use auto, cpu, cuda or cuda:N");
    }

    private static String noSuchGpu(String request, int gpus) {
        return request + " needs a CUDA device, but libtorch sees " + gpus + " CUDA device(s) (flavor "
                + flavorOf(LibUtils.getLibtorchPath()) + "). Use a CUDA build of libtorch 2.7.1 (PYTORCH_LIBRARY_PATH"
                + " + PYTORCH_FLAVOR=cu128 + PYTORCH_VERSION=2.7.1) on a machine with an NVIDIA GPU";
    }

    private static String startFailureMessage(Throwable e) {
        StringBuilder causes = new StringBuilder();
        for (Throwable t = e; t != null && causes.length() < 600; t = t.getCause()) {
            causes.append(causes.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ")
                    .append(t.getMessage());
        }
        return "The PyTorch engine (libtorch " + LIBTORCH_SERIES + "x via DJL " + Engine.getDjlVersion()
                + ") could not start: " + causes + ". " + nativeSettings()
                + " Fix: put ai.djl.pytorch:pytorch-native-cpu:2.7.1 on the class path (Jimeng Studio's tests and"
                + " command line do), or set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1 folder together with"
                + " PYTORCH_FLAVOR (cpu or cu128) and PYTORCH_VERSION=2.7.1; or allow DJL to download it once by"
                + " setting ai.djl.offline=false.";
    }

    private static String nativeSettings() {
        return "Settings seen: PYTORCH_LIBRARY_PATH=" + setting("PYTORCH_LIBRARY_PATH", "PYTORCH_LIBRARY_PATH")
                + ", PYTORCH_FLAVOR=" + setting("PYTORCH_FLAVOR", "PYTORCH_FLAVOR")
                + ", PYTORCH_VERSION=" + setting("PYTORCH_VERSION", "PYTORCH_VERSION")
                + ", ai.djl.offline=" + setting("ai.djl.offline", "ai.djl.offline")
                + ", DJL_CACHE_DIR=" + setting("DJL_CACHE_DIR", "DJL_CACHE_DIR") + ".";
    }

    /** A system property, else an environment variable (DJL reads its keys the same way). */
    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }

    private static void defaultSetting(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static String flavorOf(String libtorchPath) {
        String configured = setting("PYTORCH_FLAVOR", "PYTORCH_FLAVOR");
        if (configured != null) {
            return configured;
        }
        // DJL's own cache folder is named <version>-<build>-<flavor>-<os>-<arch>, e.g. 2.7.1-20250812-cpu-linux-x86_64
        String dir = libtorchPath == null ? "" : Path.of(libtorchPath).getFileName().toString();
        String[] parts = dir.split("-");
        return parts.length >= 5 ? parts[2] : "unknown";
    }

    // ---- what the rest of the package uses ------------------------------------------------------------------

    PtNDManager manager() {
        return manager;
    }

    OpHelper helper() {
        return helper;
    }

    /**
     * A float32 scalar constant on {@code on} (the device of the tensor it meets), owned by the runtime and never
     * closed by callers. Returns null once too many distinct constants exist; the caller then makes (and closes)
     * its own.
     */
    PtNDArray cachedScalar(float value, ComputeDevice on) {
        ScalarKey key = new ScalarKey(on, Float.floatToRawIntBits(value));
        PtNDArray s = scalars.get(key);
        if (s != null) {
            return s;
        }
        if (scalars.size() >= MAX_CACHED_SCALARS) {
            return null;
        }
        return scalars.computeIfAbsent(key, k -> newScalar(value, on));
    }

    PtNDArray newScalar(float value, ComputeDevice on) {
        return JniUtils.full(manager, new Shape(), value, DataType.FLOAT32, on.djl(), SparseFormat.DENSE);
    }

    // ---- public ---------------------------------------------------------------------------------------------

    /**
     * The default device: where tensors are created outside any {@link DeviceScope} and weights are loaded when no
     * device is named ({@code jimeng.device}; by default the first GPU when libtorch sees one). Networks name their
     * own device at load, so this is only a default; other devices remain usable ({@link #checkAvailable}).
     */
    public ComputeDevice device() {
        return device;
    }

    /** The default device's compute type ({@link ComputeDevice#computeType()}). */
    public ElementType computeType() {
        return device.computeType();
    }

    /** How many CUDA devices libtorch sees (0 on a CPU build or a machine without an NVIDIA GPU). */
    public int gpuCount() {
        return gpuCount;
    }

    /**
     * Refuses, before any native call, a device libtorch does not have: asking libtorch itself for a missing CUDA
     * device is an engine error at best. Every public way to name a device (a {@link DeviceScope}, a
     * {@link WeightLoader}, {@link Tensor#toDevice}) checks here.
     *
     * @throws TorchRuntimeException naming the device, what libtorch sees and what to install
     */
    public void checkAvailable(ComputeDevice d) {
        if (d.isCuda() && d.index() >= gpuCount) {
            throw new TorchRuntimeException(noSuchGpu("A request for " + d, gpuCount) + "; or use the CPU.");
        }
    }

    public String libtorchVersion() {
        return libtorchVersion;
    }

    /** libtorch's intra-op thread count. */
    public int threads() {
        return JniUtils.getNumThreads();
    }

    /** Changes libtorch's intra-op thread count (takes effect for the following ops). */
    public void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + n);
        }
        JniUtils.setNumThreads(n);
    }

    /** Jimeng Studio's cache root; DJL's natives and the op helper live below it. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The op helper module file in use (named by its content hash). */
    public Path helperFile() {
        return helper.file();
    }

    /** One line for logs and the Diagnostics command. */
    public String report() {
        return "libtorch " + libtorchVersion + " (flavor " + flavorOf(libtorchPath) + ", " + libtorchPath + ")"
                + ", DJL " + Engine.getDjlVersion()
                + ", device " + device + " (" + gpuCount + " CUDA device(s) seen)"
                + ", threads " + JniUtils.getNumThreads() + " intra-op / " + JniUtils.getNumInteropThreads()
                + " inter-op"
                + ", offline " + setting("ai.djl.offline", "ai.djl.offline")
                + ", DJL cache " + setting("DJL_CACHE_DIR", "DJL_CACHE_DIR")
                + ", op helper " + helper.file().getFileName()
                + " (" + helper.linearsDescription() + ")"
                + (setting("PYTORCH_LIBRARY_PATH", "PYTORCH_LIBRARY_PATH") != null
                        ? ", PYTORCH_LIBRARY_PATH " + setting("PYTORCH_LIBRARY_PATH", "PYTORCH_LIBRARY_PATH") : "")
                + (setting("PYTORCH_VERSION", "PYTORCH_VERSION") != null
                        ? ", PYTORCH_VERSION " + setting("PYTORCH_VERSION", "PYTORCH_VERSION") : "");
    }

    /**
     * Returns freed native memory to the operating system. glibc keeps freed blocks in its arenas, so after a
     * generation Fiji's resident size would otherwise stay at its peak (djl-notes §4). Call between generations.
     *
     * @return true when the allocator was trimmed (false where there is no glibc, e.g. macOS or Windows)
     */
    public boolean releaseFreedMemory() {
        if (gpuCount > 0) {
            JniUtils.emptyCudaCache();
        }
        return NativeMemory.trim();
    }
}
