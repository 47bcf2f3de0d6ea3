"""Worked arithmetic on screen: a line of coloured pieces (PieceLine), numbers built from cached
mono glyphs (MonoNumbers, NumberMatrix), and WorkedCell, one cell of a matrix product written
out term by term (a row times a column, like 3b1b's matrix_row_vector_product): used for a cell
of Q = X W_Q and for a score q·k; WeightedRows, the row of Z = A V as a weighted sum of value
rows; SoftmaxRow, one softmax row (scores, e^s, weights, sums).

Example (the cell (0, 0) of X W_Q, with its products)::

    from attention_explainer.scenes.components import DARK, WorkedCell
    picture = WorkedCell([0.1, -0.3], [0.2, 0.5], terms=[0, 1], value=-0.13, decimals=1,
                         value_decimals=2, theme=DARK, colors=(DARK.x, DARK.q), products=[0.02, -0.15])
    picture.value.set_color(DARK.accent)  # the glyphs of "−0.13", to move into the matrix
"""

from __future__ import annotations

from typing import Optional, Sequence

from manim import DOWN, LEFT, RIGHT, UP, Line, MathTex, Mobject, Text, VGroup, VMobject

from attention_explainer.core.worked import EXP_DECIMALS, SoftmaxByHand
from attention_explainer.scenes.components.formula import latex_draws_words, math_words, sub_words, tex_words
from attention_explainer.scenes.components.glyphs import GlyphText
from attention_explainer.scenes.components.matrix import Index, MatrixView
from attention_explainer.scenes.components.text import (
    ui,
    fit,
    fmt,
    fmt_big,
    label,
    paren,
    put_on_baseline,
    relation,
    slim,
    tex_number,
    token_label,
)
from attention_explainer.scenes.components.theme import MONO, Theme

Piece = tuple[str, str]  # (text, colour)


class PieceLine(VGroup):
    """One line of numbers and signs set as a single Text (one baseline), in coloured pieces.

    `parts[k]` are the glyphs of the k-th piece (for animating it on its own). Pieces are fixed
    strings and fmt() numbers, never user text.
    """

    def __init__(self, pieces: Sequence[Piece], size: float = 24) -> None:
        super().__init__()
        text = "".join(s for s, _ in pieces)
        self.text = GlyphText(text, font=MONO, font_size=size)
        self.add(self.text)
        glyphs = self.text.submobjects
        counts = [sum(1 for ch in s if not ch.isspace()) for s, _ in pieces]
        self.parts: list[VGroup] = []
        if sum(counts) != len(glyphs):  # shaping merged glyphs: colour the whole line
            self.text.set_color(pieces[0][1])
            self.parts = [VGroup(*glyphs)] + [VGroup() for _ in pieces[1:]]
            return
        k = 0
        for (_, color), c in zip(pieces, counts):
            part = VGroup(*glyphs[k:k + c])
            part.set_color(color)
            self.parts.append(part)
            k += c


def split_pieces(pieces: list[Piece], max_chars: int) -> list[list[Piece]]:
    """One line of pieces, or two split at the ' + ' nearest the middle when longer than max_chars."""
    total = sum(len(p) for p, _ in pieces)
    plus = [k for k, (p, _) in enumerate(pieces) if p == " + "]
    if total <= max_chars or not plus:
        return [pieces]
    at = [sum(len(p) for p, _ in pieces[:k]) for k in plus]
    k = plus[min(range(len(plus)), key=lambda i: abs(at[i] - total / 2))]
    return [pieces[:k], [("+ ", pieces[k][1])] + pieces[k + 1:]]


