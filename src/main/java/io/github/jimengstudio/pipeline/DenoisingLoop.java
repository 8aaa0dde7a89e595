package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.sampling.FlowMatchEulerScheduler;
import java.util.Objects;

/**
 * The sampling loop of diffusers' {@code ZImagePipeline.__call__} (zimage-spec §5), with the latents held as
 * float32 Java arrays: the transformer is the only native part, so the guidance, the sign flip and the Euler update
 * are exact float32 on every device, and a seed gives the same latents wherever the transformer runs.
 *
 * <p>Per step i, with σ_i and model time {@code t = (1000 − timestep_i)/1000}:
 * <ol>
 *   <li>the guidance of this step is {@code g}, or 0 when {@code t > cfgTruncation};</li>
 *   <li>the transformer predicts {@code pos} (and {@code neg} for the negative prompt when g &gt; 0);</li>
 *   <li>{@code pred = pos + g·(pos − neg)}, rescaled to {@code k·‖pos‖} when cfg normalization k &gt; 0 and
 *       {@code ‖pred‖ > k·‖pos‖} (norms over the whole latent);</li>
 *   <li>{@code v = −pred}; NaN or infinite values stop the run here, naming the step;</li>
 *   <li>{@code latents ← latents + (σ_{i+1} − σ_i)·v}.</li>
 * </ol>
 */
public final class DenoisingLoop {

    /** The transformer as the loop sees it. */
    @FunctionalInterface
    public interface Model {
        /**
         * The raw transformer output for {@code latents} ({@code [16, h, w]}, float32) at model time
         * {@code modelTime}: one array for the prompt, or two (prompt, negative prompt) when {@code guided}.
         * Implementations may check the cancel token between passes.
         */
        float[][] predict(float[] latents, float modelTime, boolean guided);
    }

    /** Sees each finished step, e.g. for progress, previews and tests. The arrays must not be modified. */
    @FunctionalInterface
    public interface StepObserver {
        /**
         * @param step     0-based index of the step just done
         * @param velocity what the scheduler stepped with ({@code noise_pred} in diffusers: after guidance and the
         *                 sign flip)
         * @param latents  the latents after the step
         */
        void stepDone(int step, float[] velocity, float[] latents);
    }

    private final FlowMatchEulerScheduler scheduler;
    private final double guidance;
    private final double cfgTruncation;
    private final double cfgNormalization;
    private final String precision;

    /**
     * @param scheduler        with its schedule set ({@code setTimesteps(n)})
     * @param guidance         g ≥ 0; 0 turns guidance off
     * @param cfgTruncation    steps whose model time exceeds this run without guidance (1 = never)
     * @param cfgNormalization k &gt; 0 caps ‖pred‖ at k·‖pos‖; 0 = off
     * @param precision        the transformer's precision, named in the advice when values go non-finite
     */
    public DenoisingLoop(FlowMatchEulerScheduler scheduler, double guidance, double cfgTruncation,
            double cfgNormalization, String precision) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.guidance = guidance;
        this.cfgTruncation = cfgTruncation;
        this.cfgNormalization = cfgNormalization;
        this.precision = Objects.requireNonNull(precision, "precision");
        scheduler.numSteps(); // fails now, not mid-run, when no schedule was set
    }

    /** The guidance of a request. */
    public static DenoisingLoop of(FlowMatchEulerScheduler scheduler, GenerationRequest request, String precision) {
        return new DenoisingLoop(scheduler, request.guidance(), request.cfgTruncation(), request.cfgNormalization(),
                precision);
    }

    public int steps() {
        return scheduler.numSteps();
    }

    /**
     * The guidance scale at step i: the request's, or 0 when cfg truncation switches it off for this step (the
     * reference compares the float32 model time with the truncation as a double).
     */
    public float guidanceAt(int i) {
        if (guidance <= 0) {
            return 0f;
        }
        double t = scheduler.modelT(i);
        return cfgTruncation <= 1 && t > cfgTruncation ? 0f : (float) guidance;
    }

    /**
     * Runs every step from {@code initLatents} (not modified) and returns the final latents.
     *
     * @throws GenerationCancelledException when {@code cancel} is set (checked before each step)
     * @throws NonFiniteValuesException     when a step produces NaN or infinite values
     */
    public float[] run(float[] initLatents, Model model, CancellationToken cancel, StepObserver observer) {
        int n = scheduler.numSteps();
        float[] latents = initLatents.clone();
        for (int i = 0; i < n; i++) {
            cancel.throwIfCancelled("before step " + (i + 1) + " of " + n);
            float g = guidanceAt(i);
            boolean guided = g > 0;
            float[][] out = model.predict(latents, scheduler.modelT(i), guided);
            checkOutputs(out, guided, latents.length);
            float[] pred = guided ? combine(out[0], out[1], g, cfgNormalization) : out[0];
            float[] velocity = negate(pred);
            requireFinite(velocity, i, n, "the transformer's prediction");
            latents = scheduler.step(velocity, i, latents);
            requireFinite(latents, i, n, "the latents");
            observer.stepDone(i, velocity, latents);
        }
        return latents;
    }

    private static void checkOutputs(float[][] out, boolean guided, int size) {
        int expected = guided ? 2 : 1;
        if (out == null || out.length != expected) {
            throw new IllegalStateException("the transformer returned " + (out == null ? "nothing" : out.length
                    + " outputs") + " where " + expected + " were expected");
        }
        for (float[] o : out) {
            if (o.length != size) {
                throw new IllegalStateException("the transformer returned " + o.length + " values for a latent of "
                        + size);
            }
        }
    }

    /**
     * Classifier-free guidance in float32, {@code pos + g·(pos − neg)}, then the optional renormalisation: when
     * {@code normalization} k &gt; 0 and ‖pred‖ &gt; k·‖pos‖, pred is scaled by {@code k‖pos‖/‖pred‖}.
     */
    public static float[] combine(float[] pos, float[] neg, float g, double normalization) {
        if (pos.length != neg.length) {
            throw new IllegalArgumentException("guidance: prompt and negative predictions differ in size ("
                    + pos.length + " vs " + neg.length + ")");
        }
        float[] pred = new float[pos.length];
        for (int k = 0; k < pred.length; k++) {
            pred[k] = pos[k] + g * (pos[k] - neg[k]);
        }
        if (normalization > 0) {
            float posNorm = norm(pos);
            float predNorm = norm(pred);
            float maxNorm = posNorm * (float) normalization;
            if (predNorm > maxNorm) {
                float scale = maxNorm / predNorm;
                for (int k = 0; k < pred.length; k++) {
                    pred[k] *= scale;
                }
            }
        }
        return pred;
    }

    /** The Euclidean norm over all values, accumulated in double and rounded to float32 once. */
    static float norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return (float) Math.sqrt(sum);
    }

    static float[] negate(float[] v) {
        float[] r = new float[v.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = -v[k];
        }
        return r;
    }

    private void requireFinite(float[] values, int i, int n, String what) {
        int bad = NonFiniteValuesException.count(values);
        if (bad > 0) {
            throw new NonFiniteValuesException(Stage.DENOISING, i + 1, "Step " + (i + 1) + " of " + n + ": "
                    + what + " has " + bad + " NaN or infinite values (of " + values.length + "), so the image would "
                    + "be black or garbage; stopped. The transformer ran in " + precision + ". "
                    + NonFiniteValuesException.advice(precision));
        }
    }
}
