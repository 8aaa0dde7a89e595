package io.github.jimengstudio.sampling;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} with a fixed shift, as {@code ZImagePipeline} drives it:
 * the sigma schedule for N steps, the timesteps and model time the transformer sees, and the Euler update.
 *
 * <p>Every value is computed in the precision the reference computes it (float32 or float64, step by step), so
 * sigmas and timesteps match diffusers bit for bit (golden/README.md §2). Usage, one instance per request:
 * <pre>
 *   scheduler.setTimesteps(8);
 *   for (int i = 0; i &lt; scheduler.numSteps(); i++) {
 *       float t = scheduler.modelT(i);               // (1000 - timestep) / 1000, what the DiT receives
 *       float[] v = negated transformer output at t;
 *       latents = scheduler.step(v, i, latents);    // latents + (sigma[i+1] - sigma[i]) * v
 *   }
 * </pre>
 */
public final class FlowMatchEulerScheduler {

    /** How N becomes a sigma schedule; they differ in the last bits and, for {@link #LEGACY}, in the meaning of N. */
    public enum SigmaRule {
        /**
         * ZImagePipeline in diffusers 0.39 and later: the pipeline passes {@code torch.linspace(1, 1/N, N)} (float32)
         * as custom sigmas, which are shifted in float32. N steps are N model evaluations. The default.
         */
        CURRENT,
        /**
         * ZImagePipeline in diffusers 0.36–0.38: {@code sigma_min = 0}, then {@code set_timesteps(N)} spaces the
         * timesteps over [1000, 0] in float64. The last sigma is 0, so the last step changes nothing and legacy
         * N equals current N − 1 (the model card's "9 steps" are current 8, bit for bit).
         */
        LEGACY,
        /** Plain {@code set_timesteps(N)}: like {@link #LEGACY} but ending at the scheduler's own sigma_min. */
        SCHEDULER_DEFAULT
    }

    private final SchedulerConfig config;
    /** The state after diffusers' {@code __init__}: one (shifted) sigma per training timestep, descending. */
    private final float[] trainingSigmas;
    private final float[] trainingTimesteps;
    /** N + 1 values, the terminal 0 appended; null until a schedule is set. */
    private float[] sigmas;
    private float[] timesteps;

    public FlowMatchEulerScheduler(SchedulerConfig config) {
        this.config = config;
        int n = config.numTrainTimesteps();
        float trainSteps = n;
        trainingSigmas = new float[n];
        trainingTimesteps = new float[n];
        for (int k = 0; k < n; k++) {
            float t = n - k; // np.linspace(1, n, n)[::-1], exact integers
            trainingSigmas[k] = shiftFloat32(t / trainSteps);
            trainingTimesteps[k] = trainingSigmas[k] * trainSteps;
        }
    }

    /** Reads the model's {@code scheduler/scheduler_config.json}. */
    public static FlowMatchEulerScheduler fromConfigFile(Path schedulerConfigJson) throws SchedulerConfigException {
        return new FlowMatchEulerScheduler(SchedulerConfig.read(schedulerConfigJson));
    }

    public SchedulerConfig config() {
        return config;
    }

    /** The schedule N steps make under the {@link SigmaRule#CURRENT} rule. */
    public void setTimesteps(int n) {
        setTimesteps(n, SigmaRule.CURRENT);
    }

    /** The schedule N steps make under the given rule. @throws IllegalArgumentException when n &lt; 1 */
    public void setTimesteps(int n, SigmaRule rule) {
        if (n < 1) {
            throw new IllegalArgumentException("number of steps is " + n + "; it must be 1 or more"
                    + " (Z-Image-Turbo is made for 8)");
        }
        switch (rule) {
            case CURRENT -> setSigmas(torchLinspace(1f, (float) (1.0 / n), n));
            case LEGACY -> setShiftedFloat64(numpyLinspace(sigmaMax() * config.numTrainTimesteps(), 0.0, n));
            case SCHEDULER_DEFAULT -> setShiftedFloat64(numpyLinspace(sigmaMax() * config.numTrainTimesteps(),
                    sigmaMin() * config.numTrainTimesteps(), n));
            default -> throw new AssertionError(rule);
        }
    }

    /**
     * A schedule from custom unshifted sigmas, as {@code set_timesteps(sigmas=...)}: they are rounded to float32,
     * shifted in float32, and the terminal 0 is appended.
     */
    public void setSigmas(float[] unshiftedSigmas) {
        if (unshiftedSigmas.length < 1) {
            throw new IllegalArgumentException("no sigmas given; a schedule needs at least one step");
        }
        float[] s = new float[unshiftedSigmas.length + 1];
        for (int k = 0; k < unshiftedSigmas.length; k++) {
            if (!Float.isFinite(unshiftedSigmas[k])) {
                throw new IllegalArgumentException("sigma " + k + " is " + unshiftedSigmas[k]);
            }
            s[k] = shiftFloat32(unshiftedSigmas[k]);
        }
        install(s);
    }