class WorkedCell(VGroup):
    """One cell of a matrix product, written out: `row[m] × col[m]` for each shown term m, added
    up, equal to `value` (the cell as the trace holds it; '≈' when the shown number is rounded).

    With `products`, two lines: the terms, then "= p + p + … ≈ value". Without, one line
    "a×b + a×b ≈ value", split in two at a '+' when longer than `max_chars`. Terms hidden by a
    slice (None in `terms`) show as '…'. `lines` are the PieceLines, `parts` all their pieces'
    glyphs in order, `value` the glyphs of the result.
    """

    def __init__(self, row: Sequence[float], col: Sequence[float], terms: Sequence[Index], value: float,
                 decimals: int, value_decimals: int, theme: Theme, colors: tuple[str, str],
                 products: Optional[Sequence[float]] = None, max_chars: int = 70, buff: float = 0.22) -> None:
        super().__init__()
        muted = theme.muted
        first: list[Piece] = []
        second: list[Piece] = [("= ", muted)]
        for k, m in enumerate(terms):
            if k:
                first.append((" + ", muted))
                second.append((" + ", muted))
            if m is None:
                first.append(("…", muted))
                second.append(("…", muted))
                continue
            first += [(paren(fmt(row[m], decimals)), colors[0]), ("×", muted), (paren(fmt(col[m], decimals)), colors[1])]
            if products is not None:
                second.append((paren(fmt(products[m], value_decimals)), theme.text))
        result = [(f" {relation(value, value_decimals)} ", muted), (fmt(value, value_decimals), theme.accent)]
        if products is not None:
            lines = [first, second + result]
        else:
            lines = split_pieces(first + result, max_chars)
        self.lines = [PieceLine(line) for line in lines]
        self.add(*self.lines)
        self.arrange(DOWN, aligned_edge=LEFT, buff=buff)
        self.parts = [part for line in self.lines for part in line.parts]
        self.value = self.parts[-1]


class WeightedRows(VGroup):
    """A worked row of a weighted sum (a row of A times V): each shown row of `view` scaled by its
    weight (a column of numbers left of the row labels, with × signs, under a "weights of <name>"
    head), added up (Σ and a rule) into `result`, a one-row MatrixView placed under `view`.

    `weights[r]` is the weight of matrix row r. The group holds, in order: head, coefs, times,
    view, result, rule, name_label, sigma.
    """

    def __init__(self, view: MatrixView, weights: Sequence[float], result: MatrixView, name: str,
                 theme: Theme) -> None:
        super().__init__()
        th = theme
        self.coefs = VGroup()
        for a, r in enumerate(view.rows):
            txt = "⋮" if r is None else fmt(weights[r], 2)
            c = label(txt, th, 24, th.muted, mono=True) if r is None else NUMBERS.make(txt, 24, th.weight)
            c.next_to(view.row_labels, LEFT, buff=0.55).set_y(view.row_labels[a].get_y())
            self.coefs.add(c)
        x_times = (self.coefs.get_right()[0] + view.row_labels.get_left()[0]) / 2
        self.times = VGroup(*[MathTex(r"\times", font_size=30, color=th.muted).move_to([x_times, c.get_y(), 0])
                              for c, r in zip(self.coefs, view.rows) if r is not None])
        self.head = VGroup(label(ui("weights of"), th, 20, th.muted), label(name, th, 20, th.weight))
        self.head.arrange(DOWN, buff=0.06)
        fit(self.head, 2.2, 0.7).next_to(self.coefs, UP, buff=0.2)
        self.head.set_y(view.name.get_y())
        result.shift(view.grid.get_center() - result.grid.get_center())
        result.shift(DOWN * (view.grid.height / 2 + 0.35 + result.grid.height / 2))
        self.rule = Line(result.grid.get_corner(UP + LEFT) + UP * 0.17 + LEFT * 0.1,
                         result.grid.get_corner(UP + RIGHT) + UP * 0.17 + RIGHT * 0.1, color=th.muted, stroke_width=2)
        self.name_label = label(name, th, 22, th.text)
        fit(self.name_label, 1.6, 0.4).next_to(result.brackets, LEFT, buff=0.15)
        self.sigma = MathTex(r"\Sigma", font_size=34, color=th.muted).next_to(self.name_label, LEFT, buff=0.2)
        self.view, self.result = view, result
        self.add(self.head, self.coefs, self.times, view, result, self.rule, self.name_label, self.sigma)

    def coef(self, r: int) -> VMobject:
        """The weight shown for matrix row r."""
        return self.coefs[self.view.rows.index(r)]


