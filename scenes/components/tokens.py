"""The tokens of a sentence in rounded boxes, left to right.

Example (three tokens, the middle one by its index)::

    from attention_explainer.scenes.components import DARK, TokenRow
    picture = TokenRow(["The", "cat", "sat", "on", "the", "mat"], DARK, indices=[0, 1, 2, None, 5])
    picture.item(1)[0].set_stroke(DARK.accent, width=4)  # token 1's box
"""

from __future__ import annotations

from typing import Optional, Sequence

from manim import RIGHT, RoundedRectangle, VGroup

from attention_explainer.scenes.components.text import ui, baseline_of, fit, label, put_on_baseline, short
from attention_explainer.scenes.components.theme import Theme


class TokenRow(VGroup):
    """The tokens in rounded boxes, left to right. `boxes[i]`, `labels[i]` for token indices[i]
    (None in `indices`: an ellipsis with an invisible box)."""

    def __init__(
        self,
        tokens: Sequence[str],
        theme: Theme,
        indices: Optional[Sequence[Optional[int]]] = None,
        size: float = 28,
        max_width: float = 13.0,
        color: Optional[str] = None,
        buff: float = 0.18,
        label_chars: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.indices = list(range(len(tokens))) if indices is None else list(indices)
        self.boxes, self.labels = VGroup(), VGroup()
        # A token longer than LABEL_CHARS is cut with an ellipsis (`.token` keeps it whole): shrunk to
        # fit instead, a 40-letter word came out a few pixels high.
        cut = label_chars or self.LABEL_CHARS
        texts = [label("…" if i is None else short(tokens[i], cut), theme, size,
                       color=None) for i in self.indices]  # (a muted … fell to 4.1:1 on a lit node)
        for i, text in zip(self.indices, texts):
            fit(text, 2.6, 1.0)
            text.token = None if i is None else tokens[i]
        # One box height and one baseline for the row: the tallest ink above the baseline and the
        # deepest below it ("cross" and "The" used to sit at different heights in boxes of their own).
        above = max(t.height - _depth(t) for t in texts)
        below = max(_depth(t) for t in texts)
        height = max(above + below + 0.3, 0.6)
        for i, text in zip(self.indices, texts):
            box = RoundedRectangle(
                corner_radius=0.08, width=max(text.width + 0.3, 0.6), height=height,
                stroke_color=color or theme.muted, stroke_width=2, fill_color=theme.panel, fill_opacity=1,
            )
            text.set_x(box.get_x())
            put_on_baseline(text, box.get_bottom()[1] + (height - above - below) / 2 + below)
            if i is None:
                box.set_stroke(opacity=0).set_fill(opacity=0)
            self.boxes.add(box)
            self.labels.add(text)
        for box, text in zip(self.boxes, self.labels):
            self.add(VGroup(box, text))
        self.arrange(RIGHT, buff=buff)
        fit(self, max_width, 2)

    LABEL_CHARS = 16  # longer tokens are shown cut, with an ellipsis

    def baseline(self) -> float:
        """y of the row's one baseline."""
        return baseline_of(next(t for t, i in zip(self.labels, self.indices) if i is not None))

    def item(self, token_index: int) -> VGroup:
        """The box and label of a token by its index in the sentence."""
        return self[self.indices.index(token_index)]

    def shown(self) -> int:
        """How many tokens are drawn (the ellipsis does not count)."""
        return sum(1 for i in self.indices if i is not None)


def _depth(text: VGroup) -> float:
    """How far a label's ink reaches below its baseline."""
    return baseline_of(text) - text.get_bottom()[1]

