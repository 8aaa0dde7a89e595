package io.github.jimengstudio.runtime;

import ai.djl.engine.EngineException;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The TorchScript op helper: a tiny module, written by Java as a {@code .pt} zip and loaded through DJL, whose
 * methods supply what DJL's JNI lacks (fused attention, group/RMS/layer norm, SiLU, tanh-GELU, RoPE), every
 * operation that must not pass a bfloat16 tensor's type through DJL (conversions, softmax, device moves), and
 * sequences run as one call so their temporaries die inside libtorch (Z-Image's q/k-norm-RoPE-attention, its
 * whole transformer block with runtime LoRA terms).
 *
 * <p>The file is named by the SHA-256 of its bytes, so a changed script gets a new file and an old cache can never
 * serve stale code. The zip layout is the one libtorch's loader reads (djl-notes §2): {@code data.pkl} (the module
 * object), {@code constants.pkl}, {@code version} = 10 (older versions make the loader apply upgraders that
 * rewrite e.g. {@code gelu}) and {@code code/__torch__.py}.
 */
final class OpHelper {

    /** The module's source. Serialized-TorchScript dialect: methods take an explicit typed self. */
    static final String SCRIPT = """
            class Ops(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def sdpa(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, is_causal: bool, enable_gqa: bool) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, None, 0., is_causal, scale=None, enable_gqa=enable_gqa)
              def sdpa_mask(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, mask: Tensor, enable_gqa: bool) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=None, enable_gqa=enable_gqa)
              def silu(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.silu(x)
              def silu_mul(self: __torch__.Ops, gate: Tensor, up: Tensor) -> Tensor:
                return torch.mul(torch.silu(gate), up)
              def silu_mul_(self: __torch__.Ops, gate: Tensor, up: Tensor) -> Tensor:
                return torch.mul_(torch.silu_(gate), up)
              def gelu_tanh(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.gelu(x, approximate="tanh")
              def low_rank_add_(self: __torch__.Ops, y: Tensor, x: Tensor, a: Tensor, b: Tensor, scale: float) -> Tensor:
                h = torch.matmul(torch.reshape(x, [-1, torch.size(x, -1)]), torch.t(a))
                return torch.addmm_(torch.view(y, [-1, torch.size(y, -1)]), h, torch.t(b), beta=1, alpha=scale)
              def rms_norm(self: __torch__.Ops, x: Tensor, w: Tensor, eps: float) -> Tensor:
                dtype = x.dtype
                norm = torch.linalg_vector_norm(x, 2., [-1], True, dtype=6)
                variance = torch.div(torch.mul(norm, norm), x.size(-1))
                h = torch.to(torch.mul(x, torch.rsqrt(torch.add(variance, eps))), dtype)
                if torch.eq(w.dtype, dtype):
                  return torch.mul_(h, w)
                return torch.mul(w, h)
              def add_rms_norm(self: __torch__.Ops, x: Tensor, y: Tensor, w: Tensor, eps: float) -> Tensor:
                dtype = y.dtype
                norm = torch.linalg_vector_norm(y, 2., [-1], True, dtype=6)
                variance = torch.div(torch.mul(norm, norm), y.size(-1))
                h = torch.to(torch.mul(y, torch.rsqrt(torch.add(variance, eps))), dtype)
                if torch.eq(w.dtype, dtype) and torch.eq(x.dtype, dtype):
                  return torch.addcmul(x, h, w, value=1, out=h)
                return torch.addcmul(x, h, w)
              def layer_norm(self: __torch__.Ops, x: Tensor, eps: float) -> Tensor:
                return torch.layer_norm(x, [x.size(-1)], None, None, eps)
              def layer_norm_affine(self: __torch__.Ops, x: Tensor, w: Tensor, b: Tensor, eps: float) -> Tensor:
                return torch.layer_norm(x, [x.size(-1)], w, b, eps)
              def group_norm(self: __torch__.Ops, x: Tensor, groups: int, w: Tensor, b: Tensor, eps: float) -> Tensor:
                return torch.group_norm(x, groups, w, b, eps)
              def group_norm_silu(self: __torch__.Ops, x: Tensor, groups: int, w: Tensor, b: Tensor, eps: float) -> Tensor:
                return torch.silu(torch.group_norm(x, groups, w, b, eps))
              def rope_pairs(self: __torch__.Ops, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
                dtype = x.dtype
                h = torch.view_as_complex(torch.unflatten(torch.contiguous(torch.to(x, 6)), -1, [-1, 2]))
                f = torch.complex(torch.to(cos, 6), torch.to(sin, 6))
                return torch.to(torch.flatten(torch.view_as_real(torch.mul(h, f)), -2), dtype)
              def rope_pairs_heads_first(self: __torch__.Ops, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
                dtype = x.dtype
                h = torch.transpose(torch.view_as_complex(torch.unflatten(torch.contiguous(torch.to(x, 6)), -1, [-1, 2])), 1, 2)
                f = torch.transpose(torch.complex(torch.to(cos, 6), torch.to(sin, 6)), 1, 2)
                out = torch.empty([h.size(0), h.size(1), h.size(2), h.size(3)], dtype=9, device=h.device)
                _0 = torch.mul(h, f, out=out)
                return torch.to(torch.flatten(torch.view_as_real(out), -2), dtype)
              def rotary_attention(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, eps: float, cos: Tensor, sin: Tensor) -> Tensor:
                qkv = (self).rotary_attention_inputs(q, k, v, wq, wk, eps, cos, sin)
                o = torch.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], None, 0., False, scale=None)
                return torch.flatten(torch.transpose(o, 1, 2), 2)
              def rotary_attention_mask(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, eps: float, cos: Tensor, sin: Tensor, mask: Tensor) -> Tensor:
                qkv = (self).rotary_attention_inputs(q, k, v, wq, wk, eps, cos, sin)
                o = torch.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask, 0., False, scale=None)
                return torch.flatten(torch.transpose(o, 1, 2), 2)
              def rotary_attention_inputs(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, eps: float, cos: Tensor, sin: Tensor) -> Tensor:
                dtype = q.dtype
                qkv = torch.empty([3, q.size(0), q.size(2), q.size(1), q.size(3)], dtype=6, device=q.device)
                f = torch.transpose(torch.complex(torch.to(cos, 6), torch.to(sin, 6)), 1, 2)
                cq = torch.view_as_complex(torch.unflatten(torch.contiguous(torch.to((self).rms_norm(q, wq, eps), 6)), -1, [-1, 2]))
                _0 = torch.mul(torch.transpose(cq, 1, 2), f, out=torch.view_as_complex(torch.unflatten(qkv[0], -1, [-1, 2])))
                ck = torch.view_as_complex(torch.unflatten(torch.contiguous(torch.to((self).rms_norm(k, wk, eps), 6)), -1, [-1, 2]))
                _1 = torch.mul(torch.transpose(ck, 1, 2), f, out=torch.view_as_complex(torch.unflatten(qkv[1], -1, [-1, 2])))
                _2 = torch.copy_(qkv[2], torch.transpose(v, 1, 2))
                return torch.to(qkv, dtype)
              def sandwich_block(self: __torch__.Ops, x: Tensor, w: List[Tensor], pw: List[Tensor], rows: int, mod: List[Tensor], mask: List[Tensor], cos: Tensor, sin: Tensor, heads: int, eps: float, qk_eps: float, la: List[Tensor], lb: List[Tensor], lf: List[float], lj: List[int]) -> Tensor:
                b = x.size(0)
                n = x.size(1)
                if len(mod) > 0:
                  m = torch.chunk(mod[0], 4, -1)
                  g1 = torch.mul(w[6], torch.add(m[0], 1.))
                  ga = torch.mul(w[7], torch.tanh(m[1]))
                  g2 = torch.mul(w[8], torch.add(m[2], 1.))
                  gf = torch.mul(w[9], torch.tanh(m[3]))
                else:
                  g1 = w[6]
                  ga = w[7]
                  g2 = w[8]
                  gf = w[9]
                y = (self).rms_norm(x, g1, eps)
                q = (self).linear_packed(y, w[0], pw, 0, rows)
                k = (self).linear_packed(y, w[1], pw, 1, rows)
                v = (self).linear_packed(y, w[2], pw, 2, rows)
                _0 = (self).low_rank_group([q, k, v], 0, y, la, lb, lf, lj)
                q4 = torch.reshape(q, [b, n, heads, -1])
                k4 = torch.reshape(k, [b, n, heads, -1])
                v4 = torch.reshape(v, [b, n, heads, -1])
                if len(mask) > 0:
                  o = (self).rotary_attention_mask(q4, k4, v4, w[4], w[5], qk_eps, cos, sin, mask[0])
                else:
                  o = (self).rotary_attention(q4, k4, v4, w[4], w[5], qk_eps, cos, sin)
                a = (self).linear_packed(o, w[3], pw, 3, rows)
                _1 = (self).low_rank_group([a], 3, o, la, lb, lf, lj)
                h = (self).add_rms_norm(x, a, ga, eps)
                y2 = (self).rms_norm(h, g2, eps)
                gate = (self).linear_packed(y2, w[10], pw, 4, rows)
                up = (self).linear_packed(y2, w[12], pw, 6, rows)
                _2 = (self).low_rank_group([gate, up], 4, y2, la, lb, lf, lj)
                hidden = (self).silu_mul_(gate, up)
                f = (self).linear_packed(hidden, w[11], pw, 5, rows)
                _3 = (self).low_rank_group([f], 6, hidden, la, lb, lf, lj)
                return (self).add_rms_norm(h, f, gf, eps)
              def low_rank_group(self: __torch__.Ops, ys: List[Tensor], first: int, x: Tensor, la: List[Tensor], lb: List[Tensor], lf: List[float], lj: List[int]) -> List[Tensor]:
                downs = annotate(List[Tensor], [])
                for i in range(len(lj)):
                  if lj[i] >= first and lj[i] < first + len(ys):
                    downs.append(la[i])
                if len(downs) == 0:
                  return ys
                h = torch.mm(torch.reshape(x, [-1, x.size(-1)]), torch.t(torch.cat(downs, 0)))
                off = 0
                for i in range(len(lj)):
                  if lj[i] >= first and lj[i] < first + len(ys):
                    y = ys[lj[i] - first]
                    r = la[i].size(0)
                    _0 = torch.addmm_(torch.view(y, [-1, y.size(-1)]), torch.narrow(h, 1, off, r), torch.t(lb[i]), beta=1, alpha=lf[i])
                    off = off + r
                return ys
              %PACKED_LINEAR%
              def rope_half(self: __torch__.Ops, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
                half = x.size(-1) // 2
                rotated = torch.cat([torch.neg(torch.slice(x, -1, half)), torch.slice(x, -1, 0, half)], -1)
                c = torch.to(cos, x.dtype)
                s = torch.to(sin, x.dtype)
                return torch.add(torch.mul(x, c), torch.mul(rotated, s))
              def softmax(self: __torch__.Ops, x: Tensor, dim: int) -> Tensor:
                return torch.softmax(x, dim)
              def clamp(self: __torch__.Ops, x: Tensor, lo: float, hi: float) -> Tensor:
                return torch.clamp(x, lo, hi)
              def rsqrt(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.rsqrt(x)
              def mean(self: __torch__.Ops, x: Tensor, dims: List[int], keepdim: bool) -> Tensor:
                return torch.mean(x, dims, keepdim)
              def index_select(self: __torch__.Ops, x: Tensor, dim: int, index: Tensor) -> Tensor:
                return torch.index_select(x, dim, index)
              def upsample_nearest2x(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.upsample_nearest2d(x, None, [2., 2.])
              def to_dtype(self: __torch__.Ops, x: Tensor, dtype: int) -> Tensor:
                return torch.to(x, dtype)
              def to_device(self: __torch__.Ops, x: Tensor, device: str) -> Tensor:
                return torch.to(x, torch.device(device))
              def contiguous(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.contiguous(x)
              def channels_last(self: __torch__.Ops, x: Tensor) -> Tensor:
                return torch.contiguous(x, memory_format=2)
              def host_contiguous(self: __torch__.Ops, x: Tensor, dtype: int) -> Tensor:
                return torch.contiguous(torch.to(x, torch.device("cpu"), dtype))
              def full(self: __torch__.Ops, size: List[int], value: float, dtype: int, device: str) -> Tensor:
                return torch.full(size, value, dtype=dtype, device=torch.device(device))
              def empty(self: __torch__.Ops, size: List[int], dtype: int, device: str) -> Tensor:
                return torch.empty(size, dtype=dtype, device=torch.device(device))
              def copy_into(self: __torch__.Ops, dst: Tensor, offset: int, src: Tensor) -> Tensor:
                view = torch.narrow(dst, 0, offset, torch.numel(src))
                _0 = torch.copy_(view, torch.reshape(src, [-1]))
                return dst
            """;

