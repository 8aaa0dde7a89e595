/**
 * Small building blocks shared by the networks, written against the runtime: {@link io.github.jimengstudio.nn.Linear}
 * (one object per checkpoint linear, so adapters can attach to it; an adapter that is idle or hands its update over
 * as low-rank terms lets a block compute the layer natively), {@link io.github.jimengstudio.nn.RmsNorm} (with the
 * gain-folding and fused-residual forms the DiT's modulated blocks use), and
 * {@link io.github.jimengstudio.nn.ForwardTrace}, through which the transformer and the text encoder hand named
 * intermediates to golden tests.
 */
package io.github.jimengstudio.nn;
