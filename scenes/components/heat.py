"""Weights as colour: viridis heat colours, the Heatmap (queries × keys, token-labelled), its
colour scale, and masked cells (one drawing everywhere: an empty panel, hatched).

Example (a causal 3 × 3 heatmap with its scale)::

    import numpy as np
    from manim import RIGHT, VGroup
    from attention_explainer.scenes.components import DARK, ColorScale, Heatmap
    w = np.array([[1.0, 0, 0], [0.4, 0.6, 0], [0.2, 0.3, 0.5]])
    hm = Heatmap(w, ["The", "cat", "sat"], DARK, cell=0.9)
    hatching = hm.mask_cells(np.triu(np.ones((3, 3), bool), 1))
    picture = VGroup(VGroup(hm, hatching), ColorScale(DARK, height=2.4)).arrange(RIGHT, buff=0.6)
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from manim import LEFT, RIGHT, UP, ManimColor, Rectangle, Square, VGroup, VMobject, interpolate_color

from attention_explainer.scenes.checking import dimmed
from attention_explainer.scenes.components.text import (
    ui,
    baseline_of, centre_x_height, fit, fmt, label, put_on_baseline, token_label)
from attention_explainer.scenes.components.theme import VIRIDIS, Theme
from attention_explainer.scenes.layout import fit_factor
from attention_explainer.scenes.measure import contrast, rgb


def heat_color(value: float) -> ManimColor:
    """Viridis colour of a weight in [0, 1]."""
    v = float(np.clip(value, 0.0, 1.0)) * (len(VIRIDIS) - 1)
    i = min(int(v), len(VIRIDIS) - 2)
    return interpolate_color(ManimColor(VIRIDIS[i]), ManimColor(VIRIDIS[i + 1]), v - i)


def ink_on(value: float) -> str:
    """Readable number colour on a heat cell: black or white, whichever has the higher WCAG contrast
    with the cell; at least 4.59:1 over the whole scale (a fixed 0.55 threshold left white at 3.9:1
    on the teal of 0.49)."""
    cell = rgb(heat_color(value))
    return max("#000000", "#FFFFFF", key=lambda ink: contrast(rgb(ink), cell))


# ------------------------------------------------------------------------------- masked cells
def hatch(square: VMobject, color: str, lines: int = 4, width: float = 1.5) -> VMobject:
    """Diagonal hatching inside a square (lines x − y = t, clipped to the square), as one
    VMobject with a subpath per line (cheap to copy and animate, even for 120 cells)."""
    h = square.width / 2
    c = square.get_center()
    mob = VMobject(stroke_color=color, stroke_width=width)
    for t in np.linspace(-2 * h, 2 * h, lines + 2)[1:-1]:
        x1, x2 = max(-h, t - h), min(h, t + h)
        mob.start_new_path(c + np.array([x1, x1 - t, 0]))
        mob.add_line_to(c + np.array([x2, x2 - t, 0]))
    return mob


def masked_swatch(theme: Theme, side: float = 0.4) -> VGroup:
    """A masked cell on its own, for legends: the panel colour, hatched, outlined."""
    sw = Square(side_length=side, stroke_width=0, fill_color=theme.panel, fill_opacity=1)
    return VGroup(sw, hatch(sw, theme.muted, width=1.5), Square(side_length=side, stroke_color=theme.muted,
                                                                 stroke_width=1.5))


# ------------------------------------------------------------------------------------ heatmap
class Heatmap(VGroup):
    """Attention weights as coloured cells; rows = queries, columns = keys, both token-labelled.

    `cell(i, j)` is a cell, `number(i, j)` its printed weight (when the cells are big enough, at
    most NUMBER_W × NUMBER_H of the cell), `row(i)` the cells of a row.
    """

    LABEL_MAX_W = 2.0  # token labels fit in 2.0 × 0.9 cell
    LABEL_MAX_H = 0.9  # (in cells)
    NUMBER_W, NUMBER_H = 0.78, 0.6  # a printed weight fits this much of its cell (a margin all round)

    def __init__(
        self,
        weights: np.ndarray,
        tokens: Sequence[str],
        theme: Theme,
        cell: float = 0.8,
        show_values: Optional[bool] = None,
        decimals: int = 2,
        uniform_labels: bool = False,
    ) -> None:
        super().__init__()
        self.values = np.asarray(weights, dtype=float)
        n = self.values.shape[0]
        self.cell_size, self.theme, self.n = cell, theme, n
        self.masked = np.zeros((n, n), dtype=bool)
        self.hatches: dict[tuple[int, int], VMobject] = {}
        self.mask_layer = VGroup()
        show_values = cell >= 0.55 if show_values is None else show_values
        self.cells, self.numbers = VGroup(), VGroup()
        for i in range(n):
            for j in range(n):
                v = self.values[i, j]
                sq = Square(side_length=cell, stroke_color=theme.background, stroke_width=1.5,
                            fill_color=heat_color(v), fill_opacity=1)
                sq.move_to([j * cell, -i * cell, 0])
                self.cells.add(sq)
                if show_values:
                    t = label(fmt(v, decimals), theme, size=min(22, cell * 30), color=ink_on(v), mono=True)
                    fit(t, cell * self.NUMBER_W, cell * self.NUMBER_H).move_to(sq)
                    self.numbers.add(t)
        self.add(self.cells, self.numbers)
        size = self.label_size(cell)
        self.row_labels = VGroup(*[self._token_label(tok, size) for tok in tokens])
        for i, t in enumerate(self.row_labels):
            t.next_to(self.cells[i * n], LEFT, buff=0.15)
            centre_x_height(t, self.cells[i * n].get_y())  # one optical centre per row
        self.col_labels = VGroup()
        # uniform_labels: all column labels upright, or all rotated when any needs over 0.9 of a
        # cell (so upright neighbours never touch). A label of one or two characters that fits
        # stays upright even then: a turned "I" reads as "_".
        upright = [self._token_label(tok, size) for tok in tokens]
        turn_all = uniform_labels and any(t.width > cell * self.LABEL_MAX_H for t in upright)
        kept_upright = []
        for j, tok in enumerate(tokens):
            t = upright[j]
            short_fits = len(tok) <= 2 and t.width <= cell * self.LABEL_MAX_H
            if (turn_all and not short_fits) or (not uniform_labels and t.width > cell * 1.05):
                t.rotate(np.pi / 2)
            else:
                kept_upright.append(t)
            t.next_to(self.cells[j], UP, buff=0.15)
            self.col_labels.add(t)
        if kept_upright:  # the upright ones on one baseline ("high" and "was" level)
            base = max(baseline_of(t) for t in kept_upright)
            for t in kept_upright:
                put_on_baseline(t, base)
        self.add(self.row_labels, self.col_labels)

    # -- the label rule (also used to size a heatmap before building it) ----------------------
    @staticmethod
    def label_size(cell: float) -> float:
        """Font size of the token labels for a cell side."""
        return max(12, min(24, cell * 34))

    def _token_label(self, token: str, size: float) -> VMobject:
        return token_label(token, self.theme, size, self.LABEL_MAX_W, self.cell_size * self.LABEL_MAX_H)

    @classmethod
    def label_band(cls, dims: Sequence[tuple[float, float]], cell: float, ref_size: float = 24
                   ) -> tuple[float, float]:
        """(height of the column labels, width of the row labels) of a heatmap with uniform
        labels, from the labels' sizes (width, height) measured at font size `ref_size`."""
        k = cls.label_size(cell) / ref_size
        fitted = []
        for w, h in dims:
            s = fit_factor(w * k, h * k, cls.LABEL_MAX_W, cell * cls.LABEL_MAX_H)
            fitted.append((w * k * s, h * k * s))
        turned = any(w > cell * cls.LABEL_MAX_H for w, _ in fitted)
        col_h = max(w if turned else h for w, h in fitted)
        return col_h, max(w for w, _ in fitted)

    # -- parts ------------------------------------------------------------------------------
    def cell(self, i: int, j: int) -> Square:
        return self.cells[i * self.n + j]

    def number(self, i: int, j: int) -> Optional[VMobject]:
        """The printed weight of cell (i, j), or None when the cells carry no numbers."""
        return self.numbers[i * self.n + j] if len(self.numbers) else None

    def row(self, i: int) -> VGroup:
        """The cells of row i."""
        return VGroup(*[self.cell(i, j) for j in range(self.n)])

    def dim_row(self, i: int, opacity: float = 0.08) -> None:
        """Fade row i to `opacity` (a row not generated yet): its cells and hatching faded, its
        numbers hidden, its label dimmed (declared faded on purpose for the frame check)."""
        for j in range(self.n):
            self.cell(i, j).set_fill(opacity=opacity)
            if (i, j) in self.hatches:
                self.hatches[(i, j)].set_stroke(opacity=opacity)
            if len(self.numbers) and not self.masked[i, j]:
                self.number(i, j).set_opacity(0)
        dimmed(self.row_labels[i]).set_opacity(0.3)

    def reveal_row(self, i: int) -> list:  # type: ignore[type-arg]
        """Animations that bring a dimmed row i back: cells, hatching, label, then its numbers
        (after the cells, so they are drawn above them)."""
        anims = [self.cell(i, j).animate.set_fill(opacity=1) for j in range(self.n)]
        anims += [self.hatches[(i, j)].animate.set_stroke(opacity=1) for j in range(self.n) if (i, j) in self.hatches]
        anims.append(self.row_labels[i].animate.set_opacity(1))
        if len(self.numbers):
            anims += [self.number(i, j).animate.set_opacity(1) for j in range(self.n) if not self.masked[i, j]]
        return anims

    def row_rect(self, i: int, color: Optional[str] = None) -> Rectangle:
        row = self.row(i)
        return Rectangle(width=row.width + 0.06, height=self.cell_size + 0.06,
                         stroke_color=color or self.theme.accent, stroke_width=4).move_to(row)

    def mask_cells(self, mask: np.ndarray) -> VGroup:
        """Draw the cells where `mask` is true as masked: an empty panel, hatched, no number.
        Returns the hatching (also `.mask_layer`, one hatch per cell, row by row); it is not
        part of the heatmap's group, so the caller decides when it appears."""
        self.masked = np.asarray(mask, dtype=bool)
        self.hatches = {}
        for i, j in zip(*np.nonzero(self.masked)):
            sq = self.cell(i, j)
            sq.set_fill(self.theme.panel)  # dark (light theme: pale) instead of a heat colour
            self.hatches[(int(i), int(j))] = hatch(sq, self.theme.muted, width=max(1.0, 2 * self.cell_size))
            self.mask_layer.add(self.hatches[(int(i), int(j))])
            if len(self.numbers):  # the hatch says "weight 0"; a printed 0.00 would clash
                self.number(i, j).set_opacity(0)
        return self.mask_layer


class ColorScale(VGroup):
    """A vertical viridis bar from `low` to `high` with ticks and a caption above.

    The default is the weights' scale: 0 to 1, ticks 0.0, 0.5, 1.0.
    """

    def __init__(self, theme: Theme, height: float = 3.0, caption: str = "weight", low: float = 0.0,
                 high: float = 1.0, ticks: Sequence[float] = (0.0, 0.5, 1.0), decimals: int = 1) -> None:
        super().__init__()
        steps = 40
        bar = VGroup(*[
            Rectangle(width=0.3, height=height / steps, stroke_width=0, fill_color=heat_color(k / (steps - 1)),
                      fill_opacity=1)
            for k in range(steps)
        ]).arrange(UP, buff=0)
        self.add(bar)
        for value in ticks:
            t = label(fmt(value, decimals), theme, 20, theme.muted, mono=True)
            t.next_to(bar, RIGHT, buff=0.12).set_y(bar.get_bottom()[1] + (value - low) / (high - low) * height)
            self.add(t)
        cap = label(ui(caption), theme, 20, theme.muted).next_to(bar, UP, buff=0.15)
        self.add(cap)
