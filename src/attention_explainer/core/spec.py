"""What the core computes from: its own frozen input, built by the config (`Config.attention_spec()`,
`Config.real_model_spec()`), so the numeric core never sees the application's Config.

    AttentionSpec  -> compute_trace (attention.py), compute_multihead (multihead.py)
    RealModelSpec  -> compute_real_trace (real_model/trace.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

Rows = tuple[tuple[float, ...], ...]  # a matrix as given in the config, one tuple per row


@dataclass(frozen=True)
class AttentionSpec:
    """The toy attention head: tokens, sizes, seed and any matrices the user gave.

    Matrices left None are drawn from the seed, quantised to `precision` decimals.
    """

    tokens: tuple[str, ...]
    d_model: int
    d_k: int
    precision: int  # decimals of X and W
    seed: int = 0
    causal: bool = False
    positional_encoding: bool = False  # X = embeddings + sin/cos positions
    heads: int = 2  # heads of the multi-head segment (must divide d_model there)
    embeddings: Optional[Rows] = None  # (n, d_model)
    W_Q: Optional[Rows] = None  # (d_model, d_k)
    W_K: Optional[Rows] = None  # (d_model, d_k)
    W_V: Optional[Rows] = None  # (d_model, d_k)


@dataclass(frozen=True)
class RealModelSpec:
    """The real-model segment: which model folder reads which sentences.

    `sentence_field` names the config field the sentence came from, for one-line errors.
    """

    sentence: str
    intro_sentence: str  # the opening question's sentence, run too unless it is `sentence`
    path: Optional[Path] = None  # None: the packaged model
    sentence_field: str = "sentence"
    main_sentence: str = ""  # the video's sentence (the toy head's), `sentence` unless real_model.sentence
    main_tokens: tuple[str, ...] = ()  # its tokens
    focus_index: Optional[int] = None  # video.focus among main_tokens (0-based), None without one


def frozen_rows(matrix: Optional[list[list[float]]]) -> Optional[Rows]:
    """A config matrix (lists) as immutable rows; None stays None."""
    return None if matrix is None else tuple(tuple(float(x) for x in row) for row in matrix)
