/**
 * The tensor runtime: the only code in Jimeng Studio that calls DJL's engine and NDArray API. Networks
 * ({@code textenc}, {@code dit}, {@code vae}, {@code nn}) are written against {@link io.github.jimengstudio.runtime.Tensor},
 * {@link io.github.jimengstudio.runtime.Functional}, {@link io.github.jimengstudio.runtime.TensorScope} and
 * {@link io.github.jimengstudio.runtime.WeightLoader}, and never import {@code ai.djl}'s engine or
 * NDArray classes (the text encoder uses DJL's separate tokenizers library, which holds no tensors).
 *
 * <h2>Start</h2>
 * {@link io.github.jimengstudio.runtime.TorchRuntime#get()} starts the PyTorch engine on first use (offline,
 * cache under {@code ~/.cache/jimeng-studio} or {@code -Djimeng.cache}), picks the device (CUDA when present,
 * {@code -Djimeng.device=cpu} to force the CPU) and loads the TorchScript op helper. {@code report()} is one line
 * for logs. A broken native installation is a {@link io.github.jimengstudio.runtime.TorchRuntimeException} that
 * says what to set, never a JVM abort. {@code computeType()} is float32 on the CPU and bfloat16 on CUDA.
 *
 * <h2>Devices</h2>
 * The runtime's device is only a default. Each network names its own
 * {@link io.github.jimengstudio.runtime.ComputeDevice} at load ({@code new WeightLoader(source, owner, type,
 * device)}) and opens a {@link io.github.jimengstudio.runtime.DeviceScope} around its forward pass, so the creation
 * ops inside ({@code Tensor.of}, {@code zeros}, {@code arange}, ...) land there; the compute type follows the
 * device ({@code ComputeDevice.computeType()}). Tensors cross devices only through {@code toDevice} (bf16 through
 * the helper). A CUDA device libtorch lacks is a {@code TorchRuntimeException} before any native call.
 * Unverified without a GPU: everything on CUDA (loading, CPU/GPU mixes, the per-device scalar constants) has only
 * run on the CPU, where every device in use is the CPU.
 *
 * <h2>Weights</h2>
 * <pre>{@code
 * TensorScope weights = TensorScope.detached();              // the model holds it and closes it in close()
 * WeightLoader load = new WeightLoader(source, weights);      // residency = runtime's compute type
 * Tensor qW = load.load("layers.0.attn.q.weight", dim, dim); // shape checked, message names both shapes
 * }</pre>
 * float32 weights on the CPU are zero-copy views of the file mapping; they are read-only, and an in-place op on
 * one (or on any view of one) first copies it, because writing to a read-only mapping is a SIGSEGV.
 *
 * <h2>Forward passes</h2>
 * Wrap each layer or step in a scope; everything created inside is freed at its end, and {@code keep} hands the
 * result to the enclosing scope:
 * <pre>{@code
 * Tensor forward(Tensor x) {
 *     try (TensorScope s = TensorScope.open()) {
 *         Tensor h = Functional.rmsNorm(x, normW, 1e-6f);
 *         Tensor q = Functional.linear(h, qW, null).reshape(b, t, heads, hd).transpose(1, 2);
 *         ...
 *         Tensor a = Functional.attention(q, k, v, true, true);      // causal, grouped-query
 *         return s.keep(x.add(Functional.linear(a, oW, null)));
 *     }
 * }
 * }</pre>
 * Ops read like torch: {@code x.matmul(w)}, {@code x.add(y)}, {@code x.mul(0.5f)} (a cached scalar tensor, no
 * allocation), {@code x.softmax(-1)}, {@code x.silu()}, {@code x.slice(axis, from, to)}, {@code Tensor.cat}, ...
 * Axes may be negative. Shapes are validated before native code runs; a bad shape is an
 * {@link java.lang.IllegalArgumentException} naming the shapes. Read results with {@code toFloatArray()}.
 *
 * <h2>bfloat16, and what is refused</h2>
 * DJL 0.36 aborts the JVM when it is handed {@code BFLOAT16}/{@code INT16}/{@code UINT*}, and several of its calls
 * pass a tensor's type to native code. The facade therefore tracks the type itself
 * ({@link io.github.jimengstudio.runtime.ElementType}), sends DJL only calls that are safe for it, and routes
 * bf16 conversions, softmax, device moves and the missing kernels (attention, norms, SiLU, tanh-GELU, RoPE)
 * through a TorchScript module it writes itself (named by content hash in the cache folder). Compute in float32
 * on the CPU: bf16/f16 matrix products there run at about 1 GFLOP/s.
 *
 * <h2>Memory</h2>
 * Every tensor belongs to the innermost open scope of its thread (or to nobody: then close it yourself). After
 * a generation call {@link io.github.jimengstudio.runtime.TorchRuntime#releaseFreedMemory()} so glibc returns the
 * freed pages to the system.
 */
package io.github.jimengstudio.runtime;
