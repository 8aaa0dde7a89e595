package io.github.jimengstudio.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scijava.plugin.Parameter;

/** The memory mode and precision labels: every value offered, read back from a label or a spelling people use. */
class ComputeChoicesTest {

    @Test
    void everyMemoryModeAndPrecisionHasALabelThatReadsBack() {
        assertEquals(List.of("GPU", "Balanced", "Low VRAM", "CPU"), ComputeChoices.memoryModeLabels());
        assertEquals(List.of("auto", "float32", "bfloat16"), ComputeChoices.precisionLabels());
        for (MemoryMode m : MemoryMode.values()) {
            assertEquals(m, ComputeChoices.memoryMode(ComputeChoices.label(m)));
            assertEquals(m, ComputeChoices.memoryMode(m.name()));
        }
        for (Precision p : Precision.values()) {
            assertEquals(p, ComputeChoices.precision(ComputeChoices.label(p)));
            assertEquals(p, ComputeChoices.precision(p.name()));
        }
    }

    @Test
    void commandLineSpellingsAndAnyCaseAreRead() {
        assertEquals(MemoryMode.LOW_VRAM, ComputeChoices.memoryMode("low-vram"));
        assertEquals(MemoryMode.LOW_VRAM, ComputeChoices.memoryMode(" low vram "));
        assertEquals(MemoryMode.BALANCED, ComputeChoices.memoryMode("balanced"));
        assertEquals(Precision.BFLOAT16, ComputeChoices.precision("bf16"));
        assertEquals(Precision.FLOAT32, ComputeChoices.precision("FP32"));
        assertEquals(Precision.AUTO, ComputeChoices.precision("Auto"));
    }

    @Test
    void nothingChosenIsWhatARequestAsksForByDefault() {
        assertEquals(MemoryMode.BALANCED, ComputeChoices.memoryMode(null));
        assertEquals(MemoryMode.BALANCED, ComputeChoices.memoryMode(" "));
        assertEquals(Precision.AUTO, ComputeChoices.precision(null));
        assertEquals(Precision.AUTO, ComputeChoices.precision(""));
    }

    @Test
    void anUnknownValueIsRefusedNamingTheChoices() {
        assertEquals("memory mode 'turbo' is not one of: GPU, Balanced, Low VRAM, CPU.", assertThrows(
                InvalidRequestException.class, () -> ComputeChoices.memoryMode("turbo")).getMessage());
        assertEquals("precision 'float16' is not one of: auto, float32, bfloat16.", assertThrows(
                InvalidRequestException.class, () -> ComputeChoices.precision("float16")).getMessage());
    }

    /** The dialog offers every value the enums define, in their order, and starts at the defaults. */
    @Test
    void theGenerateDialogOffersEveryValueAndStartsAtTheDefaults() throws Exception {
        assertEquals(ComputeChoices.memoryModeLabels(), choices("memory_mode"));
        assertEquals(ComputeChoices.precisionLabels(), choices("precision"));
        GenerateImageCommand command = new GenerateImageCommand();
        assertEquals("Balanced", field(command, "memory_mode"));
        assertEquals("auto", field(command, "precision"));
    }

    private static List<String> choices(String name) throws NoSuchFieldException {
        return Arrays.asList(GenerateImageCommand.class.getDeclaredField(name).getAnnotation(Parameter.class)
                .choices());
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
