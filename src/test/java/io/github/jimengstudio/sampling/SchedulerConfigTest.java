package io.github.jimengstudio.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.sampling.FlowMatchEulerScheduler.SigmaRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerConfigTest {

    private static String messageOf(String json) {
        return assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.parse(json, "cfg.json"))
                .getMessage();
    }

    @Test
    void absentKeysTakeTheClassDefaults() throws IOException {
        SchedulerConfig c = SchedulerConfig.parse("{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\"}", "x");
        assertEquals(SchedulerConfig.withShift(1000, 1.0), c);
        SchedulerConfig nulls = SchedulerConfig.parse("{\"shift\": 3.0, \"shift_terminal\": null,"
                + " \"base_shift\": null}", "x");
        assertEquals(SchedulerConfig.withShift(1000, 3.0), nulls);
    }

    @Test
    void missingFileNamesThePathAndWhatIsNeeded(@TempDir Path dir) {
        Path missing = dir.resolve("scheduler").resolve("scheduler_config.json");
        SchedulerConfigException e = assertThrows(SchedulerConfigException.class,
                () -> FlowMatchEulerScheduler.fromConfigFile(missing));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("scheduler config not found"), e.getMessage());
    }

    @Test
    void nonPositiveShiftIsRefused() {
        assertEquals("cfg.json: shift is 0.0; it must be a finite number above 0 (Z-Image-Turbo uses 3.0)",
                messageOf("{\"shift\": 0}"));
        assertTrue(messageOf("{\"shift\": -3.0}").contains("shift is -3.0"));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.withShift(1000, Double.NaN));
    }

    @Test
    void malformedValuesAreNamed(@TempDir Path dir) throws IOException {
        assertTrue(messageOf("{\"shift\": \"3\"}").contains("shift is \"3\"; expected a number"));
        assertTrue(messageOf("{\"num_train_timesteps\": 999.5}").contains("expected a whole number"));
        assertTrue(messageOf("{\"num_train_timesteps\": 0}").contains("num_train_timesteps is 0"));
        assertTrue(messageOf("{\"use_dynamic_shifting\": \"no\"}").contains("expected true or false"));
        assertTrue(messageOf("[1, 2]").contains("must be a JSON object"));
        assertTrue(messageOf("{\"shift\": 3.0").contains("not valid JSON"));
        assertTrue(messageOf("{\"time_shift_type\": \"cosine\"}").contains("'exponential' or 'linear'"));
        Path bad = dir.resolve("scheduler_config.json");
        Files.writeString(bad, "{\"shift\": [3]}");
        SchedulerConfigException e = assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.read(bad));
        assertEquals(bad + ": shift is [3]; expected a single value", e.getMessage());
    }

    @Test
    void featuresThisPortLacksAreRefusedByName() {
        assertTrue(messageOf("{\"use_dynamic_shifting\": true}").contains("use_dynamic_shifting is true, which this"
                + " scheduler does not implement"));
        assertTrue(messageOf("{\"shift_terminal\": 0.1}").contains("shift_terminal is 0.1"));
        assertTrue(messageOf("{\"use_karras_sigmas\": true}").contains("use_karras_sigmas"));
        assertTrue(messageOf("{\"use_exponential_sigmas\": true}").contains("use_exponential_sigmas"));
        assertTrue(messageOf("{\"use_beta_sigmas\": true}").contains("use_beta_sigmas"));
        assertTrue(messageOf("{\"invert_sigmas\": true}").contains("invert_sigmas"));
        assertTrue(messageOf("{\"stochastic_sampling\": true}").contains("stochastic_sampling"));
        assertEquals("cfg.json: _class_name is 'EulerDiscreteScheduler', but only FlowMatchEulerDiscreteScheduler"
                + " is implemented", messageOf("{\"_class_name\": \"EulerDiscreteScheduler\"}"));
    }

    @Test
    void badStepCountsAndIndicesAreRefused() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.withShift(1000, 3.0));
        IllegalStateException early = assertThrows(IllegalStateException.class, () -> s.modelT(0));
        assertEquals("no schedule yet: call setTimesteps(n) first", early.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
        assertEquals("number of steps is 0; it must be 1 or more (Z-Image-Turbo is made for 8)", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(-4, SigmaRule.LEGACY));
        assertThrows(IllegalArgumentException.class, () -> s.setSigmas(new float[0]));
        assertThrows(IllegalArgumentException.class, () -> s.setSigmas(new float[] {1f, Float.NaN}));
        s.setTimesteps(4);
        assertThrows(IndexOutOfBoundsException.class, () -> s.modelT(4));
        assertThrows(IndexOutOfBoundsException.class, () -> s.step(new float[2], -1, new float[2]));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> s.step(new float[3], 0, new float[2]));
        assertTrue(shape.getMessage().contains("model output has 3 values but the sample has 2"));
    }

    @Test
    void aSecondScheduleReplacesTheFirst() {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(SchedulerConfig.withShift(1000, 3.0));
        s.setTimesteps(8);
        s.setTimesteps(1);
        assertEquals(1, s.numSteps());
        assertEquals(1000f, s.timestep(0));
        assertEquals(0f, s.modelT(0));
        // One step from pure noise to sigma 0 is x - v.
        float[] next = s.step(new float[] {0.25f, -2f}, 0, new float[] {1f, 1f});
        assertEquals(0.75f, next[0]);
        assertEquals(3f, next[1]);
    }
}
