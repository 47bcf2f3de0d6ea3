"""Single-head scaled dot-product self-attention in plain NumPy, with every intermediate kept.

    Z = softmax(Q Kᵀ / √d_k) V,   Q = X W_Q,  K = X W_K,  V = X W_V

Rows are queries (tokens asking), columns are keys (tokens being looked at). n = tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from attention_explainer.core.positional import sinusoidal_encoding
from attention_explainer.core.spec import AttentionSpec


@dataclass(frozen=True)
class AttentionTrace:
    """Every number the video shows. Arrays are float64 and read-only."""

    tokens: tuple[str, ...]
    d_model: int
    d_k: int
    precision: int  # decimals of X and W; Q, K, V are exact with 2 × precision decimals
    causal: bool
    X: np.ndarray  # (n, d_model) embeddings, one row per token
    W_Q: np.ndarray  # (d_model, d_k)
    W_K: np.ndarray  # (d_model, d_k)
    W_V: np.ndarray  # (d_model, d_k)
    Q: np.ndarray  # (n, d_k) = X W_Q
    K: np.ndarray  # (n, d_k) = X W_K
    V: np.ndarray  # (n, d_k) = X W_V
    scores: np.ndarray  # (n, n) = Q Kᵀ; [i, j] = query i · key j
    scaled: np.ndarray  # (n, n) = scores / √d_k (before any mask)
    mask: np.ndarray  # (n, n) bool, True where a query may not look (future keys when causal)
    weights: np.ndarray  # (n, n) = row-wise softmax of scaled (masked to -inf); rows sum to 1
    Z: np.ndarray  # (n, d_k) = weights V

    @property
    def n(self) -> int:
        return len(self.tokens)

    @property
    def sqrt_d_k(self) -> float:
        return float(np.sqrt(self.d_k))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: scalars as is, matrices as lists of rows at full precision."""
        out: dict[str, Any] = {
            "tokens": list(self.tokens),
            "d_model": self.d_model,
            "d_k": self.d_k,
            "precision": self.precision,
            "causal": self.causal,
        }
        for name in ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z"):
            out[name] = getattr(self, name).tolist()
        out["mask"] = self.mask.tolist()
        return out


def softmax_rows(x: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over each row; -inf entries get weight 0."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def causal_mask(n: int) -> np.ndarray:
    """True above the diagonal: query i may not look at keys j > i."""
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def attend(
    X: np.ndarray, W_Q: np.ndarray, W_K: np.ndarray, W_V: np.ndarray, causal: bool = False
) -> dict[str, np.ndarray]:
    """The attention computation on given matrices; returns every intermediate by name."""
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V  # (n, d_k) each
    return _from_qkv(Q, K, V, causal)


def _from_qkv(Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool) -> dict[str, np.ndarray]:
    n, d_k = Q.shape
    scores = Q @ K.T  # (n, n)
    scaled = scores / np.sqrt(d_k)  # (n, n)
    mask = causal_mask(n) if causal else np.zeros((n, n), dtype=bool)
    weights = softmax_rows(np.where(mask, -np.inf, scaled))  # (n, n), rows sum to 1
    Z = weights @ V  # (n, d_k)
    return dict(Q=Q, K=K, V=V, scores=scores, scaled=scaled, mask=mask, weights=weights, Z=Z)


def _random_quantised(rng: np.random.Generator, shape: tuple[int, int], precision: int) -> np.ndarray:
    """Integers in [-10^p, 10^p]: the matrix times 10^p, i.e. values in [-1, 1] at p decimals."""
    unit = 10**precision
    return rng.integers(-unit, unit + 1, size=shape).astype(np.int64)


def _exact_product(a_int: np.ndarray, b_int: np.ndarray, scale: int) -> np.ndarray:
    """(a_int @ b_int) / scale, with the integer product exact: the float nearest the true decimal."""
    return (a_int @ b_int).astype(np.float64) / scale


def compute_trace(spec: AttentionSpec) -> AttentionTrace:
    """AttentionSpec -> AttentionTrace. Missing inputs come from the seed, quantised to the precision.

    When every input is generated, Q, K and V are computed in integers and divided once, so each
    equals (to the nearest float) the exact decimal a viewer gets by hand from the X and W shown.
    """
    m, p = spec, spec.precision
    tokens = tuple(spec.tokens)
    n, unit = len(tokens), 10**p
    rng = np.random.default_rng(m.seed)

    # Draw all four in a fixed order so a given matrix does not change when another is supplied.
    drawn = {
        "X": _random_quantised(rng, (n, m.d_model), p),
        "W_Q": _random_quantised(rng, (m.d_model, m.d_k), p),
        "W_K": _random_quantised(rng, (m.d_model, m.d_k), p),
        "W_V": _random_quantised(rng, (m.d_model, m.d_k), p),
    }
    given = {"X": m.embeddings, "W_Q": m.W_Q, "W_K": m.W_K, "W_V": m.W_V}

    positional = m.positional_encoding
    if all(v is None for v in given.values()) and not positional:
        X_int = drawn["X"]
        Q, K, V = (_exact_product(X_int, drawn[w], unit * unit) for w in ("W_Q", "W_K", "W_V"))
        inputs = {k: v.astype(np.float64) / unit for k, v in drawn.items()}
        parts = _from_qkv(Q, K, V, m.causal)
    else:
        inputs = {
            k: np.asarray(given[k], dtype=np.float64) if given[k] is not None else drawn[k] / unit
            for k in drawn
        }
        if positional:
            # X = embeddings + sin/cos positional encoding (positional.py). The encoding is NOT
            # quantised to the precision: X shown with `precision` decimals is rounded, and Q, K, V
            # are no longer exact decimals a viewer can reproduce by hand from the numbers shown.
            inputs["X"] = inputs["X"] + sinusoidal_encoding(n, m.d_model)  # (n, d_model)
        parts = attend(inputs["X"], inputs["W_Q"], inputs["W_K"], inputs["W_V"], m.causal)

    arrays = {**inputs, **parts}
    for a in arrays.values():
        a.setflags(write=False)
    return AttentionTrace(
        tokens=tokens, d_model=m.d_model, d_k=m.d_k, precision=p, causal=m.causal, **arrays
    )
