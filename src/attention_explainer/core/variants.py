"""The numbers of the optional segments that vary the single-head attention of attention.py.

    causal_comparison  the trace's scaled scores softmaxed with and without the causal mask
    scaling_demo       why 1/√d_k: random unit-variance q, k at a realistic width (64)
    order_demo         attention without positions is blind to word order

Pure NumPy on the trace's arrays; scenes call these and only draw what they return.
Rows are queries, columns are keys, as in attention.py. n = tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention_explainer.core.attention import AttentionTrace, attend, causal_mask, softmax_rows
from attention_explainer.core.positional import sinusoidal_encoding

# Separate random streams, so these demos never shift the numbers of the main trace.
SCALING_STREAM = 0x5CA1E
REALISTIC_D_K = 64  # the width of one head in the original Transformer (512 / 8)


def _frozen(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


# ------------------------------------------------------------------------------------ causal mask
@dataclass(frozen=True)
class CausalComparison:
    """The same scaled scores softmaxed without and with the causal mask."""

    tokens: tuple[str, ...]
    scaled: np.ndarray  # (n, n) = trace.scaled, before any mask
    mask: np.ndarray  # (n, n) bool, True above the diagonal (keys after the query)
    masked_scaled: np.ndarray  # (n, n) scaled with -inf where mask
    unmasked: np.ndarray  # (n, n) row softmax of scaled: every key visible
    masked: np.ndarray  # (n, n) row softmax of masked_scaled: 0 above the diagonal

    @property
    def n(self) -> int:
        return len(self.tokens)


def causal_comparison(trace: AttentionTrace) -> CausalComparison:
    n = trace.n
    mask = causal_mask(n)  # (n, n)
    scaled = np.array(trace.scaled, dtype=np.float64)  # (n, n)
    masked_scaled = np.where(mask, -np.inf, scaled)  # (n, n)
    unmasked = softmax_rows(scaled)  # (n, n)
    masked = softmax_rows(masked_scaled)  # (n, n); exp(-inf) = 0 exactly
    _frozen(scaled, mask, masked_scaled, unmasked, masked)
    return CausalComparison(trace.tokens, scaled, mask, masked_scaled, unmasked, masked)


# ----------------------------------------------------------------------------------- why √d_k
@dataclass(frozen=True)
class ScalingDemo:
    """One random query against a few random keys at width d_k, softmaxed raw and scaled; and the
    measured variance of q·k as the width grows. Every component is drawn from N(0, 1)."""

    d_k: int  # realistic width (64, or the config's d_k if larger)
    q: np.ndarray  # (d_k,) one query
    K: np.ndarray  # (m, d_k) m keys
    scores: np.ndarray  # (m,) raw q · k_j
    scaled: np.ndarray  # (m,) scores / √d_k
    p_raw: np.ndarray  # (m,) softmax(scores)
    p_scaled: np.ndarray  # (m,) softmax(scaled)
    grad_raw: np.ndarray  # (m,) p(1 - p) = ∂p_j/∂s_j for the raw softmax
    grad_scaled: np.ndarray  # (m,) same for the scaled softmax
    dims: np.ndarray  # (D,) widths measured: 1, 2, 4, ..., d_k
    variance: np.ndarray  # (D,) measured Var(q · k) over `samples` random pairs, ≈ dims
    scaled_variance: np.ndarray  # (D,) measured Var(q · k / √d), ≈ 1
    samples: int

    @property
    def m(self) -> int:
        return len(self.scores)

    @property
    def sqrt_d_k(self) -> float:
        return float(np.sqrt(self.d_k))


def realistic_d_k(config_d_k: int) -> int:
    return max(REALISTIC_D_K, int(config_d_k))


def _softmax(x: np.ndarray) -> np.ndarray:
    return softmax_rows(x[None, :])[0]


def scaling_demo(seed: int, d_k: int = REALISTIC_D_K, keys: int = 8, samples: int = 4000) -> ScalingDemo:
    """Deterministic for a seed. `keys` keys for the softmax bars; `samples` pairs per width."""
    if d_k < 1 or keys < 1 or samples < 2:
        raise ValueError("d_k and keys must be positive and samples at least 2")
    rng = np.random.default_rng([seed, SCALING_STREAM])
    q = rng.standard_normal(d_k)  # (d_k,)
    K = rng.standard_normal((keys, d_k))  # (m, d_k)
    scores = K @ q  # (m,)
    scaled = scores / np.sqrt(d_k)  # (m,)
    p_raw, p_scaled = _softmax(scores), _softmax(scaled)
    dims = sorted({1 << k for k in range(d_k.bit_length()) if 1 << k <= d_k} | {d_k})
    variance, scaled_variance = [], []
    for d in dims:
        a = rng.standard_normal((samples, d))
        b = rng.standard_normal((samples, d))
        dots = np.einsum("sd,sd->s", a, b)  # (samples,) one dot product per pair
        variance.append(np.var(dots))
        scaled_variance.append(np.var(dots / np.sqrt(d)))
    arrays = dict(
        q=q, K=K, scores=scores, scaled=scaled, p_raw=p_raw, p_scaled=p_scaled,
        grad_raw=p_raw * (1 - p_raw), grad_scaled=p_scaled * (1 - p_scaled),
        dims=np.array(dims, dtype=np.int64), variance=np.array(variance),
        scaled_variance=np.array(scaled_variance),
    )
    _frozen(*arrays.values())
    return ScalingDemo(d_k=d_k, samples=samples, **arrays)


# ------------------------------------------------------------------------------ blind to order
@dataclass(frozen=True)
class OrderDemo:
    """The sentence and a reordering of it through the trace's weights, without and with the
    sinusoidal positional encoding. No causal mask: the mask alone would reveal positions.

    perm[i] is the sentence index of the token at position i of the reordered sentence, so
    without positions Z_perm[i] == Z[perm[i]] (the output rows move with their tokens)."""

    tokens: tuple[str, ...]
    perm: tuple[int, ...]
    tokens_perm: tuple[str, ...]
    E: np.ndarray  # (n, d_model) token embeddings, without positions
    PE: np.ndarray  # (n, d_model) sinusoidal encoding of positions 0..n-1
    X_pe: np.ndarray  # (n, d_model) = E + PE, what the projections see with positions
    Z: np.ndarray  # (n, d_k) attention output of the sentence, from E
    Z_perm: np.ndarray  # (n, d_k) of the reordered sentence, from E[perm]
    Z_pe: np.ndarray  # (n, d_k) of the sentence, from E + PE
    Z_pe_perm: np.ndarray  # (n, d_k) of the reordered sentence, from E[perm] + PE
    gap: np.ndarray  # (n,) largest |Z_perm[i] - Z[perm[i]]| per position: 0 up to rounding
    gap_pe: np.ndarray  # (n,) the same with positions: no longer 0

    @property
    def n(self) -> int:
        return len(self.tokens)


def rotation(n: int) -> tuple[int, ...]:
    """Every token moves one place left, the first goes last ("cat sat The")."""
    return tuple(list(range(1, n)) + [0]) if n > 1 else (0,)


def order_demo(trace: AttentionTrace, positional: bool, perm: tuple[int, ...] | None = None) -> OrderDemo:
    """`positional`: the trace's X already includes the encoding (config model.positional_encoding);
    it is taken off again to get the bare token embeddings."""
    n, d_model = trace.X.shape
    perm = rotation(n) if perm is None else tuple(int(i) for i in perm)
    if sorted(perm) != list(range(n)):
        raise ValueError(f"perm must reorder 0..{n - 1}, got {perm}")
    PE = sinusoidal_encoding(n, d_model)  # (n, d_model)
    E = np.array(trace.X - PE if positional else trace.X, dtype=np.float64)  # (n, d_model)
    W = (trace.W_Q, trace.W_K, trace.W_V)
    idx = list(perm)

    def Z_of(X: np.ndarray) -> np.ndarray:
        return attend(X, *W, causal=False)["Z"]  # (n, d_k)

    X_pe = E + PE  # (n, d_model)
    Z, Z_perm = Z_of(E), Z_of(E[idx])
    Z_pe, Z_pe_perm = Z_of(X_pe), Z_of(E[idx] + PE)
    gap = np.abs(Z_perm - Z[idx]).max(axis=1)  # (n,)
    gap_pe = np.abs(Z_pe_perm - Z_pe[idx]).max(axis=1)  # (n,)
    _frozen(E, PE, X_pe, Z, Z_perm, Z_pe, Z_pe_perm, gap, gap_pe)
    return OrderDemo(trace.tokens, perm, tuple(trace.tokens[i] for i in perm), E, PE, X_pe,
                     Z, Z_perm, Z_pe, Z_pe_perm, gap, gap_pe)
