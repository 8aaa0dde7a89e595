package io.github.jimengstudio.runtime;

import static io.github.jimengstudio.runtime.Ref.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.engine.PtNDArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packed linear weights (MKL's packed GEMM layout, on this x86-64 CPU runtime): the same products as the plain
 * weights up to float32 rounding, and a packed copy never reaches native code next to a weight or a row count it
 * was not made for.
 */
class PackedWeightTest {

    private TensorScope scope;
    private final List<PackedWeight> packs = new ArrayList<>();

    @BeforeEach
    void open() {
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        packs.forEach(PackedWeight::close);
        scope.close();
    }

    private PackedWeight pack(Tensor w, long rows) {
        PackedWeight p = PackedWeight.pack(w, rows);
        packs.add(p);
        return p;
    }

    private static Tensor weight(long seed, int out, int in) {
        return Tensor.of(Ref.random(seed, out * in), out, in).mul(0.3f);
    }

    @Test
    void thisRuntimePacksFloat32WeightsOnTheCpuOnly() {
        Tensor w = weight(1, 6, 5);
        assertTrue(TorchRuntime.get().helper().canPackLinears(), "the linux-x86_64 libtorch has MKL's ops");
        assertTrue(PackedWeight.supported(w));
        assertFalse(PackedWeight.supported(w.to(ElementType.BFLOAT16)));
        assertFalse(PackedWeight.supported(Tensor.of(Ref.random(2, 6), 6)));
        assertThrows(IllegalArgumentException.class, () -> PackedWeight.pack(w.to(ElementType.BFLOAT16), 4));
        assertThrows(IllegalArgumentException.class, () -> PackedWeight.pack(w, 0));
    }

    @Test
    void aPackedLinearIsThePlainLinearUpToRounding() {
        for (int rows : new int[] {1, 7, 64, 300}) {
            Tensor w = weight(10 + rows, 37, 29);
            Tensor x = Tensor.of(Ref.random(20 + rows, rows * 29), 1, rows, 29);
            PackedWeight p = pack(w, rows);
            assertEquals(rows, p.rows());
            assertEquals(37L * 29 * Float.BYTES, p.bytes());
            Tensor y = Functional.linear(x, p);
            assertEquals(List.of(1L, (long) rows, 37L), List.of(y.dim(0), y.dim(1), y.dim(2)));
            assertClose(Functional.linear(x, w, null).toFloatArray(), y.toFloatArray(), 1e-6, rows + " rows");
        }
    }

    @Test
    void aPackedCopyGoesOnlyWithItsOwnWeightAndRowCount() {
        Tensor w = weight(30, 8, 8);
        Tensor equal = w.mul(1f); // same values, another tensor
        PackedWeight p = pack(w, 5);
        assertTrue(p.fits(w, 5));
        assertFalse(p.fits(equal, 5), "only the very tensor it was made from");
        assertFalse(p.fits(w, 6));
        Tensor six = Tensor.of(Ref.random(31, 6 * 8), 6, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.linear(six, p));
        assertTrue(e.getMessage().contains("packed for 5 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Functional.linear(Tensor.of(Ref.random(32, 5 * 7), 5, 7), p), "in-features differ");
        p.close();
        assertFalse(p.fits(w, 5), "a closed copy fits nothing");
        assertThrows(IllegalArgumentException.class, () -> Functional.linear(Tensor.of(Ref.random(33, 40), 5, 8), p));
        p.close(); // twice is harmless
    }

    @Test
    void theOneCallBlockWithPackedLinearsEqualsItWithout() {
        int b = 2;
        int t = 7;
        int dim = 12;
        int heads = 3;
        int d = dim / heads;
        int ffn = 20;
        Tensor x = Tensor.of(Ref.random(40, b * t * dim), b, t, dim);
        Tensor[] lin = {weight(41, dim, dim), weight(42, dim, dim), weight(43, dim, dim), weight(44, dim, dim),
            weight(45, ffn, dim), weight(46, dim, ffn), weight(47, ffn, dim)};
        Tensor gh = Tensor.of(Ref.uniform(48, d, 0.5f, 1.5f), d);
        Tensor g = Tensor.of(Ref.uniform(49, dim, 0.5f, 1.5f), dim);
        SandwichBlockWeights plain = new SandwichBlockWeights(lin[0], lin[1], lin[2], lin[3], gh, gh, 1e-6f, g, g, g,
                g, 1e-5f, lin[4], lin[5], lin[6], heads);
        List<PackedWeight> packed = new ArrayList<>();
        for (Tensor w : lin) {
            packed.add(pack(w, b * t));
        }
        SandwichBlockWeights withPacks = new SandwichBlockWeights(lin[0], lin[1], lin[2], lin[3], gh, gh, 1e-6f, g,
                g, g, g, 1e-5f, lin[4], lin[5], lin[6], heads, packed);
        Tensor modulation = Tensor.of(Ref.random(50, b * 4 * dim), b, 1, 4 * dim);
        Tensor cos = Tensor.of(Ref.uniform(51, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        Tensor sin = Tensor.of(Ref.uniform(52, b * t * d / 2, -1f, 1f), b, t, 1, d / 2);
        float[] expected = Functional.sandwichBlock(x, plain, modulation, cos, sin, null).toFloatArray();
        assertClose(expected, Functional.sandwichBlock(x, withPacks, modulation, cos, sin, null).toFloatArray(), 1e-6,
                "packed linears");

        // packs made for another row count, or listed against other weights, are refused before native code
        Tensor oneItem = x.slice(0, 0, 1);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> Functional.sandwichBlock(
                oneItem, withPacks, modulation.slice(0, 0, 1), cos.slice(0, 0, 1), sin.slice(0, 0, 1), null));
        assertTrue(rows.getMessage().contains("packed to_q was not made from this weight for 7 rows (it was for 14)"),
                rows.getMessage());
        List<PackedWeight> swapped = new ArrayList<>(packed);
        swapped.set(4, packed.get(6)); // w3's copy where w1's belongs: same shape, another weight
        SandwichBlockWeights misfit = new SandwichBlockWeights(lin[0], lin[1], lin[2], lin[3], gh, gh, 1e-6f, g, g, g,
                g, 1e-5f, lin[4], lin[5], lin[6], heads, swapped);
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> Functional.sandwichBlock(x, misfit, modulation, cos, sin, null));
        assertTrue(other.getMessage().contains("packed w1"), other.getMessage());
        SandwichBlockWeights short6 = new SandwichBlockWeights(lin[0], lin[1], lin[2], lin[3], gh, gh, 1e-6f, g, g, g,
                g, 1e-5f, lin[4], lin[5], lin[6], heads, packed.subList(0, 6));
        assertThrows(IllegalArgumentException.class, () -> Functional.sandwichBlock(x, short6, modulation, cos, sin,
                null));
    }

    @Test
    void theMemoryRuleIsASettingWithAnAutomaticDefault() {
        String before = System.getProperty("jimeng.packedWeights");
        try {
            System.clearProperty("jimeng.packedWeights");
            long total = NativeMemory.physicalBytes();
            assertTrue(total > 0, "the JVM knows this machine's memory");
            assertTrue(PackedWeight.affordable(total / 4));
            assertFalse(PackedWeight.affordable(total / 4 + 1), "auto: at most a quarter of the memory");
            System.setProperty("jimeng.packedWeights", "false");
            assertFalse(PackedWeight.affordable(1));
            System.setProperty("jimeng.packedWeights", "TRUE");
            assertTrue(PackedWeight.affordable(total));
            System.setProperty("jimeng.packedWeights", "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PackedWeight.affordable(1));
            assertTrue(e.getMessage().contains("use true, false or auto"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("jimeng.packedWeights");
            } else {
                System.setProperty("jimeng.packedWeights", before);
            }
        }
    }

    @Test
    void whereLibtorchRefusesTheMklOpsThePlainModuleLoads(@TempDir Path dir) {
        assertFalse(OpHelper.script(OpHelper.PLAIN_LINEAR).contains("ops.mkl"));
        assertTrue(OpHelper.script(OpHelper.PACKED_LINEAR).contains("ops.mkl._mkl_linear"));
        assertTrue(OpHelper.load(dir, TorchRuntime.get().manager()).canPackLinears());
        assertEquals("packed linears", OpHelper.load(dir, TorchRuntime.get().manager()).linearsDescription());
        // a libtorch without MKL knows no mkl:: ops; an op no build has stands in for that here
        OpHelper plain = OpHelper.load(dir, TorchRuntime.get().manager(),
                OpHelper.PACKED_LINEAR.replace("ops.mkl._mkl_linear", "ops.mkl._no_such_linear"));
        assertFalse(plain.canPackLinears());
        assertTrue(plain.linearsDescription().startsWith("plain linears: ")
                && plain.linearsDescription().contains("mkl::_no_such_linear"), plain.linearsDescription());
        Tensor x = Tensor.of(Ref.random(60, 3 * 4), 3, 4);
        Tensor w = weight(61, 5, 4);
        assertClose(Functional.linear(x, w, null).toFloatArray(), Tensor.wrap(plain.call("linear_packed", x.array(),
                w.array(), new PtNDArray[0], 0L, 3L), ElementType.FLOAT32).toFloatArray(), 1e-6,
                "the plain module's linears");
        assertThrows(IllegalArgumentException.class, () -> plain.call("pack_linear", w.array(), 3L),
                "the plain module has no packing");
    }
}
