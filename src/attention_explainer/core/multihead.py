"""Multi-head self-attention in plain NumPy, with every intermediate kept.

    head_h  = softmax(Q_h K_hᵀ / √d_head) V_h,   Q_h = X W_Q^h,  K_h = X W_K^h,  V_h = X W_V^h
    output  = [head_1 | head_2 | ... | head_H] W_O

H heads, each d_head = d_model / H wide; W_O is d_model × d_model. X is the single-head trace's X
(so it includes the positional encoding when the config switches it on). The head weights and W_O
come from the config seed on their own random stream, quantised to the display precision like
the single-head weights. Rows are queries, columns are keys. n = tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from attention_explainer.core.attention import AttentionTrace, _from_qkv, _random_quantised
from attention_explainer.core.spec import AttentionSpec
from attention_explainer.errors import ConfigError

MULTIHEAD_STREAM = 0x4EAD5  # random stream of the head weights (the main trace uses the bare seed)


@dataclass(frozen=True)
class MultiHeadTrace:
    """Every number of the multi-head segment. Arrays are float64 and read-only."""

    tokens: tuple[str, ...]
    heads: int
    d_model: int
    d_head: int  # = d_model / heads
    precision: int  # decimals of X and the weights; Q, K, V have up to 2 × precision
    causal: bool
    X: np.ndarray  # (n, d_model)
    W_Q: np.ndarray  # (H, d_model, d_head), one slice per head
    W_K: np.ndarray  # (H, d_model, d_head)
    W_V: np.ndarray  # (H, d_model, d_head)
    Q: np.ndarray  # (H, n, d_head) = X W_Q^h
    K: np.ndarray  # (H, n, d_head)
    V: np.ndarray  # (H, n, d_head)
    scores: np.ndarray  # (H, n, n) = Q_h K_hᵀ
    scaled: np.ndarray  # (H, n, n) = scores / √d_head
    mask: np.ndarray  # (n, n) bool, True where a query may not look
    weights: np.ndarray  # (H, n, n) row softmax of scaled (masked); rows sum to 1
    Z: np.ndarray  # (H, n, d_head) = weights_h V_h, each head's output
    concat: np.ndarray  # (n, d_model) = [Z_1 | ... | Z_H], head h in columns h·d_head ...
    W_O: np.ndarray  # (d_model, d_model)
    output: np.ndarray  # (n, d_model) = concat W_O

    @property
    def n(self) -> int:
        return len(self.tokens)

    def head_columns(self, h: int) -> range:
        """The columns of `concat` that hold head h's output."""
        return range(h * self.d_head, (h + 1) * self.d_head)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("heads", "d_model", "d_head", "precision", "causal")}
        out["tokens"] = list(self.tokens)
        for name in ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "mask", "weights",
                     "Z", "concat", "W_O", "output"):
            out[name] = getattr(self, name).tolist()
        return out


def check_heads(d_model: int, heads: int) -> int:
    """d_head = d_model / heads, or a ConfigError that says what to set instead."""
    if heads < 1:
        raise ConfigError(f"model.heads: must be a positive integer, got {heads}")
    if d_model % heads:
        divisors = ", ".join(str(k) for k in range(1, d_model + 1) if d_model % k == 0)
        raise ConfigError(
            f"model.heads: {heads} heads cannot split d_model = {d_model} into equal heads "
            f"(d_model / heads must be a whole number); use one of {divisors}"
        )
    return d_model // heads


def multi_head_attend(
    X: np.ndarray, W_Q: np.ndarray, W_K: np.ndarray, W_V: np.ndarray, W_O: np.ndarray,
    causal: bool = False,
) -> dict[str, np.ndarray]:
    """Multi-head attention on given matrices (W_Q, W_K, W_V stacked per head: (H, d_model, d_head))."""
    Q = np.einsum("nd,hde->hne", X, W_Q)  # (H, n, d_head)
    K = np.einsum("nd,hde->hne", X, W_K)
    V = np.einsum("nd,hde->hne", X, W_V)
    return _finish(Q, K, V, W_O, causal)


def _finish(Q: np.ndarray, K: np.ndarray, V: np.ndarray, W_O: np.ndarray, causal: bool) -> dict[str, np.ndarray]:
    parts = [_from_qkv(Q[h], K[h], V[h], causal) for h in range(Q.shape[0])]
    stack = {k: np.stack([p[k] for p in parts]) for k in ("scores", "scaled", "weights", "Z")}
    concat = np.concatenate(list(stack["Z"]), axis=1)  # (n, d_model)
    return dict(Q=Q, K=K, V=V, mask=parts[0]["mask"], **stack, concat=concat, output=concat @ W_O)


def _on_grid(X: np.ndarray, unit: int) -> np.ndarray | None:
    """X × unit as integers when X holds exact multiples of 1/unit (drawn X does), else None."""
    X_int = np.rint(X * unit)
    return X_int.astype(np.int64) if np.array_equal(X_int / unit, X) else None


def compute_multihead(spec: AttentionSpec, trace: AttentionTrace) -> MultiHeadTrace:
    """The multi-head trace of a spec, on the single-head trace's X (`spec.heads` heads)."""
    m, p = spec, trace.precision
    heads = m.heads
    d_model = trace.d_model
    d_head = check_heads(d_model, heads)
    unit = 10**p
    rng = np.random.default_rng([m.seed, MULTIHEAD_STREAM])
    w_int = {name: np.zeros((heads, d_model, d_head), dtype=np.int64) for name in ("W_Q", "W_K", "W_V")}
    for h in range(heads):  # head by head, Q K V: adding a head keeps the earlier heads' weights
        for name in ("W_Q", "W_K", "W_V"):
            w_int[name][h] = _random_quantised(rng, (d_model, d_head), p)
    W_O_int = _random_quantised(rng, (d_model, d_model), p)
    W = {name: a.astype(np.float64) / unit for name, a in w_int.items()}
    W_O = W_O_int.astype(np.float64) / unit
    X = np.array(trace.X, dtype=np.float64)

    X_int = _on_grid(X, unit)
    if X_int is not None:  # Q, K, V exact: integer products divided once (as in attention.py)
        Q, K, V = (np.einsum("nd,hde->hne", X_int, w_int[w]).astype(np.float64) / (unit * unit)
                   for w in ("W_Q", "W_K", "W_V"))
        parts = _finish(Q, K, V, W_O, trace.causal)
    else:  # X includes the (irrational) positional encoding or user numbers with more decimals
        parts = multi_head_attend(X, W["W_Q"], W["W_K"], W["W_V"], W_O, trace.causal)

    arrays = {"X": X, **W, "W_O": W_O, **parts}
    for a in arrays.values():
        a.setflags(write=False)
    return MultiHeadTrace(tokens=trace.tokens, heads=heads, d_model=d_model, d_head=d_head,
                          precision=p, causal=trace.causal, **arrays)
