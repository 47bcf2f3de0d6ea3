"""The real-model segment's parts that need no scene: its limits, how it quotes and slices, which
heads it zooms into (`zoomed_heads`), and its pictures (a cheap heatmap `tile`, the `Gallery` of
every head).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
from manim import LEFT, UP, Rectangle, SurroundingRectangle, VGroup, VMobject

from attention_explainer.core.real_model.focus import FocusLink
from attention_explainer.core.real_model.roles import MAX_PICKS, Pick
from attention_explainer.core.slicing import shown as slice_of
from attention_explainer.scenes.components import fit, fmt, heat_color, label, short, ui

MAX_PIECES = 20  # pieces drawn in the piece row; more: a slice with an ellipsis
MAX_WORDS = 18  # words in a zoomed heatmap or gallery tile ([CLS], [SEP] included); more: the first 18, said
MAX_KEYS = 7  # keys in the worked row's table (more: the first, the largest and the last, "⋮" between)
TERMS = 3  # q·k terms written out before the "…"
LABEL_CHARS = 10


def quote(text: str) -> str:
    return f"“{short(text, 22)}”"


def table_keys(n: int, top: int, limit: int) -> list[Optional[int]]:
    """Key indices for the worked row's table, in order, None for a gap ("⋮"): all when n ≤
    limit, else the largest weight's key with its neighbours, then the ends (core.slicing.shown)."""
    return slice_of(n, limit, [top, top - 1, top + 1])


def signed(value: float) -> str:
    """A factor of a written-out product: negative numbers in parentheses."""
    text = fmt(value, 2)
    return f"({text})" if text.startswith("\u2212") else text


def zoomed_heads(picks: Sequence[Pick], focus: Optional[FocusLink]) -> list[Pick]:
    """The heads to zoom into: with a focus word, first the head linking it furthest (its share
    as the score), then the measured picks (that head once, at most MAX_PICKS in all)."""
    if focus is None:
        return list(picks)
    first = Pick(focus.layer, focus.head, "link", focus.share, True)
    rest = [p for p in picks if (p.layer, p.head) != (focus.layer, focus.head)]
    return [first, *rest][:MAX_PICKS]


# ------------------------------------------------------------------------------------ pictures
LEVELS = 24  # colour steps of a gallery tile (cells of one step are drawn as one shape)


def tile(matrix: np.ndarray, side: float) -> VGroup:
    """A small heatmap as at most LEVELS shapes: the cells whose weight falls in the same colour
    step are subpaths of one VMobject, so 72 or 144 tiles stay cheap to draw. (ImageMobject would
    be cheaper still, but Manim 0.22's image drawing fails with Pillow 13.)"""
    m = np.asarray(matrix, dtype=float)
    n = m.shape[0]
    cell = side / n
    step = np.clip(np.floor(m * LEVELS), 0, LEVELS - 1).astype(int)
    group = VGroup()
    for level in np.unique(step):
        color = heat_color((level + 0.5) / LEVELS)
        # a hairline of the fill colour closes the anti-aliased seams between neighbouring cells
        shape = VMobject(stroke_color=color, stroke_width=0.8, fill_color=color, fill_opacity=1)
        for i, j in zip(*np.nonzero(step == level)):
            x0, y0 = j * cell, -i * cell
            shape.start_new_path(np.array([x0, y0, 0.0]))
            for x, y in ((x0 + cell, y0), (x0 + cell, y0 - cell), (x0, y0 - cell), (x0, y0)):
                shape.add_line_to(np.array([x, y, 0.0]))
        group.add(shape)
    # a base in the lowest heat colour: seams between cells of different steps show it, not the page
    base = Rectangle(width=side, height=side, stroke_width=0, fill_color=heat_color(0.0), fill_opacity=1)
    base.move_to([side / 2, -side / 2, 0])
    return VGroup(base, group)


class Gallery(VGroup):
    """Every head as a small heatmap: rows = layers (top = first), columns = heads.

    `tiles[l][h]` is the tile of layer l, head h (0-based); labels are 1-based like the narration.
    """

    def __init__(self, word_attentions: np.ndarray, theme: Any, width: float, height: float) -> None:
        super().__init__()
        L, H = word_attentions.shape[:2]
        pitch = min((width - 0.9) / H, (height - 0.5) / L)
        side = pitch * 0.88
        self.side = side
        self.tiles: list[list[VGroup]] = []
        for l in range(L):
            row = []
            for h in range(H):
                t = tile(word_attentions[l, h], side).move_to([h * pitch, -l * pitch, 0])
                row.append(t)
                self.add(t)
            self.tiles.append(row)
        size = max(12, min(22, pitch * 30))
        self.row_labels = VGroup(*[fit(label(ui(f"layer {l + 1}"), theme, size, theme.muted), 1.0, pitch * 0.6)
                                   .next_to(self.tiles[l][0], LEFT, buff=0.12) for l in range(L)])
        self.col_labels = VGroup(*[fit(label(f"{h + 1}", theme, size, theme.muted), pitch * 0.9, pitch * 0.5)
                                   .next_to(self.tiles[0][h], UP, buff=0.1) for h in range(H)])
        self.heads_caption = fit(label(ui("head"), theme, size, theme.muted), 2.0, 0.4).next_to(self.col_labels, UP,
                                                                                             buff=0.08)
        self.add(self.row_labels, self.col_labels, self.heads_caption)

    def frame(self, layer: int, head: int, color: str) -> SurroundingRectangle:
        return SurroundingRectangle(self.tiles[layer][head], buff=0.03, stroke_color=color, stroke_width=4)
