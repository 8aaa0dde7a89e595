package io.github.jimengstudio.dit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.testing.Golden;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pure-Java preprocessing — timestep sinusoid, position ids, pad masks, RoPE factors — against the golden
 * {@code dbg.*} tensors of every transformer case (golden README §1.2, README-extra §1).
 */
class PreprocessingGoldenTest {

    @ParameterizedTest
    @CsvSource({
        "transformer-tiny, case0_sq32_cap37",
        "transformer-tiny, case1_rect24x40_cap64",
        "transformer-tiny, case2_sq16_cap1_t0",
        "transformer-tiny, case3_batch2_masked",
        "transformer-wide, case0_wide_20x24_cap45",
        "transformer-wide, case1_wide_batch2_masked"})
    void positionIdsPadMasksSinusoidAndRopeFactorsMatchTheReference(String folder, String name) throws IOException {
        ZImageTransformerConfig config = ZImageTransformerConfig.read(Golden.file(folder + "/config.json"));
        RopeEmbedder rope = RopeEmbedder.of(config);
        try (GoldenCase c = new GoldenCase(folder, name)) {
            int items = c.items();
            List<TokenLayout> layouts = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                layouts.add(TokenLayout.of(config, c.shape("in.x." + i), c.shape("in.cap_feats." + i), i));
            }

            c.assertMatches("dbg.t_freq", TimestepEmbedder.sinusoid(c.floats("in.t"), config.tScale()));

            for (int i = 0; i < items; i++) {
                TokenLayout l = layouts.get(i);
                c.assertExact("dbg.patchify.x_pos_ids." + i, widen(l.imagePositionIds()));
                c.assertExact("dbg.patchify.x_pad_mask." + i, padMask(l.imageTokens(), l.imagePadded()));
                c.assertExact("dbg.patchify.cap_pad_mask." + i, padMask(l.captionTokens(), l.captionPadded()));
                // The stored caption ids are the reference's raw list, longer than the sequence by the pad count;
                // the sequence uses its first Pc rows, and the surplus rows are (0, 0, 0).
                long[] raw = c.longs("dbg.patchify.cap_pos_ids." + i);
                int pad = l.captionPadded() - l.captionTokens();
                assertEquals((l.captionPadded() + pad) * 3, raw.length, "raw caption id rows");
                long[] used = java.util.Arrays.copyOf(raw, l.captionPadded() * 3);
                assertEquals(java.util.Arrays.toString(widen(l.captionPositionIds())), java.util.Arrays.toString(used));
                for (int k = l.captionPadded() * 3; k < raw.length; k++) {
                    assertEquals(0, raw[k], "surplus caption id rows are (0,0,0)");
                }
            }

            checkFreqs(c, "dbg.noise_refiner.0.in.freqs", rope, layouts, TokenLayout::imagePositionIds);
            checkFreqs(c, "dbg.context_refiner.0.in.freqs", rope, layouts, TokenLayout::captionPositionIds);
            checkFreqs(c, "dbg.layers.0.in.freqs", rope, layouts, TokenLayout::unifiedPositionIds);
        }
    }

    /**
     * Compares the factors on every row inside each item's own length. Beyond it (batch padding) the reference
     * leaves either zeros or, in the caption stream, the identity rotation of its surplus (0,0,0) ids; those rows
     * hold zero queries and keys, so any factor gives the same result. They are checked to be one of the two.
     */
    private static void checkFreqs(GoldenCase c, String key, RopeEmbedder rope, List<TokenLayout> layouts,
            Function<TokenLayout, int[]> ids) {
        List<int[]> all = new ArrayList<>();
        for (TokenLayout l : layouts) {
            all.add(ids.apply(l));
        }
        RopeFactors f = rope.factors(all);
        long[] shape = c.shape(key);
        assertEquals(f.batch(), shape[0], key + " batch");
        assertEquals(f.length(), shape[1], key + " length");
        assertEquals(f.pairs(), shape[2], key + " pairs");
        float[] golden = c.floats(key);
        for (int b = 0; b < f.batch(); b++) {
            int own = all.get(b).length / 3;
            for (int t = 0; t < f.length(); t++) {
                for (int p = 0; p < f.pairs(); p++) {
                    int row = (b * f.length() + t) * f.pairs() + p;
                    float gc = golden[2 * row];
                    float gs = golden[2 * row + 1];
                    if (t < own) {
                        assertTrue(Math.abs(gc - f.cos()[row]) <= GoldenCase.FREQS_ABS
                                && Math.abs(gs - f.sin()[row]) <= GoldenCase.FREQS_ABS,
                                c.name + " " + key + " item " + b + " token " + t + " pair " + p + ": (" + f.cos()[row]
                                        + ", " + f.sin()[row] + ") vs (" + gc + ", " + gs + ")");
                    } else {
                        assertTrue(gs == 0 && (gc == 0 || gc == 1), key + " batch padding row holds (" + gc + ", "
                                + gs + ")");
                        assertEquals(0f, f.cos()[row]);
                        assertEquals(0f, f.sin()[row]);
                    }
                }
            }
        }
    }

    private static long[] widen(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static long[] padMask(int real, int padded) {
        long[] m = new long[padded];
        for (int i = real; i < padded; i++) {
            m[i] = 1;
        }
        return m;
    }
}
