"""Optional segment positional-encoding: attention alone is blind to word order; the sin/cos
encoding of the original Transformer fixes that.

The sentence and a reordering of it go through the trace's weights: without positions the output
rows just move with their tokens. Then the encoding PE (positions × dimensions, a heatmap on
[-1, 1]) is added to the embeddings, and the rows no longer match. Numbers come from
the scene input (variants.order_demo of the trace, with positional.sinusoidal_encoding).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    MathTex,
    VGroup,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    DivergingScale,
    MatrixView,
    PEGrid,
    TokenRow,
    arrow_line,
    label,
    note,
    slim,
    visible,
)
from attention_explainer.scenes.layout import SAFE
from attention_explainer.core.variants import OrderDemo

MAX_ROWS = 6  # token rows of the matrices
MAX_COLS = 6  # columns of the matrices
MAX_ROW_TOKENS = 12  # tokens per sentence row


class PositionalEncoding(ExplainerScene):
    scene_id = "positional-encoding"

    def construct(self) -> None:
        th, tr = self.theme, self.trace
        positional = self.cfg.model.positional_encoding
        demo = self.input.order
        n, p = demo.n, tr.precision
        heading = slim(self.title("Positional encoding"))

        # -- 1. the sentence in another order -------------------------------------------------
        rows = visible(n, MAX_ROW_TOKENS)
        a = slim(TokenRow(demo.tokens, th, indices=rows, size=26, max_width=10.5))
        b = slim(TokenRow(demo.tokens_perm, th, indices=rows, size=26, max_width=10.5))
        names = VGroup(note(ui("your sentence"), th, 22), note(ui("reordered"), th, 22))
        block = VGroup(VGroup(names[0], a).arrange(RIGHT, buff=0.4), VGroup(names[1], b).arrange(RIGHT, buff=0.4))
        block.arrange(DOWN, buff=0.6, aligned_edge=LEFT)
        SAFE.with_width(13.0).with_height(3.0, SAFE.mid_y + 0.3).place(block)
        with self.beat(key="reorder"):
            self.play(FadeIn(heading), FadeIn(VGroup(names[0], a)), run_time=0.8)
            if n > 1:
                self.play(FadeIn(VGroup(names[1], b), shift=DOWN * 0.2), run_time=0.8)

        # -- 2. outputs only swap rows ------------------------------------------------------------
        pair = self._pair(demo.Z, demo.Z_perm, demo, "Z", r"Z_{\text{reordered}}")
        with self.beat(key="order-blind"):
            self.play(FadeOut(block), run_time=0.5)
            self.play(FadeIn(pair["views"]), run_time=0.9)
            if len(pair["links"]):
                self.play(Create(pair["links"]), run_time=1.0)

        # -- 3. the encoding ------------------------------------------------------------------------
        formula = slim(MathTex(r"PE_{(pos,\,2i)} = \sin\!\Big(\frac{pos}{10000^{2i/d_{\text{model}}}}\Big)",
                               r"\qquad",
                               r"PE_{(pos,\,2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/d_{\text{model}}}}\Big)",
                               font_size=34, color=th.text))
        cell_h, cell_w = min(0.8, 4.0 / n), min(1.2, 8.0 / demo.PE.shape[1])
        grid = PEGrid(demo.PE, demo.tokens, th, cell_w, cell_h)
        legend = DivergingScale(th, height=min(2.4, max(1.4, n * cell_h)))
        board = VGroup(grid, legend).arrange(RIGHT, buff=0.6)
        page = VGroup(formula, board).arrange(DOWN, buff=0.35)
        SAFE.inset(x=0.25, y=0.05).place(page)
        with self.beat(key="pe-table"):
            self.play(FadeOut(VGroup(pair["views"], pair["links"])), run_time=0.5)
            self.play(FadeIn(formula), run_time=0.8)
            self.play(FadeIn(board), run_time=1.0)
        d = demo.PE.shape[1]
        with self.beat(key="waves"):
            marks = [grid.col_rect(0, th.accent)]
            if d > 1:
                marks.append(grid.col_rect(d - 1, th.weight))
            self.play(*[Create(m) for m in marks], run_time=0.8)
            self.play(*[FadeOut(m) for m in marks], run_time=0.4)

        # -- 4. X = embeddings + PE -----------------------------------------------------------------
        sum_view = self._sum(demo, p)
        with self.beat(key="added"):
            self.play(FadeOut(page), run_time=0.5)
            self.play(FadeIn(sum_view), run_time=1.0)

        # -- 5. with positions, the rows no longer match -----------------------------------------------
        pair2 = self._pair(demo.Z_pe, demo.Z_pe_perm, demo, r"Z \text{ with } PE", r"Z_{\text{reordered}} \text{ with } PE",
                           same=False)
        with self.beat(key="order-seen"):
            self.play(FadeOut(sum_view), run_time=0.5)
            self.play(FadeIn(pair2["views"]), run_time=0.9)
            if len(pair2["links"]):
                self.play(Create(pair2["links"]), run_time=1.0)

        with self.beat(key="config-switch"):
            flag = note(ui(f"model.positional_encoding: {'true' if positional else 'false'}"), th, 24, th.accent)
            flag.next_to(pair2["views"], DOWN, buff=0.35)
            self.play(FadeIn(flag), run_time=0.6)

    # ---------------------------------------------------------------------------------- parts
    def _pair(self, Z: np.ndarray, Z_perm: np.ndarray, demo: OrderDemo, left_name: str, right_name: str,
              same: bool = True) -> dict[str, VGroup]:
        """Z of the sentence and of the reordering side by side; each shown token's two rows linked
        (plain lines when the rows are equal, crossed-out marks when they differ)."""
        th, n = self.theme, demo.n
        rows = visible(n, MAX_ROWS)
        cols = visible(Z.shape[1], MAX_COLS)
        left = slim(MatrixView(Z, 2, th, color=th.v, name=left_name, row_labels=demo.tokens, rows=rows, cols=cols,
                               size=22))
        right = slim(MatrixView(Z_perm, 2, th, color=th.v, name=right_name, row_labels=demo.tokens_perm, rows=rows,
                                cols=cols, size=22))
        # one token has no other order: its output alone
        views = VGroup(left, right).arrange(RIGHT, buff=2.2, aligned_edge=UP) if n > 1 else VGroup(left)
        slices = n > MAX_ROWS or Z.shape[1] > MAX_COLS
        if slices:
            views.add(note(ui("a slice is shown"), th, 20).next_to(views, DOWN, buff=0.25))
        SAFE.with_width(12.8).inset(top=0.2, bottom=0.7).place(views, grow=1.25)  # (a note may go under)
        links = VGroup()
        for a_, r in enumerate(rows if n > 1 else []):  # slot a_ of the reordering holds token perm[r]
            if r is None or demo.perm[r] not in rows:
                continue
            src = left.row_rect(demo.perm[r]).get_right() + RIGHT * 0.05
            dst = right.row_labels[a_].get_left() + LEFT * 0.08
            links.add(arrow_line(src, dst, th.accent if same else th.muted, 2.5 if same else 1.5))
            if not same:  # the rows differ now: mark each one
                mark = slim(label("≠", th, 28, th.weight))
                links.add(mark.next_to(right.row_rect(r), RIGHT, buff=0.15))
        return {"left": left, "right": right, "views": views, "links": links}

    def _sum(self, demo: OrderDemo, p: int) -> VGroup:
        th, n = self.theme, demo.n
        rows = visible(n, MAX_ROWS)
        cols = visible(demo.PE.shape[1], MAX_COLS)
        e = slim(MatrixView(demo.E, p, th, color=th.x, name=r"\text{embeddings}", row_labels=demo.tokens, rows=rows,
                            cols=cols, size=22))
        pe = slim(MatrixView(demo.PE, 2, th, color=th.accent, name="PE", rows=rows, cols=cols, size=22))
        x = slim(MatrixView(demo.X_pe, max(p, 2), th, color=th.x, name="X", rows=rows, cols=cols, size=22))
        plus, eq = slim(MathTex("+", color=th.text)), slim(MathTex("=", color=th.text))
        group = VGroup(e, plus, pe, eq, x).arrange(RIGHT, buff=0.3)
        if n > MAX_ROWS or demo.PE.shape[1] > MAX_COLS:
            group.add(note(ui("a slice is shown"), th, 20).next_to(group, DOWN, buff=0.25))
        return SAFE.inset(x=0.2, y=0.15).place(group, grow=1.2)
