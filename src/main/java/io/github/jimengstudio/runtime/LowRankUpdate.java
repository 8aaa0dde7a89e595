package io.github.jimengstudio.runtime;

/**
 * One low-rank term added to a linear layer's output: {@code y += factor · (x·downᵀ)·upᵀ}, with {@code down}
 * [rank, in] and {@code up} [out, rank] (a LoRA's A and B at its strength and scale).
 */
public record LowRankUpdate(Tensor down, Tensor up, float factor) {}
