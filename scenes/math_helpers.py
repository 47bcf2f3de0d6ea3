"""The math segment's rules that need no scene: what it shows of a long sentence, which pair it
works, where a sliced row's entries go in the whole worked row, and the words of a slice note.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from manim import Mobject, VGroup

from attention_explainer.core.slicing import count_shown, shown, top_keys
from attention_explainer.scenes.components import Theme, chars_per_line, showing, text_block, wrap_words

TOKEN_LIMIT = 10  # tokens shown in full; more: a slice of 10 places (core.slicing.shown)
KEEP_TOP = 2  # a sliced sentence keeps the worked row's largest weights in view, this many
DIM_LIMIT = 6  # d_model / d_k columns shown in full; more: a slice
ROW_TOKENS = 16  # tokens in the opening token row
SOFTMAX_KEYS = 16  # the worked softmax row shows every key up to this many (more: a slice)
SOFTMAX_PER_LINE = 8  # more keys than this: the worked row in two lines



def worked_pair(weights: np.ndarray, rows: Sequence[Optional[int]], query: Optional[int] = None
                ) -> tuple[int, int]:
    """(query, key) of the worked examples: the focus token (`query`; default the last token),
    and the shown key it weighs most. Under a causal mask a masked key weighs 0, so the key is
    one the query may see (itself, when it is the first token)."""
    qi = weights.shape[0] - 1 if query is None else query
    shown = [r for r in rows if r is not None]
    kj = max(shown, key=lambda j: (weights[qi, j], -j))  # ties: the earlier token
    return qi, kj


def row_targets(shown: Sequence[Optional[int]], keys: Sequence[Optional[int]], cells: Sequence[Mobject]
                ) -> list[Mobject]:
    """Where each shown entry of a (sliced) matrix row goes in the whole worked row: a key to its
    cell, an ellipsis to the cells of the keys it stood for (or to the row's own ellipsis)."""
    slot = {j: k for k, j in enumerate(keys) if j is not None}
    out: list[Mobject] = []
    for a, j in enumerate(shown):
        if j is not None:
            out.append(cells[slot[j]])
            continue
        lo = next((shown[b] for b in range(a - 1, -1, -1) if shown[b] is not None), -1)
        hi = next((shown[b] for b in range(a + 1, len(shown)) if shown[b] is not None), len(keys) + 10**6)
        lo_k = slot.get(lo, -1)
        hi_k = slot.get(hi, len(keys))
        out.append(VGroup(*cells[lo_k + 1:hi_k]) if hi_k > lo_k + 1 else VGroup(cells[max(lo_k, 0)].copy()))
    return out


def token_rows(weights: np.ndarray, query: Optional[int] = None) -> list[Optional[int]]:
    """The token rows (and key columns) the matrices show: all up to TOKEN_LIMIT; a longer
    sentence keeps the worked query (`query`, default the last token) and the KEEP_TOP keys it
    weighs most in view (core.slicing.shown)."""
    n = weights.shape[0]
    qi = n - 1 if query is None else query
    return shown(n, TOKEN_LIMIT, [qi, *top_keys(weights[qi], KEEP_TOP)])


def slice_note(n: int, d_model: Optional[int] = None, d_k: Optional[int] = None,
               rows: Optional[Sequence[Optional[int]]] = None) -> Optional[str]:
    """What a sliced view leaves out, in words (None when everything is shown); `rows` are the
    token rows shown (default: the plain slice of n)."""
    parts = [(count_shown(shown(n, TOKEN_LIMIT) if rows is None else rows), n, "tokens")]
    parts += [(count_shown(shown(d, DIM_LIMIT)), d, f"{name} columns")
              for name, d in (("d_model", d_model), ("d_k", d_k)) if d is not None]
    return showing(*parts)


def wrapped(text: str, theme: Theme, size: float, width: float, max_lines: int = 3) -> VGroup:
    """User text in up to max_lines lines of at most `width` (label(): no markup); longer: '…'."""
    lines = wrap_words(text, chars_per_line(width, size), cut=False)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return text_block(lines, theme, size, 0.15, width, 2.4)
