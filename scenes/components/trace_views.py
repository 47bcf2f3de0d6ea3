"""Views of a trace's matrices, each built once and handed out as copies.

A scene that shows the same matrix in several steps (X in the embeddings and again in X·W_Q, Q in
three steps, ...) asks `views.mat("Q")` each time: the NumberMatrix is built once (its glyphs are
the costly part) and every call returns a fresh copy. Kᵀ, QKᵀ and QKᵀ/√d_k share one column
width, so Kᵀ stands exactly over the scores' columns and the scaled scores replace them in place.

Example (Q of a tiny trace, its first row framed)::

    from manim import VGroup
    from attention_explainer.config import load_config
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.scenes.components import DARK, TraceViews
    trace = compute_trace(load_config(None).attention_spec())
    views = TraceViews(trace, DARK, rows=[0, 1, 2], dm=[0, 1, 2, 3], dk=[0, 1, 2])
    Q = views.mat("Q")
    picture = VGroup(Q, Q.row_rect(0))
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from attention_explainer.scenes.components.matrix import Index, MatrixView
from attention_explainer.scenes.components.text import slim
from attention_explainer.scenes.components.theme import Theme
from attention_explainer.scenes.components.worked import NumberMatrix


class TraceViews:
    """Views of the trace's matrices by name: "X", "W_Q", "W_K", "W_V", "Q", "K", "V", "K.T",
    "scores", "scaled", "weights", "Z". `rows` are the token rows shown, `dm`/`dk` the d_model and
    d_k columns shown (None: an ellipsis). X and W are shown with the trace's precision, Q/K/V
    with twice as many decimals, scores, weights and Z with two.
"""

    def __init__(self, trace: Any, theme: Theme, rows: Sequence[Index], dm: Sequence[Index],
                 dk: Sequence[Index]) -> None:
        self.trace, self.theme = trace, theme
        self.rows, self.dm, self.dk = list(rows), list(dm), list(dk)
        self._built: dict[str, MatrixView] = {}

    def mat(self, key: str, hide: Sequence[str] = ()) -> MatrixView:
        """A fresh copy of the view of trace matrix `key`, without the parts named in `hide`
        ("row_labels", "col_labels", "name")."""
        if key not in self._built:
            self._build(key)
        v = self._built[key].copy()
        for part in hide:
            mob = getattr(v, part)
            if mob is not None:
                v.remove(mob)
        return v

    def view(self, key: str, values: np.ndarray, decimals: int, color: str, name: Optional[str] = None,
             rows: Optional[Sequence[Index]] = None, cols: Optional[Sequence[Index]] = None,
             row_tokens: bool = False, col_tokens: bool = False, min_cell_width: float = 0.0) -> MatrixView:
        """A view of other values (a row of Z, ...), drawn as the trace's matrices are."""
        return self._make(values, decimals, color, name, rows, cols, row_tokens, col_tokens, min_cell_width)

    def _make(self, values: np.ndarray, decimals: int, color: str, name: Optional[str],
              rows: Optional[Sequence[Index]], cols: Optional[Sequence[Index]], row_tokens: bool = False,
              col_tokens: bool = False, width: float = 0.0) -> MatrixView:
        tokens = list(self.trace.tokens)
        return slim(NumberMatrix(values, decimals, self.theme, color=color, name=name, rows=rows, cols=cols,
                                 row_labels=tokens if row_tokens else None,
                                 col_labels=tokens if col_tokens else None, min_cell_width=width))

    def _build(self, key: str) -> None:
        t, th, p, rows, dm, dk = self.trace, self.theme, self.trace.precision, self.rows, self.dm, self.dk
        make = self._make
        specs = {
            "X": (t.X, p, th.x, "X", rows, dm, True),
            "W_Q": (t.W_Q, p, th.q, "W_Q", dm, dk), "W_K": (t.W_K, p, th.k, "W_K", dm, dk),
            "W_V": (t.W_V, p, th.v, "W_V", dm, dk),
            "Q": (t.Q, 2 * p, th.q, "Q", rows, dk, True), "K": (t.K, 2 * p, th.k, "K", rows, dk, True),
            "V": (t.V, 2 * p, th.v, "V", rows, dk, True),
            "weights": (t.weights, 2, th.weight, "A", rows, rows, True, True),
            "Z": (t.Z, 2, th.text, "Z", rows, dk, True),
        }
        if key in specs:
            self._built[key] = make(*specs[key])
            return
        # Kᵀ stands over QKᵀ and QKᵀ/√d_k replaces QKᵀ in place: all three share one column width.
        KT = make(t.K.T, 2 * p, th.k, r"K^{\top}", dk, rows, col_tokens=True)
        S = make(t.scores, 2, th.text, r"QK^{\top}", rows, rows, True, True, width=KT.cell_w)
        if S.cell_w > KT.cell_w + 1e-9:
            KT = make(t.K.T, 2 * p, th.k, r"K^{\top}", dk, rows, col_tokens=True, width=S.cell_w)
        SC = make(t.scaled, 2, th.text, r"QK^{\top} / \sqrt{d_k}", rows, rows, True, True, width=S.cell_w)
        self._built.update({"K.T": KT, "scores": S, "scaled": SC})