    /**
     * The linear layers of {@code sandwich_block} with weights in MKL's packed GEMM layout ({@code pw}, made by
     * {@code pack_linear} for inputs of {@code rows} rows), which skips the re-layout of the weight that every
     * plain GEMM call repeats. libtorch itself falls back to the plain weight when the rows differ. Only libtorch
     * builds with MKL (x86-64) have these ops; elsewhere the module is built with {@link #PLAIN_LINEAR}.
     */
    static final String PACKED_LINEAR = """
              def linear_packed(self: __torch__.Ops, x: Tensor, w: Tensor, pw: List[Tensor], i: int, rows: int) -> Tensor:
                if len(pw) == 0:
                  return torch.linear(x, w, None)
                return ops.mkl._mkl_linear(x, pw[i], w, None, rows)
              def pack_linear(self: __torch__.Ops, w: Tensor, rows: int) -> Tensor:
                return ops.mkl._mkl_reorder_linear_weight(w, rows)
            """;

    /** {@link #PACKED_LINEAR} for libtorch builds without MKL: no packing, plain linears. */
    static final String PLAIN_LINEAR = """
              def linear_packed(self: __torch__.Ops, x: Tensor, w: Tensor, pw: List[Tensor], i: int, rows: int) -> Tensor:
                return torch.linear(x, w, None)
            """;

