"""The tokens of a sentence in rounded boxes, left to right.

Example (three tokens, the middle one by its index)::

    from attention_explainer.scenes.components import DARK, TokenRow
    row = TokenRow(["The", "cat", "sat"], DARK)
    cat = row.item(1)            # its box and label
"""

from __future__ import annotations

from typing import Optional, Sequence

from manim import RIGHT, RoundedRectangle, VGroup

from attention_explainer.scenes.components.text import fit, label
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
    ) -> None:
        super().__init__()
        self.indices = list(range(len(tokens))) if indices is None else list(indices)
        self.boxes, self.labels = VGroup(), VGroup()
        for i in self.indices:
            text = label("…" if i is None else tokens[i], theme, size, color=theme.muted if i is None else None)
            fit(text, 2.6, 1.0)
            box = RoundedRectangle(
                corner_radius=0.08, width=max(text.width + 0.3, 0.6), height=text.height + 0.3,
                stroke_color=color or theme.muted, stroke_width=2, fill_color=theme.panel, fill_opacity=1,
            )
            box.height = max(box.height, 0.6)
            text.move_to(box)
            if i is None:
                box.set_stroke(opacity=0).set_fill(opacity=0)
            self.boxes.add(box)
            self.labels.add(text)
        for box, text in zip(self.boxes, self.labels):
            self.add(VGroup(box, text))
        self.arrange(RIGHT, buff=buff)
        fit(self, max_width, 2)

    def item(self, token_index: int) -> VGroup:
        """The box and label of a token by its index in the sentence."""
        return self[self.indices.index(token_index)]

    def shown(self) -> int:
        """How many tokens are drawn (the ellipsis does not count)."""
        return sum(1 for i in self.indices if i is not None)
