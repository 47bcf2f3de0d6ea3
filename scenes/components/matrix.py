"""A matrix of numbers with brackets, row/column labels and a name, readable at any size.

Example (2 × 3, rows labelled by tokens; a highlight around one cell)::

    import numpy as np
    from manim import VGroup
    from attention_explainer.scenes.components import DARK, MatrixView
    view = MatrixView(np.array([[0.1, -0.5, 2.0], [1.25, 0.0, -3.0]]), 2, DARK, name="Q",
                      row_labels=["The", "cat"], color=DARK.q)
    box = view.cell_rect(1, 2)            # around the number in row 1, column 2
    view.get_rows()[0].set_color(DARK.accent)  # the numbers of the first shown row
    picture = VGroup(view, box)
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, Sequence

import numpy as np
from manim import LEFT, RIGHT, UP, Rectangle, Text, VGroup, VMobject

from attention_explainer.scenes.components.formula import maths
from attention_explainer.scenes.components.text import baseline_of, fmt, label, put_on_baseline, token_label
from attention_explainer.scenes.components.theme import Theme

Index = Optional[int]  # a matrix row or column; None = the ellipsis of a slice


class MatrixView(VGroup):
    """A matrix of numbers with brackets, optional row/column labels and a name.

    Shows `rows` × `cols` (indices into `values`, None = ellipsis), so large matrices stay
    readable. Keeps the numbers it shows in `.values` and the strings in `.shown`.

    Entries are reached by matrix index (`entry(r, c)`, `row_entries(r)`) or by shown slot
    (`get_rows()[a]`, `get_columns()[b]`): callers never index `.entries` themselves.
    """

    def __init__(
        self,
        values: np.ndarray,
        decimals: int,
        theme: Theme,
        color: Optional[str] = None,
        name: Optional[str] = None,
        row_labels: Optional[Sequence[str]] = None,
        col_labels: Optional[Sequence[str]] = None,
        rows: Optional[Sequence[Index]] = None,
        cols: Optional[Sequence[Index]] = None,
        size: float = 24,
        cell_height: float = 0.42,
        min_cell_width: float = 0.0,
    ) -> None:
        super().__init__()
        self.values = np.asarray(values, dtype=float)
        self.decimals, self.theme = decimals, theme
        self.rows = list(range(self.values.shape[0])) if rows is None else list(rows)
        self.cols = list(range(self.values.shape[1])) if cols is None else list(cols)
        self.shown: dict[tuple[int, int], str] = {}
        texts = [[self._entry_text(r, c, size, color or theme.text) for c in self.cols] for r in self.rows]
        # min_cell_width: give two views the same column width (e.g. Kᵀ above QKᵀ, columns aligned).
        self.cell_w = max(max(t.width for row in texts for t in row) + 0.28, min_cell_width)
        self.cell_h = cell_height
        # An invisible frame over the cells: every position below is derived from it, so the
        # geometry follows the group when it moves or scales.
        self.grid = Rectangle(width=self.cell_w * len(self.cols), height=self.cell_h * len(self.rows),
                              stroke_opacity=0, fill_opacity=0)
        self.add(self.grid)
        self.entries = VGroup()
        for a, row in enumerate(texts):
            for b, t in enumerate(row):
                center = self._slot_center(a, b)
                if self.rows[a] is None or self.cols[b] is None:
                    t.move_to(center)
                else:  # right-aligned, so decimal points line up
                    t.move_to(center + RIGHT * (self.cell_w / 2 - 0.14 - t.width / 2))
                self.entries.add(t)
        self.brackets = self._brackets(theme.muted)
        self.add(self.entries, self.brackets)
        self.row_labels = VGroup()
        if row_labels is not None:
            for a, r in enumerate(self.rows):
                t = token_label("⋮" if r is None else row_labels[r], theme, size * 0.9, 1.6, self.cell_h, theme.muted)
                t.next_to(self.brackets[0], LEFT, buff=0.15).set_y(self._slot_center(a, 0)[1])
                if r is not None:  # on the baseline of the row's numbers, descenders or not
                    put_on_baseline(t, baseline_of(self.slot_entry(a, self._first_number_slot())))
                self.row_labels.add(t)
            self.add(self.row_labels)
        self.col_labels = VGroup()
        if col_labels is not None:
            for b, c in enumerate(self.cols):
                t = token_label("⋯" if c is None else col_labels[c], theme, size * 0.8, self.cell_w - 0.05, 0.4,
                                theme.muted)
                t.next_to(self.brackets, UP, buff=0.12).set_x(self._slot_center(0, b)[0])
                self.col_labels.add(t)
            # one baseline for the column labels ("high" and "was" level), clear of the brackets
            base = max(baseline_of(t) for t in self.col_labels)
            for t in self.col_labels:
                put_on_baseline(t, base)
            self.add(self.col_labels)
        self.name: Optional[VMobject] = None
        if name is not None:
            self.name = maths(name, theme, size * 1.5, color or theme.text)
            self.name.next_to(self.col_labels if len(self.col_labels) else self.brackets, UP, buff=0.18)
            self.add(self.name)

    def _first_number_slot(self) -> int:
        """The first shown column that holds numbers (not the ellipsis)."""
        return next((b for b, c in enumerate(self.cols) if c is not None), 0)

    def _entry_text(self, r: Index, c: Index, size: float, color: str) -> Text:
        if r is None or c is None:
            mark = "⋱" if r is None and c is None else ("⋮" if r is None else "⋯")
            return label(mark, self.theme, size, self.theme.muted)
        self.shown[(r, c)] = fmt(self.values[r, c], self.decimals)
        return label(self.shown[(r, c)], self.theme, size, color, mono=True)

    def scale_factor(self) -> float:
        """How much the view was scaled since it was built (1.0: not at all)."""
        return self.grid.width / (self.cell_w * len(self.cols))

    def _slot_center(self, a: int, b: int) -> np.ndarray:
        """Centre of the a-th shown row and b-th shown column, in current coordinates."""
        return self.grid.get_corner(UP + LEFT) + self.scale_factor() * np.array(
            [(b + 0.5) * self.cell_w, -(a + 0.5) * self.cell_h, 0.0])

    def _brackets(self, color: str) -> VGroup:
        g, tick, pad = self.grid, 0.12, 0.05
        l, r = g.get_left()[0] - pad, g.get_right()[0] + pad
        t, b = g.get_top()[1] + pad, g.get_bottom()[1] - pad
        lb = VMobject(color=color, stroke_width=2.5).set_points_as_corners(
            [[l + tick, t, 0], [l, t, 0], [l, b, 0], [l + tick, b, 0]])
        rb = VMobject(color=color, stroke_width=2.5).set_points_as_corners(
            [[r - tick, t, 0], [r, t, 0], [r, b, 0], [r - tick, b, 0]])
        return VGroup(lb, rb)

    # -- entries, by matrix index or by shown slot ---------------------------------------------
    def _slot(self, r: Index, c: Index) -> tuple[int, int]:
        return self.rows.index(r), self.cols.index(c)

    def slot_entry(self, a: int, b: int) -> VMobject:
        """The glyphs in the a-th shown row and b-th shown column (ellipses included)."""
        return self.entries[a * len(self.cols) + b]

    def entry(self, r: int, c: int) -> VMobject:
        """The glyphs of the number in matrix row r, column c (which must be shown)."""
        return self.slot_entry(*self._slot(r, c))

    def get_rows(self) -> list[VGroup]:
        """One VGroup per shown row (ellipses included), top to bottom."""
        return [VGroup(*[self.slot_entry(a, b) for b in range(len(self.cols))]) for a in range(len(self.rows))]

    def get_columns(self) -> list[VGroup]:
        """One VGroup per shown column (ellipses included), left to right."""
        return [VGroup(*[self.slot_entry(a, b) for a in range(len(self.rows))]) for b in range(len(self.cols))]

    def row(self, r: Index) -> VGroup:
        """The shown entries of matrix row r (ellipses included), left to right."""
        a = self.rows.index(r)
        return VGroup(*[self.slot_entry(a, b) for b in range(len(self.cols))])

    def row_entries(self, r: int) -> VGroup:
        """The numbers of matrix row r (no ellipses)."""
        return VGroup(*[self.entry(r, c) for c in self.cols if c is not None])

    def entries_where(self, keep: Callable[[Index, Index], bool]) -> VGroup:
        """The shown entries (ellipses included) at the (row, col) indices that `keep` accepts."""
        return VGroup(*[self.slot_entry(a, b) for a, r in enumerate(self.rows) for b, c in enumerate(self.cols)
                        if keep(r, c)])

    def entries_except(self, skip: Iterable[tuple[Index, Index]]) -> VGroup:
        """The shown entries (ellipses included) but those at the given (row, col) indices."""
        skipped = set(skip)
        return self.entries_where(lambda r, c: (r, c) not in skipped)

    def numbers(self) -> list[tuple[int, int]]:
        """The (row, col) indices of the numbers shown, in reading order."""
        return [(r, c) for r in self.rows for c in self.cols if r is not None and c is not None]

    # -- highlights, in current coordinates --------------------------------------------------------
    def _box(self, width: float, height: float, center: np.ndarray, color: Optional[str]) -> Rectangle:
        s = self.scale_factor()
        return Rectangle(width=width * s, height=height * s, stroke_color=color or self.theme.accent,
                         stroke_width=3).move_to(center)

    def cell_rect(self, r: int, c: int, color: Optional[str] = None) -> Rectangle:
        """A frame around one cell (matrix indices)."""
        return self._box(self.cell_w, self.cell_h, self._slot_center(*self._slot(r, c)), color)

    def row_rect(self, r: int, color: Optional[str] = None) -> Rectangle:
        """A frame around matrix row r."""
        a = self.rows.index(r)
        center = np.array([self.grid.get_x(), self._slot_center(a, 0)[1], 0.0])
        return self._box(self.cell_w * len(self.cols), self.cell_h, center, color)

    def col_rect(self, c: int, color: Optional[str] = None) -> Rectangle:
        """A frame around matrix column c."""
        b = self.cols.index(c)
        center = np.array([self._slot_center(0, b)[0], self.grid.get_y(), 0.0])
        return self._box(self.cell_w, self.cell_h * len(self.rows), center, color)