    private static final String ROOT = "ops";

    private final Path file;
    private final PtSymbolBlock module;
    private final PtNDManager manager;
    /** Why this module has no packed linears (libtorch's refusal of the MKL ops), or null when it has them. */
    private final String noPacking;

    private OpHelper(Path file, PtSymbolBlock module, PtNDManager manager, String noPacking) {
        this.file = file;
        this.module = module;
        this.manager = manager;
        this.noPacking = noPacking;
    }

    Path file() {
        return file;
    }

    /** Whether this module can pack linear weights ({@code pack_linear}; libtorch built with MKL). */
    boolean canPackLinears() {
        return noPacking == null;
    }

    /** "packed linears", or "plain linears" and libtorch's reason, for reports. */
    String linearsDescription() {
        return noPacking == null ? "packed linears" : "plain linears: " + noPacking;
    }

    /**
     * Writes the module into {@code dir} unless an identical file is already there, then loads it: the version
     * with packed linears, or, where libtorch refuses MKL's ops (builds without MKL), the plain one.
     */
    static OpHelper load(Path dir, PtNDManager manager) {
        return load(dir, manager, PACKED_LINEAR);
    }

    /** {@link #load(Path, PtNDManager)} trying {@code packedLinear} as the packed-linear methods. */
    static OpHelper load(Path dir, PtNDManager manager, String packedLinear) {
        try {
            return load(dir, manager, packedLinear, null);
        } catch (TorchRuntimeException e) {
            try {
                return load(dir, manager, PLAIN_LINEAR, firstLine(e.getCause() != null ? e.getCause() : e));
            } catch (TorchRuntimeException plain) {
                plain.addSuppressed(e);
                throw plain;
            }
        }
    }

    private static OpHelper load(Path dir, PtNDManager manager, String linearMethods, String noPacking) {
        byte[] bytes = moduleBytes(linearMethods);
        Path file = dir.resolve("ops-" + sha256(bytes).substring(0, 16) + ".pt");
        try {
            ensureWritten(dir, file, bytes);
        } catch (IOException e) {
            throw new TorchRuntimeException("Cannot write the op helper to " + file + " (" + e.getMessage()
                    + "). Set jimeng.cache to a writable folder.", e);
        }
        try {
            PtSymbolBlock module = JniUtils.loadModule(manager, file, true, new String[0], new String[0], false);
            return new OpHelper(file, module, manager, noPacking);
        } catch (RuntimeException e) {
            throw new TorchRuntimeException("libtorch refused the op helper " + file + ": " + firstLine(e)
                    + ". Jimeng Studio needs libtorch " + TorchRuntime.LIBTORCH_SERIES + "x.", e);
        }
    }

    /** Writes {@code bytes} to {@code file} atomically when the file is absent or differs; removes stale versions. */
    static void ensureWritten(Path dir, Path file, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "ops-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        // Older versions go once nobody can be about to load them (another JVM of another version may share
        // this cache and have just written its own file).
        long dayAgo = System.currentTimeMillis() - 86_400_000L;
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "ops-*.pt")) {
            for (Path p : old) {
                if (!p.equals(file) && Files.getLastModifiedTime(p).toMillis() < dayAgo) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // stale files only waste a few kilobytes
        }
    }

    /** The module's source with {@code linearMethods} ({@link #PACKED_LINEAR} or {@link #PLAIN_LINEAR}). */
    static String script(String linearMethods) {
        return SCRIPT.replace("  %PACKED_LINEAR%\n", linearMethods);
    }

    /** The module as a zip; byte-for-byte reproducible (fixed timestamps), so its hash names its content. */
    static byte[] moduleBytes(String linearMethods) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                stored(zip, ROOT + "/data.pkl", dataPickle());
                stored(zip, ROOT + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
                stored(zip, ROOT + "/version", "10\n".getBytes(StandardCharsets.US_ASCII));
                stored(zip, ROOT + "/code/__torch__.py", script(linearMethods).getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pickle (protocol 2) of an {@code __torch__.Ops} object whose state is {'training': False}. */
    private static byte[] dataPickle() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        byte[] global = "c__torch__\nOps\n".getBytes(StandardCharsets.US_ASCII);
        p.write(global, 0, global.length);
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        p.write('('); // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.write(key, 0, key.length);
        p.write(0x89); // NEWFALSE
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L + 86_400_000L); // 1980-01-02: fixed, so the bytes (and the hash) are stable
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a method. Arguments: PtNDArray, Boolean, Integer/Long, Float/Double, String, long[] (an int list),
     * double[] (a float list), PtNDArray[] (a tensor list; also how an optional tensor is passed, as an empty or
     * one-element list).
     * Every IValue made here is closed here; the result is a new array on the runtime's manager.
     */
    PtNDArray call(String method, Object... args) {
        IValue[] values = new IValue[args.length];
        IValue result = null;
        try {
            for (int i = 0; i < args.length; i++) {
                values[i] = toIValue(args[i]);
            }
            result = IValueUtils.runMethod(module, method, values);
            return result.toTensor(manager);
        } catch (EngineException e) {
            throw new IllegalArgumentException("op '" + method + "' failed: " + firstLine(e), e);
        } finally {
            for (IValue v : values) {
                if (v != null) {
                    v.close();
                }
            }
            if (result != null) {
                result.close();
            }
        }
    }

    private static IValue toIValue(Object a) {
        if (a instanceof PtNDArray t) {
            return IValue.from(t);
        } else if (a instanceof Boolean b) {
            return IValue.from(b.booleanValue());
        } else if (a instanceof Integer || a instanceof Long) {
            return IValue.from(((Number) a).longValue());
        } else if (a instanceof Float || a instanceof Double) {
            return IValue.from(((Number) a).doubleValue());
        } else if (a instanceof String s) {
            return IValue.from(s);
        } else if (a instanceof long[] list) {
            return IValue.listFrom(list);
        } else if (a instanceof PtNDArray[] tensors) {
            return IValue.listFrom(tensors);
        } else if (a instanceof double[] list) {
            return IValue.listFrom(list);
        }
        throw new IllegalArgumentException("op helper cannot take a " + (a == null ? "null" : a.getClass()));
    }

    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
