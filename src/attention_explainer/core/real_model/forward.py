"""The forward pass of a BERT encoder in plain NumPy, keeping every head's attention.

    x₀ = LayerNorm(word[ids] + position[0..n) + token_type[0])
    per layer:  Q, K, V = x Wᵀ + b, split into h heads of d_k = d_model / h
                A = softmax(Q Kᵀ / √d_k)            (one n × n matrix per head)
                x = LayerNorm(x + concat(A V) W_Oᵀ + b_O)
                x = LayerNorm(x + gelu(x W_1ᵀ + b_1) W_2ᵀ + b_2)

Same order of operations as transformers' BertModel (eager attention, no padding, no dropout).
Weights are stored float32; the arithmetic runs in float64. n = pieces, [CLS] and [SEP] included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention_explainer.core.attention import softmax_rows
from attention_explainer.core.real_model.loader import BertModel


@dataclass(frozen=True)
class Forward:
    """What one sentence does inside the model. Arrays are float64 and read-only."""

    attentions: np.ndarray  # (layers, heads, n, n); [l, h, i, j] = weight of key j for query i
    queries: np.ndarray  # (layers, heads, n, d_k): each head's q rows (bias included)
    keys: np.ndarray  # (layers, heads, n, d_k): each head's k rows
    hidden: np.ndarray  # (layers + 1, n, d_model): embeddings, then each layer's output


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Normalise each row to mean 0, variance 1 (biased), then scale and shift."""
    mean = x.mean(axis=-1, keepdims=True)  # (n, 1)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # (n, 1)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta  # (n, d_model)


def activation(x: np.ndarray, name: str) -> np.ndarray:
    """config.json's hidden_act: "gelu" is the exact erf form, "gelu_new" the tanh form."""
    if name == "gelu":
        from scipy.special import erf  # exact erf, as torch's gelu; scipy (with manim) costs 0.35 s to import

        return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))
    if name == "gelu_new":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
    return np.maximum(x, 0.0)  # relu


def forward(model: BertModel, ids: list[int]) -> Forward:
    """Run the encoder on piece ids (with [CLS] ... [SEP]); every head's attention kept."""
    c, w = model.config, model.weights
    n, h, d_k = len(ids), c.heads, c.d_k

    def linear(x: np.ndarray, name: str) -> np.ndarray:  # (n, in) -> (n, out) = x Wᵀ + b
        return x @ w[f"{name}.weight"].T.astype(np.float64) + w[f"{name}.bias"]

    def ln(x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, w[f"{name}.LayerNorm.weight"], w[f"{name}.LayerNorm.bias"], c.eps)

    x = (w["embeddings.word_embeddings.weight"][ids].astype(np.float64)  # (n, d_model)
         + w["embeddings.position_embeddings.weight"][:n]  # (n, d_model)
         + w["embeddings.token_type_embeddings.weight"][0])  # (d_model,): one segment
    x = ln(x, "embeddings")  # (n, d_model)
    hidden, attentions, queries, keys = [x], [], [], []
    for layer in range(c.layers):
        p = f"encoder.layer.{layer}."

        def heads_of(t: np.ndarray) -> np.ndarray:  # (n, d_model) -> (heads, n, d_k)
            return t.reshape(n, h, d_k).transpose(1, 0, 2)

        Q = heads_of(linear(x, p + "attention.self.query"))  # (heads, n, d_k)
        K = heads_of(linear(x, p + "attention.self.key"))  # (heads, n, d_k)
        V = heads_of(linear(x, p + "attention.self.value"))  # (heads, n, d_k)
        scaled = Q @ K.transpose(0, 2, 1) / np.sqrt(d_k)  # (heads, n, n)
        A = softmax_rows(scaled)  # (heads, n, n), rows sum to 1
        context = (A @ V).transpose(1, 0, 2).reshape(n, c.d_model)  # (n, d_model): heads side by side
        x = ln(x + linear(context, p + "attention.output.dense"), p + "attention.output")  # (n, d_model)
        inner = activation(linear(x, p + "intermediate.dense"), c.activation)  # (n, d_ff)
        x = ln(x + linear(inner, p + "output.dense"), p + "output")  # (n, d_model)
        attentions.append(A)
        queries.append(Q)
        keys.append(K)
        hidden.append(x)
    out = Forward(attentions=np.stack(attentions), queries=np.stack(queries), keys=np.stack(keys),
                  hidden=np.stack(hidden))
    for a in (out.attentions, out.queries, out.keys, out.hidden):
        a.setflags(write=False)
    return out
