package io.github.jimengstudio.pipeline;

import io.github.jimengstudio.dit.ZImageTransformer;
import io.github.jimengstudio.nn.ForwardTrace;
import io.github.jimengstudio.runtime.DeviceScope;
import io.github.jimengstudio.runtime.Tensor;
import io.github.jimengstudio.runtime.TensorScope;
import java.util.List;
import java.util.Objects;

/**
 * The transformer as the {@link DenoisingLoop} calls it, for one generation: the latents go in as
 * {@code [16, 1, h, w]} float32 (the transformer casts them to its compute type, as the reference's
 * {@code latents.to(dtype)}), and with guidance the prompt and the negative prompt run as one batch of two, the
 * reference's {@code [positive, negative]} with {@code t} repeated (their captions may pad to different lengths; the
 * transformer then masks the batch padding). Every temporary of a step is freed when the step returns.
 *
 * <p>A cancel is honoured between the transformer's blocks, so a long step on a slow device stops within one block.
 */
final class TransformerModel implements DenoisingLoop.Model {
    private final ZImageTransformer transformer;
    private final Tensor caption;
    private final Tensor negativeCaption;
    private final int height;
    private final int width;
    private final int steps;
    private final CancellationToken cancel;
    private int calls;

    /**
     * @param caption         the prompt's features {@code [Lc, cap_feat_dim]}, alive for the whole loop
     * @param negativeCaption the negative prompt's, or null when guidance is off
     * @param height          latent rows ({@code H/8})
     * @param width           latent columns
     */
    TransformerModel(ZImageTransformer transformer, Tensor caption, Tensor negativeCaption, int height, int width,
            int steps, CancellationToken cancel) {
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.caption = Objects.requireNonNull(caption, "caption");
        this.negativeCaption = negativeCaption;
        this.height = height;
        this.width = width;
        this.steps = steps;
        this.cancel = Objects.requireNonNull(cancel, "cancel");
    }

    @Override
    public float[][] predict(float[] latents, float modelTime, boolean guided) {
        int step = ++calls;
        if (guided && negativeCaption == null) {
            throw new IllegalStateException("guidance needs the negative prompt's features");
        }
        ForwardTrace betweenBlocks = (name, value) -> {
            if (name.endsWith(".out")) {
                cancel.throwIfCancelled("during step " + step + " of " + steps);
            }
        };
        // the float32 host latents cross to the transformer's device here; the transformer casts them to its type
        try (DeviceScope on = DeviceScope.use(transformer.device()); TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(latents, LatentPreview.CHANNELS, 1, height, width);
            List<Tensor> out = guided
                    ? transformer.forward(List.of(x, x), new float[] {modelTime, modelTime},
                            List.of(caption, negativeCaption), betweenBlocks)
                    : transformer.forward(List.of(x), new float[] {modelTime}, List.of(caption), betweenBlocks);
            float[][] result = new float[out.size()][];
            for (int k = 0; k < result.length; k++) {
                result[k] = out.get(k).toFloatArray();
            }
            return result;
        }
    }
}