def softmax_texts(hand: SoftmaxByHand, keys: Sequence[Index]) -> dict[str, list[str]]:
    """The numbers of a worked softmax row as SoftmaxRow writes them, by shown key (None: "⋯"):
    "s", "e", "w"; "sum" = [relation, Σ e^s]; "total" = [Σ of the written weights]."""
    return {
        "s": ["⋯" if j is None else ("−∞" if hand.mask[j] else fmt(float(hand.s[j]), hand.s_decimals))
              for j in keys],
        "e": ["⋯" if j is None else fmt_big(float(hand.e[j]), EXP_DECIMALS) for j in keys],
        "w": ["⋯" if j is None else fmt(float(hand.w[j]), hand.w_decimals) for j in keys],
        "sum": ["=" if hand.total_exact else "≈", fmt_big(float(hand.total), EXP_DECIMALS)],
        "total": [fmt(float(hand.weight_sum), hand.w_decimals)],
    }


class SoftmaxRow(VGroup):
    """One softmax row worked out, whole: the keys across (more than `per_line_max` in two lines),
    under each its score s, e^s and weight; the sum of the e^s and of the weights at the end. Every
    number of the row checks by hand, as written (core.worked.softmax_by_hand: e^s from the shown
    s, Σ of the shown e^s, each weight the shown e^s over the shown Σ). `keys` are the token
    indices shown (None: an ellipsis). `cells` names the parts to animate ("head", "s", "e",
    "sum", "w", "total", ...); `texts` the numbers as drawn.
    """

    def __init__(self, tokens: Sequence[str], keys: Sequence[Index], hand: SoftmaxByHand, theme: Theme,
                 per_line_max: int = 8) -> None:
        super().__init__()
        th, n = theme, len(tokens)
        mask, shift, total = hand.mask, hand.shift, hand.total
        size = 24
        heads = VGroup(*[token_label("…" if j is None else tokens[j], th, 22, 1.3, 0.4, th.muted) for j in keys])

        def row(texts: list[str], color: str) -> VGroup:
            return VGroup(*[label(s, th, size, th.muted, mono=True) if s in ("⋯", "−∞")
                            else NUMBERS.make(s, size, color) for s in texts])

        self.texts = softmax_texts(hand, keys)  # as drawn (tests read them back)
        s_txt, e_txt, w_txt = self.texts["s"], self.texts["e"], self.texts["w"]
        s_row, e_row, w_row = row(s_txt, th.text), row(e_txt, th.text), row(w_txt, th.weight)
        col_w = max(m.width for g in (heads, s_row, e_row, w_row) for m in g) + 0.4
        shift_txt = tex_number(fmt(float(shift), hand.s_decimals))
        e_tex = r"e^{\,s}" if shift == 0 else (
            rf"e^{{\,s - {shift_txt}}}" if shift > 0 else rf"e^{{\,s + {shift_txt[1:]}}}")  # s − (−6) as s + 6
        row_heads = [VGroup(label(ui("score s"), th, 22, th.muted),
                            MathTex(e_tex, font_size=44, color=th.text),
                            MathTex(r"e^{\,s} / \Sigma", font_size=40, color=th.text) if shift == 0
                            else math_words("share of {sigma}", th, 40, th.text, tex={"sigma": r"\Sigma"}))]
        per_line = len(keys) if len(keys) <= per_line_max else (len(keys) + 1) // 2
        lines = [range(0, per_line)] + ([range(per_line, len(keys))] if per_line < len(keys) else [])
        step, gap = 0.72, 0.55  # between the rows of a line; between the two lines
        for n_line, slots in enumerate(lines):
            top = 0.0 - n_line * (4 * step + gap)
            ys = [top, top - step, top - 2 * step, top - 3 * step]  # keys, s, e^s, weights
            for k in slots:
                x = (k - slots.start) * col_w
                put_on_baseline(heads[k].move_to([x, ys[0], 0]), ys[0] - 0.1)  # one baseline: "high" = "was"
                for b, group in enumerate((s_row, e_row, w_row), start=1):
                    m = group[k].move_to([x, ys[b], 0])
                    if keys[k] is not None:  # numbers right-aligned in their column
                        m.shift(RIGHT * (col_w / 2 - 0.2 - m.width / 2))
            if n_line:
                row_heads.append(row_heads[0].copy())
            for b, h in enumerate(row_heads[n_line]):
                h.move_to([-col_w / 2 - 0.3 - h.width / 2, ys[b + 1], 0])
        last = lines[-1]
        right = (len(last) - 0.5) * col_w + 0.5
        over = None in keys or len(lines) > 1  # the sum is over every key: said under the Σ
        rel, total_txt = self.texts["sum"]
        value = rf"{tex_number(rel)} {tex_number(total_txt)}"
        if over and not latex_draws_words():
            sigma = VGroup(sub_words(MathTex(r"\Sigma", font_size=34, color=th.accent), ui(f"all {n}"), th, 34, th.accent),
                           MathTex(value, font_size=34, color=th.accent)).arrange(RIGHT, buff=0.12)
        else:
            sub = "_{" + tex_words(ui(f"all {n}")) + "}" if over else ""
            sigma = MathTex(rf"\Sigma{sub} {value}", font_size=34, color=th.accent)
        sigma.move_to([right + sigma.width / 2, e_row[last.start].get_y(), 0])
        one = self.texts["total"][0]  # the written weights added up
        rounding = "" if hand.weight_sum == 1 else r" \approx 1"
        equals = f" = {tex_number(one)}{rounding}"
        tot = (math_words("sum of all {n}", th, 34, th.weight, after=equals, n=n) if over
               else math_words("sum", th, 34, th.weight, after=equals))
        tot.move_to([right + tot.width / 2, w_row[last.start].get_y(), 0])
        heads_all = VGroup(*[h[0] for h in row_heads])
        self.add(heads, s_row, e_row, w_row, heads_all, *[VGroup(*h[1:]) for h in row_heads], sigma, tot)
        self.cells = {
            "keys": keys, "head": VGroup(heads, heads_all), "s": s_row,
            "e_head": VGroup(*[h[1] for h in row_heads]), "e": e_row, "sum": sigma,
            "w_head": VGroup(*[h[2] for h in row_heads]), "w": w_row, "total": tot,
            "w_by_key": {j: w_row[k] for k, j in enumerate(keys) if j is not None},
            "head_by_key": {j: heads[k] for k, j in enumerate(keys) if j is not None},
        }