    /** Legacy path: timesteps spaced in float64, divided and shifted in float64, then rounded to float32. */
    private void setShiftedFloat64(double[] spacedTimesteps) {
        float[] s = new float[spacedTimesteps.length + 1];
        for (int k = 0; k < spacedTimesteps.length; k++) {
            double sigma = spacedTimesteps[k] / config.numTrainTimesteps();
            s[k] = (float) (config.shift() * sigma / (1 + (config.shift() - 1) * sigma));
        }
        install(s);
    }

    private void install(float[] sigmasWithTerminalZero) {
        int n = sigmasWithTerminalZero.length - 1;
        float trainSteps = config.numTrainTimesteps();
        float[] t = new float[n];
        for (int k = 0; k < n; k++) {
            t[k] = sigmasWithTerminalZero[k] * trainSteps;
        }
        sigmas = sigmasWithTerminalZero;
        timesteps = t;
    }

    /**
     * sigma' = shift·σ / (1 + (shift − 1)·σ) in float32, the way torch and numpy evaluate it for a float32 array and
     * a Python float shift: the shift and shift − 1 are rounded to float32 first.
     */
    private float shiftFloat32(float sigma) {
        float shift = (float) config.shift();
        float shiftMinusOne = (float) (config.shift() - 1);
        return (shift * sigma) / (1f + shiftMinusOne * sigma);
    }

    private double sigmaMax() {
        return trainingSigmas[0];
    }

    private double sigmaMin() {
        return trainingSigmas[trainingSigmas.length - 1];
    }

    /** Number of steps (model evaluations) of the current schedule. */
    public int numSteps() {
        return requireSchedule().length - 1;
    }

    /** The N + 1 sigmas, ending with 0. */
    public float[] sigmas() {
        return requireSchedule().clone();
    }

    /** The N timesteps, σ·num_train_timesteps in float32. */
    public float[] timesteps() {
        requireSchedule();
        return timesteps.clone();
    }

    public float sigma(int i) {
        float[] s = requireSchedule();
        if (i < 0 || i >= s.length) {
            throw new IndexOutOfBoundsException("sigma " + i + " of a schedule with " + s.length + " sigmas");
        }
        return s[i];
    }

    public float timestep(int i) {
        checkStep(i);
        return timesteps[i];
    }

    /** The time the transformer receives at step i: {@code (1000 − timestep)/1000} in float32, as the pipeline. */
    public float modelT(int i) {
        return (1000f - timestep(i)) / 1000f;
    }

    /** The 1000 shifted training sigmas diffusers holds after {@code __init__}, descending. */
    public float[] trainingSigmas() {
        return trainingSigmas.clone();
    }

    public float[] trainingTimesteps() {
        return trainingTimesteps.clone();
    }

    /**
     * One Euler step from step i to i + 1: {@code sample + (sigma[i+1] − sigma[i])·modelOutput} in float32, into a
     * new array. {@code modelOutput} is the velocity the pipeline passes (the transformer output negated).
     */
    public float[] step(float[] modelOutput, int i, float[] sample) {
        checkStep(i);
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("step: model output has " + modelOutput.length
                    + " values but the sample has " + sample.length + "; they must be the same latent shape");
        }
        float dt = sigmas[i + 1] - sigmas[i];
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = sample[k] + dt * modelOutput[k];
        }
        return out;
    }

    private void checkStep(int i) {
        int n = numSteps();
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("step " + i + " of a " + n + "-step schedule");
        }
    }

    private float[] requireSchedule() {
        if (sigmas == null) {
            throw new IllegalStateException("no schedule yet: call setTimesteps(n) first");
        }
        return sigmas;
    }

    /**
     * {@code torch.linspace(start, end, steps)} in float32 on the CPU, torch ≥ 2.0: each value from the nearer end,
     * {@code start + step·i} below the midpoint and {@code end − step·(steps−1−i)} above, with the multiply-add
     * fused as the x86-64 build compiles it (visible at N = 9, index 3). torch 1.13 vectorised the first 16
     * values differently, so for N ≥ 16 it differs from this by an ulp at a few indices.
     */
    static float[] torchLinspace(float start, float end, int steps) {
        float[] r = new float[steps];
        if (steps == 1) {
            r[0] = start;
            return r;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            r[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - 1 - i), end);
        }
        return r;
    }

    /** {@code numpy.linspace(start, stop, num)} in float64: {@code i·step + start}, the last value exactly stop. */
    static double[] numpyLinspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    @Override
    public String toString() {
        return "FlowMatchEulerScheduler(shift " + config.shift() + ", "
                + (sigmas == null ? "no schedule" : Arrays.toString(sigmas)) + ")";
    }
}
