"""Charts of the optional segments: bars of values, a variance plot, the positional-encoding grid
and its diverging colour scale.

Example (softmax weights of four keys as bars)::

    from attention_explainer.scenes.components import DARK, Bars
    picture = Bars([0.1, 0.6, 0.2, 0.1], 1.0, DARK, DARK.q, "softmax(q · k)", ["k₁", "k₂", "k₃", "k₄"])
    picture.scale(1.5).move_to([0, 0, 0])  # Bars are built from the origin up and to the right
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, DashedLine, Dot, Line, Rectangle, VGroup

from attention_explainer.scenes.components.heat import ColorScale, heat_color, ink_on
from attention_explainer.scenes.components.text import ui, fit, fmt, label, short, slim
from attention_explainer.scenes.components.theme import Theme


class Bars(VGroup):
    """A bar chart of values in [0, y_max]: value above each bar, a label under it.

    Keeps the numbers it shows in `.values` and the strings in `.shown`; `.bars[j]` is bar j.
    """

    def __init__(self, values: Sequence[float], y_max: float, theme: Theme, color: str, title: str,
                 names: Sequence[str], under: Optional[Sequence[str]] = None, slot: float = 0.78,
                 height: float = 2.2, decimals: int = 2) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.y_max, self.height_units, self.slot, self.theme = y_max, height, slot, theme
        m = len(self.values)
        self.axis = Line([-0.1, 0, 0], [m * slot + 0.1, 0, 0], color=theme.muted, stroke_width=2)
        self.bars, self.numbers, self.names = VGroup(), VGroup(), VGroup()
        self.shown: list[str] = []
        for j, v in enumerate(self.values):
            bar = self._bar(v, j, color)
            self.bars.add(bar)
            text = label(fmt(v, decimals), theme, 17, theme.text, mono=True)
            fit(text, slot * 0.95, 0.3).next_to(bar, UP, buff=0.08)
            self.numbers.add(text)
            self.shown.append(fmt(v, decimals))
            name = fit(label(names[j], theme, 17, theme.muted), slot * 0.95, 0.3)
            name.move_to([(j + 0.5) * slot, -0.22, 0])
            self.names.add(name)
        self.add(self.axis, self.bars, self.numbers, self.names)
        self.under = VGroup()
        if under is not None:
            for j, u in enumerate(under):
                t = fit(label(u, theme, 15, theme.muted, mono=True), slot * 0.88, 0.26)
                t.move_to([(j + 0.5) * slot, -0.55, 0])
                self.under.add(t)
            self.add(self.under)
        self.title = fit(label(title, theme, 24, color), max(m * slot, 3.0), 0.45)
        self.title.move_to([m * slot / 2, height + 0.65, 0])
        self.add(self.title)
        slim(self)

    def _bar(self, v: float, j: int, color: str) -> Rectangle:
        h = max(self.height_units * v / self.y_max, 0.02)
        bar = Rectangle(width=self.slot * 0.7, height=h, stroke_width=0, fill_color=color, fill_opacity=0.9)
        # positions relative to the axis, which follows the group when it moves or scales
        return bar.move_to(self._base(j) + UP * h / 2)

    def _base(self, j: int) -> np.ndarray:
        scale = self.axis.width / (len(self.values) * self.slot + 0.2)
        return self.axis.get_left() + RIGHT * scale * (0.1 + (j + 0.5) * self.slot)

    def unit(self) -> float:
        """Scene units per value unit, in current coordinates."""
        return self.axis.width / (len(self.values) * self.slot + 0.2) * self.height_units / self.y_max


class VariancePlot(VGroup):
    """Measured variance of q·k against the width d, with the line var = d (and scaled points)."""

    def __init__(self, dims: np.ndarray, variance: np.ndarray, theme: Theme, width: float = 6.0,
                 height: float = 3.6) -> None:
        super().__init__()
        self.theme = theme
        d_max = int(dims.max())
        self.x_max = float(d_max)
        self.y_max = float(max(d_max, np.ceil(variance.max()))) * 1.1
        self.w, self.h = width, height
        self.axes = VGroup(Line([0, 0, 0], [width, 0, 0], color=theme.muted, stroke_width=2),
                           Line([0, 0, 0], [0, height, 0], color=theme.muted, stroke_width=2))
        ticks = VGroup()
        step = max(1, d_max // 4)
        for v in range(0, d_max + 1, step):
            x = width * v / self.x_max
            ticks.add(Line([x, 0, 0], [x, -0.08, 0], color=theme.muted, stroke_width=2))
            ticks.add(label(str(v), theme, 18, theme.muted).move_to([x, -0.3, 0]))
            y = height * v / self.y_max
            ticks.add(Line([0, y, 0], [-0.08, y, 0], color=theme.muted, stroke_width=2))
            ticks.add(label(str(v), theme, 18, theme.muted).next_to([-0.1, y, 0], LEFT, buff=0.08))
        x_name = label(ui("width dₖ of q and k"), theme, 20, theme.muted).move_to([width / 2, -0.7, 0])
        y_name = label(ui("variance of q · k"), theme, 20, theme.muted).rotate(np.pi / 2)
        y_name.move_to([-0.95, height / 2, 0])
        self.line = DashedLine(self.point(0, 0), self.point(d_max, d_max), color=theme.muted, stroke_width=3)
        self.line_name = label(ui("var = dₖ"), theme, 20, theme.muted)
        self.line_name.next_to(self.point(0.7 * d_max, 0.7 * d_max), DOWN + RIGHT, buff=0.12)
        self.dots = VGroup(*[Dot(self.point(d, v), radius=0.07, color=theme.k) for d, v in zip(dims, variance)])
        self.add(self.axes, ticks, x_name, y_name, self.line, self.line_name, self.dots)
        self.frame = VGroup(self.axes, ticks, x_name, y_name)  # axes, ticks and their names
        slim(self)

    def point(self, d: float, v: float) -> np.ndarray:
        """A point of the plot in its own coordinates (as built)."""
        return np.array([self.w * d / self.x_max, self.h * v / self.y_max, 0.0])

    def scale_factor(self) -> float:
        """How much the plot was scaled since it was built."""
        return self.axes[0].get_length() / self.w

    def placed_point(self, d: float, v: float) -> np.ndarray:
        """A point of the plot in scene coordinates, after the plot was scaled and moved."""
        return self.axes[0].get_start() + self.scale_factor() * self.point(d, v)


# ------------------------------------------------------------------------- positional encoding
def to_unit(v: float) -> float:
    """[-1, 1] -> [0, 1], so the encoding uses the same viridis scale as the weights."""
    return (float(v) + 1) / 2


class PEGrid(VGroup):
    """The encoding as coloured cells: rows = positions, columns = dimensions, viridis on [-1, 1].

    Keeps `.values` (the numbers drawn) and, when numbers fit in the cells, `.shown`.
    """

    def __init__(self, pe: np.ndarray, tokens: Sequence[str], theme: Theme, cell_w: float, cell_h: float) -> None:
        super().__init__()
        self.values = np.asarray(pe, dtype=float)
        n, d = self.values.shape
        self.n, self.d = n, d
        self.cells, self.numbers = VGroup(), VGroup()
        self.shown: dict[tuple[int, int], str] = {}
        show = min(cell_w, cell_h) >= 0.5
        for i in range(n):
            for j in range(d):
                v = self.values[i, j]
                sq = Rectangle(width=cell_w, height=cell_h, stroke_color=theme.background, stroke_width=1,
                               fill_color=heat_color(to_unit(v)), fill_opacity=1).move_to([j * cell_w, -i * cell_h, 0])
                self.cells.add(sq)
                if show:
                    text = fmt(v, 2)
                    t = fit(label(text, theme, 18, ink_on(to_unit(v)), mono=True), cell_w * 0.88, cell_h * 0.5)
                    self.numbers.add(t.move_to(sq))
                    self.shown[(i, j)] = text
        self.add(self.cells, self.numbers)
        size = max(12, min(22, cell_h * 32))
        step = max(1, math.ceil(n / 16))
        self.row_labels = VGroup()
        for i in range(0, n, step):
            t = fit(label(ui(f"{i}  {short(tokens[i], 10)}"), theme, size, theme.muted), 2.2, max(cell_h, 0.25) * 0.9)
            self.row_labels.add(t.next_to(self.cells[i * d], LEFT, buff=0.12))
        self.col_labels = VGroup()
        cstep = max(1, math.ceil(d / 16))
        for j in range(0, d, cstep):
            t = fit(label(str(j), theme, size, theme.muted), cell_w * 0.95, 0.4)
            self.col_labels.add(t.next_to(self.cells[j], UP, buff=0.1))
        self.add(self.row_labels, self.col_labels)
        cols_name = label(ui("dimension"), theme, 20, theme.muted).next_to(self.col_labels, UP, buff=0.12)
        rows_name = label(ui("position"), theme, 20, theme.muted).rotate(math.pi / 2)
        rows_name.next_to(self.row_labels, LEFT, buff=0.15)
        self.add(cols_name, rows_name)
        slim(self)

    def cell(self, i: int, j: int) -> Rectangle:
        return self.cells[i * self.d + j]

    def col_rect(self, j: int, color: str) -> Rectangle:
        col = VGroup(*[self.cell(i, j) for i in range(self.n)])
        return Rectangle(width=col.width + 0.06, height=col.height + 0.06, stroke_color=color,
                         stroke_width=4).move_to(col)


class DivergingScale(ColorScale):
    """The colour scale of values in [-1, 1] (ticks -1, 0, 1)."""

    def __init__(self, theme: Theme, height: float = 2.4, caption: str = "value") -> None:
        super().__init__(theme, height=height, caption=caption, low=-1.0, high=1.0, ticks=(-1.0, 0.0, 1.0),
                         decimals=0)
        slim(self)