class MonoNumbers:
    """Numbers in the mono font, put together from cached glyphs: a glyph is made once per
    (character, size, colour) and copied, about 15× faster than a Text per number. The mono font
    has a fixed advance and no kerning, so each glyph's place is its index times the advance plus
    its own offset, measured once against a "0" beside it, exactly where Pango puts it."""

    def __init__(self) -> None:
        self.glyphs: dict[tuple[str, float, str], tuple[Mobject, float, float]] = {}
        self.advance: dict[float, float] = {}

    def _glyph(self, ch: str, size: float, color: str) -> tuple[Mobject, float, float]:
        key = (ch, size, color)
        if key not in self.glyphs:
            pair = slim(GlyphText("0" + ch, font=MONO, font_size=size, color=color))
            zero, glyph = pair.submobjects
            if size not in self.advance:
                ref = GlyphText("00", font=MONO, font_size=size)
                self.advance[size] = ref[1].get_left()[0] - ref[0].get_left()[0]
            dx = glyph.get_left()[0] - zero.get_left()[0] - self.advance[size]
            dy = glyph.get_bottom()[1] - zero.get_bottom()[1]
            self.glyphs[key] = (glyph, dx, dy)
        return self.glyphs[key]

    def make(self, text: str, size: float, color: str) -> VGroup:
        group = VGroup()
        for k, ch in enumerate(text):
            if ch.isspace():
                continue
            glyph, dx, dy = self._glyph(ch, size, color)
            g = glyph.copy()
            g.shift([k * self.advance[size] + dx - g.get_left()[0], dy - g.get_bottom()[1], 0])
            group.add(g)
        group.move_to([0, 0, 0])
        group.original_text = text  # as a Text keeps it (tests read numbers back)
        return group


NUMBERS = MonoNumbers()  # glyphs depend only on character, size and colour: one cache per process


class NumberMatrix(MatrixView):
    """A MatrixView whose numbers come from MonoNumbers (identical outlines, far faster to build)."""

    def _entry_text(self, r: Index, c: Index, size: float, color: str) -> Text:
        if r is None or c is None:
            return super()._entry_text(r, c, size, color)
        self.shown[(r, c)] = fmt(self.values[r, c], self.decimals)
        return NUMBERS.make(self.shown[(r, c)], size, color)  # type: ignore[return-value]
