/**
 * Small building blocks shared by the networks, written against the runtime: {@link io.github.jimengstudio.nn.Linear}
 * (one object per checkpoint linear, so adapters can attach to it) and {@link io.github.jimengstudio.nn.RmsNorm}
 * (with the gain-folding and fused-residual forms the DiT's modulated blocks use).
 */
package io.github.jimengstudio.nn;
