package io.github.jimengstudio.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PrecisionNamesTest {

    @Test
    void namesAndShortFormsInAnyCaseGiveThePrecisionAndAnythingElseNull() {
        assertEquals(Precision.AUTO, Precision.named("Auto"));
        assertEquals(Precision.FLOAT32, Precision.named(" float32 "));
        assertEquals(Precision.FLOAT32, Precision.named("FP32"));
        assertEquals(Precision.BFLOAT16, Precision.named("bfloat16"));
        assertEquals(Precision.BFLOAT16, Precision.named("bf16"));
        assertNull(Precision.named("fp16"));
        assertNull(Precision.named("half"));
    }
}
