"""Shared building blocks of every scene: theme and palette, number format, token row, matrix
view, heatmap with colour scale, formula with lit parts, captions.

Components know their data (a MatrixView keeps the numbers it shows) and never compute
attention: they only draw what the trace holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Line,
    ManimColor,
    MathTex,
    Rectangle,
    RoundedRectangle,
    Square,
    TexTemplate,
    Text,
    VGroup,
    VMobject,
    interpolate_color,
)

from attention_explainer.system.tex import TEX_DOCUMENTCLASS, TEX_PREAMBLE

# ------------------------------------------------------------------------------ theme and palette
# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies): Q blue, K orange,
# V bluish green, weights reddish purple. The heatmap uses viridis, which is perceptually uniform
# and colour-blind safe, light = high weight.
VIRIDIS = ["#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"]


@dataclass(frozen=True)
class Theme:
    """Colours of one theme. Scenes use these names, never raw colours."""

    name: str
    background: str
    text: str
    muted: str  # secondary text, grid lines, brackets
    panel: str  # token boxes and cell backgrounds
    q: str
    k: str
    v: str
    x: str  # embeddings
    weight: str  # attention weights / A
    accent: str  # the thing being explained right now (highlight boxes)
    caption_bg: str


DARK = Theme(
    name="dark", background="#111318", text="#ECEFF4", muted="#8A93A6", panel="#1F2430",
    q="#56B4E9", k="#E69F00", v="#2BB58E", x="#D7DCE5", weight="#CC79A7", accent="#F0E442",
    caption_bg="#000000",
)
LIGHT = Theme(
    name="light", background="#FAFAF7", text="#1B1F27", muted="#6B7280", panel="#E8EAEE",
    q="#0072B2", k="#C26A00", v="#00876A", x="#2E3440", weight="#A4508B", accent="#D55E00",
    caption_bg="#FFFFFF",
)
THEMES = {"dark": DARK, "light": LIGHT}

FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"

FRAME_TOP = 3.55  # y of the title line
CONTENT_TOP = 2.9  # content sits between these two
CONTENT_BOTTOM = -2.75
CAPTION_Y = -3.45


def tex_template() -> TexTemplate:
    """Article-class template (no texlive-latex-extra needed); see attention_explainer.system.tex."""
    return TexTemplate(documentclass=TEX_DOCUMENTCLASS, preamble=TEX_PREAMBLE)


# ------------------------------------------------------------------------------------- numbers
MINUS = "\u2212"


def fmt(value: float, decimals: int) -> str:
    """A number as shown on screen: fixed decimals, a true minus sign, never "-0.00"."""
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def parse_shown(text: str) -> float:
    """Inverse of fmt (for tests that read numbers back off the screen)."""
    return float(text.replace(MINUS, "-"))


def visible(n: int, limit: int) -> list[Optional[int]]:
    """Indices to show of n items when at most `limit` fit; None marks the ellipsis."""
    if n <= limit:
        return list(range(n))
    head = (limit - 1) // 2 + (limit - 1) % 2
    tail = limit - 1 - head
    return list(range(head)) + [None] + list(range(n - tail, n))


LRM, FSI, PDI = "\u200e", "\u2068", "\u2069"  # invisible bidi controls: no glyphs
_RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI"}


def ltr_paragraph(text: str) -> str:
    """`text` ready for Manim's Text if it holds right-to-left letters (Arabic, Hebrew): each line
    becomes LRM + FSI + line + PDI. Manim's Pango canvas right-aligns a right-to-left paragraph
    past its edge, so a short Arabic or Hebrew word came out blank. The left-to-right mark makes
    the paragraph left-aligned; the first-strong isolate lays the line out exactly as a paragraph
    of its own (right to left, punctuation where an Arabic reader expects it). Other text is
    returned unchanged."""
    import unicodedata

    if not any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return text
    return "\n".join(LRM + FSI + line + PDI for line in text.split("\n"))


def label(text: str, theme: Theme, size: float = 28, color: Optional[str] = None, mono: bool = False) -> Text:
    """Plain text exactly as given (no markup, no LaTeX): safe for user tokens. `.original_text`
    is `text`; right-to-left words get an invisible direction mark (see ltr_paragraph)."""
    t = Text(ltr_paragraph(text), font=MONO if mono else FONT, font_size=size, color=color or theme.text)
    t.original_text = text
    return t


def title(text: str, theme: Theme) -> Text:
    t = label(text, theme, size=36)
    t.move_to(UP * FRAME_TOP)
    if t.width > 13:
        t.scale_to_fit_width(13)
    return t


def fit(mob: VMobject, max_width: float, max_height: float) -> VMobject:
    """Shrink (never grow) a mobject to fit a box."""
    s = min(1.0, max_width / max(mob.width, 1e-6), max_height / max(mob.height, 1e-6))
    if s < 1:
        mob.scale(s)
    return mob


# ----------------------------------------------------------------------------------- token row
class TokenRow(VGroup):
    """The tokens in rounded boxes, left to right. `boxes[i]`, `labels[i]` for token indices[i]."""

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


# --------------------------------------------------------------------------------- matrix view
class MatrixView(VGroup):
    """A matrix of numbers with brackets, optional row/column labels and a name.

    Shows `rows` × `cols` (indices into `values`, None = ellipsis), so large matrices stay
    readable. Keeps the numbers it shows in `.values` and the strings in `.shown`.
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
        rows: Optional[Sequence[Optional[int]]] = None,
        cols: Optional[Sequence[Optional[int]]] = None,
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
                t = label("⋮" if r is None else row_labels[r], theme, size * 0.9, theme.muted)
                fit(t, 1.6, self.cell_h)
                t.next_to(self.brackets[0], LEFT, buff=0.15).set_y(self._slot_center(a, 0)[1])
                self.row_labels.add(t)
            self.add(self.row_labels)
        self.col_labels = VGroup()
        if col_labels is not None:
            for b, c in enumerate(self.cols):
                t = label("⋯" if c is None else col_labels[c], theme, size * 0.8, theme.muted)
                fit(t, self.cell_w - 0.05, 0.4)
                t.next_to(self.brackets, UP, buff=0.12).set_x(self._slot_center(0, b)[0])
                self.col_labels.add(t)
            self.add(self.col_labels)
        self.name: Optional[MathTex] = None
        if name is not None:
            self.name = MathTex(name, color=color or theme.text, font_size=size * 1.5)
            self.name.next_to(self.col_labels if len(self.col_labels) else self.brackets, UP, buff=0.18)
            self.add(self.name)

    def _entry_text(self, r: Optional[int], c: Optional[int], size: float, color: str) -> Text:
        if r is None or c is None:
            mark = "⋱" if r is None and c is None else ("⋮" if r is None else "⋯")
            return label(mark, self.theme, size, self.theme.muted)
        self.shown[(r, c)] = fmt(self.values[r, c], self.decimals)
        return label(self.shown[(r, c)], self.theme, size, color, mono=True)

    def _slot_center(self, a: int, b: int) -> np.ndarray:
        """Centre of the a-th shown row and b-th shown column, in current coordinates."""
        scale = self.grid.width / (self.cell_w * len(self.cols))  # the group may have been scaled
        return self.grid.get_corner(UP + LEFT) + scale * np.array(
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

    # -- what to highlight, in current coordinates (token/matrix indices, not slots) -----------
    def _slot(self, r: Optional[int], c: Optional[int]) -> tuple[int, int]:
        return self.rows.index(r), self.cols.index(c)

    def entry(self, r: int, c: int) -> Text:
        a, b = self._slot(r, c)
        return self.entries[a * len(self.cols) + b]

    def _box(self, width: float, height: float, center: np.ndarray, color: Optional[str]) -> Rectangle:
        scale = self.grid.width / (self.cell_w * len(self.cols))
        return Rectangle(width=width * scale, height=height * scale, stroke_color=color or self.theme.accent,
                         stroke_width=3).move_to(center)

    def cell_rect(self, r: int, c: int, color: Optional[str] = None) -> Rectangle:
        return self._box(self.cell_w, self.cell_h, self._slot_center(*self._slot(r, c)), color)

    def row_rect(self, r: int, color: Optional[str] = None) -> Rectangle:
        a = self.rows.index(r)
        center = np.array([self.grid.get_x(), self._slot_center(a, 0)[1], 0.0])
        return self._box(self.cell_w * len(self.cols), self.cell_h, center, color)

    def col_rect(self, c: int, color: Optional[str] = None) -> Rectangle:
        b = self.cols.index(c)
        center = np.array([self._slot_center(0, b)[0], self.grid.get_y(), 0.0])
        return self._box(self.cell_w, self.cell_h * len(self.rows), center, color)

    def row_entries(self, r: int) -> VGroup:
        return VGroup(*[self.entry(r, c) for c in self.cols if c is not None])


# ------------------------------------------------------------------------------------- heatmap
def heat_color(value: float) -> ManimColor:
    """Viridis colour of a weight in [0, 1]."""
    v = float(np.clip(value, 0.0, 1.0)) * (len(VIRIDIS) - 1)
    i = min(int(v), len(VIRIDIS) - 2)
    return interpolate_color(ManimColor(VIRIDIS[i]), ManimColor(VIRIDIS[i + 1]), v - i)


def ink_on(value: float) -> str:
    """Readable number colour on a heat cell."""
    return "#111111" if value > 0.55 else "#FFFFFF"


class Heatmap(VGroup):
    """Attention weights as coloured cells; rows = queries, columns = keys, both token-labelled."""

    def __init__(
        self,
        weights: np.ndarray,
        tokens: Sequence[str],
        theme: Theme,
        cell: float = 0.8,
        show_values: Optional[bool] = None,
        decimals: int = 2,
        masked: Optional[np.ndarray] = None,
        uniform_labels: bool = False,
    ) -> None:
        super().__init__()
        self.values = np.asarray(weights, dtype=float)
        n = self.values.shape[0]
        self.cell_size, self.theme, self.n = cell, theme, n
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
                    hidden = masked is not None and masked[i, j]
                    t = label("−∞" if hidden else fmt(v, decimals), theme, size=min(22, cell * 30),
                              color=ink_on(v), mono=True)
                    fit(t, cell * 0.9, cell * 0.6).move_to(sq)
                    self.numbers.add(t)
        self.add(self.cells, self.numbers)
        size = max(12, min(24, cell * 34))
        self.row_labels = VGroup(*[fit(label(tok, theme, size), 2.0, cell * 0.9) for tok in tokens])
        for i, t in enumerate(self.row_labels):
            t.next_to(self.cells[i * n], LEFT, buff=0.15)
        self.col_labels = VGroup()
        # uniform_labels: all column labels upright, or all rotated when any needs over 0.9 of a
        # cell (so upright neighbours never touch).
        upright = [fit(label(tok, theme, size), 2.0, cell * 0.9) for tok in tokens]
        turn_all = uniform_labels and any(t.width > cell * 0.9 for t in upright)
        for j, tok in enumerate(tokens):
            t = upright[j]
            if turn_all or (not uniform_labels and t.width > cell * 1.05):
                t.rotate(np.pi / 2)
            t.next_to(self.cells[j], UP, buff=0.15)
            self.col_labels.add(t)
        self.add(self.row_labels, self.col_labels)

    def cell(self, i: int, j: int) -> Square:
        return self.cells[i * self.n + j]

    def row_rect(self, i: int, color: Optional[str] = None) -> Rectangle:
        row = VGroup(*[self.cell(i, j) for j in range(self.n)])
        return Rectangle(width=row.width + 0.06, height=self.cell_size + 0.06,
                         stroke_color=color or self.theme.accent, stroke_width=4).move_to(row)


class ColorScale(VGroup):
    """Vertical viridis bar with 0, 0.5 and 1 ticks and a caption."""

    def __init__(self, theme: Theme, height: float = 3.0, caption: str = "weight") -> None:
        super().__init__()
        steps = 40
        bar = VGroup(*[
            Rectangle(width=0.3, height=height / steps, stroke_width=0, fill_color=heat_color(k / (steps - 1)), fill_opacity=1)
            for k in range(steps)
        ]).arrange(UP, buff=0)
        self.add(bar)
        for value in (0.0, 0.5, 1.0):
            t = label(fmt(value, 1), theme, 20, theme.muted, mono=True)
            t.next_to(bar, RIGHT, buff=0.12).set_y(bar.get_bottom()[1] + value * height)
            self.add(t)
        cap = label(caption, theme, 20, theme.muted).next_to(bar, UP, buff=0.15)
        self.add(cap)


# ------------------------------------------------------------------------------------- formula
class Formula(VGroup):
    """softmax(QKᵀ/√d_k)V with parts that light up as their step runs.

    Parts: "softmax", "Q", "K", "sqrt", "V" (and the brackets go with softmax).
    """

    PARTS = {
        "softmax": (r"\mathrm{softmax}\Big(", r"\Big)"),
        "Q": (r"Q",),
        "K": (r"K^{\top}",),
        "sqrt": (r"/\sqrt{d_k}",),
        "V": (r"V",),
    }

    def __init__(self, theme: Theme, size: float = 40, dimmed: float = 0.3) -> None:
        super().__init__()
        pieces = [r"\mathrm{softmax}\Big(", "Q", r"K^{\top}", r"/\sqrt{d_k}", r"\Big)", "V"]
        self.tex = MathTex(*pieces, font_size=size, color=theme.text)
        colors = {"Q": theme.q, r"K^{\top}": theme.k, "V": theme.v}
        for piece, mob in zip(pieces, self.tex):
            mob.set_color(colors.get(piece, theme.text))
        self._index = {p: i for i, p in enumerate(pieces)}
        self.add(self.tex)
        self.tex.set_opacity(dimmed)

    def part(self, name: str) -> VGroup:
        return VGroup(*[self.tex[self._index[p]] for p in self.PARTS[name]])

    def lit(self, *names: str) -> VGroup:
        """The parts to pass to an animation, e.g. `self.play(formula.part('Q').animate.set_opacity(1))`."""
        return VGroup(*[self.part(n) for n in names])


# ------------------------------------------------------------------------------------- caption
class Caption(VGroup):
    """One narration line at the bottom of the frame, on a translucent band."""

    def __init__(self, text: str, theme: Theme, size: float = 24) -> None:
        super().__init__()
        words = label(text, theme, size)
        if words.width > 12.6:  # wrap into two lines at the word nearest the middle
            parts = text.split(" ")
            best = min(range(1, len(parts)), key=lambda k: abs(len(" ".join(parts[:k])) - len(text) / 2), default=1)
            words = VGroup(label(" ".join(parts[:best]), theme, size), label(" ".join(parts[best:]), theme, size))
            words.arrange(DOWN, buff=0.1)
            fit(words, 12.6, 0.9)
        band = Rectangle(width=min(words.width + 0.5, 14.2), height=words.height + 0.24, stroke_width=0,
                         fill_color=theme.caption_bg, fill_opacity=0.55)
        self.add(band, words)
        self.move_to([0, CAPTION_Y, 0])
        if self.get_bottom()[1] < -3.95:
            self.shift(UP * (-3.95 - self.get_bottom()[1]))


def arrow_line(start: np.ndarray, end: np.ndarray, color: str, width: float = 3) -> Line:
    """A plain connector line (cheaper to draw than an Arrow)."""
    return Line(start, end, color=color, stroke_width=width)


# ------------------------------------------------------------------------------- text helpers
def slim(mob: VMobject) -> VMobject:
    """Drop the parsed SVG paths that Text and MathTex glyphs keep after their points are built.

    Nothing reads them once the outline exists, but every animation deep-copies its mobject, and
    copying them made each copy 5-8x slower. ExplainerScene.play applies this to every animation.
    """
    for m in mob.get_family():
        if getattr(m, "path_obj", None) is not None:
            m.path_obj = None
    return mob


def wrap_lines(text: str, theme: Theme, size: float, max_width: float, max_height: float,
               max_lines: int = 3, color: Optional[str] = None, min_size: float = 20) -> VGroup:
    """User text as centred lines (Text only), wrapped at spaces; the font steps down from `size`
    (to `min_size` at least) until the lines fit the box, then the group is shrunk if still needed."""
    if len(text) <= 60:
        one = label(text, theme, size, color)
        if one.width <= max_width and one.height <= max_height:
            return VGroup(one)
    # Measure on a sample: Pango itself wraps a very long Text at a width that depends on the
    # render quality, so the whole line cannot be measured reliably.
    sample = label(text[:60].strip() or text, theme, size, color)
    per_char = sample.width / max(len(text[:60].strip()), 1) / size  # per unit of font size
    line_h = sample.height / size * 1.3  # line pitch per unit of font size (with the gap)
    s = size
    while True:
        lines = _wrap(text, max(8, int(max_width / (per_char * s))))
        if (len(lines) <= max_lines and len(lines) * line_h * s <= max_height) or s <= min_size:
            break
        s = max(min_size, s * 0.9)
    group = VGroup(*[label(line, theme, s, color) for line in lines]).arrange(DOWN, buff=0.3 * line_h * s)
    return fit(group, max_width, max_height)


def narration_chunks(text: str, max_words: int = 20) -> list[str]:
    """Split a long user line into caption-sized pieces: whole sentences joined while they fit in
    max_words; a longer sentence cut into equal parts."""
    pieces: list[str] = []
    joinable = False  # whether the last piece is whole sentences (so another may join it)
    for sent in (p for p in re.split(r"(?<=[.!?…])\s+", text.strip()) if p):
        words = sent.split()
        if len(words) <= max_words:
            if joinable and len(pieces[-1].split()) + len(words) <= max_words:
                pieces[-1] += " " + sent
            else:
                pieces.append(sent)
            joinable = True
            continue
        parts = -(-len(words) // max_words)
        size = -(-len(words) // parts)
        pieces += [" ".join(words[k:k + size]) for k in range(0, len(words), size)]
        joinable = False
    return pieces or [text]


def _wrap(text: str, chars: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > chars:  # a word longer than a line is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:chars])
            word = word[chars:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= chars:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines
