"""Optional segment causal-mask: why and how a decoder hides the future.

The trace's scaled scores (rows are queries, columns are keys) get minus infinity above the
diagonal; the softmax without and with the mask side by side; then generation, one row (one new
token) at a time. The numbers come from the scene input (variants.causal_comparison of the trace).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    Rectangle,
    Transform,
    VGroup,
    VMobject,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.checking import dimmed, overlay
from attention_explainer.scenes.components import (
    ui,
    NEG_INF,
    ColorScale,
    Heatmap,
    heat_color,
    MatrixView,
    TokenRow,
    count_shown,
    fit,
    label,
    masked_swatch,
    short,
    showing,
    slim,
    visible,
)
from attention_explainer.scenes.layout import ROW_W, SAFE
from attention_explainer.core.variants import CausalComparison

MAX_SCORES = 7  # score cells per side shown with numbers; longer sentences show a slice
MAX_VALUES = 6  # heatmaps print their weights up to this many tokens (colour alone beyond)
MAX_ROW = 16  # tokens in the sentence row
SCORES_W = 10.5  # the score matrix's width budget (its row/column note goes right of it)
PANEL_W, GAP = 4.4, 0.6  # generation: the status panel right of the heatmap, and the gap between
STATUS_W, STATUS_H = 4.2, 1.4  # the panel's changing lines (step counter, newest token)


class CausalMask(ExplainerScene):
    scene_id = "causal-mask"

    def construct(self) -> None:
        th, tr = self.theme, self.trace
        cmp = self.input.causal
        n = tr.n

        # -- 1. one token at a time --------------------------------------------------------------
        heading = self.title("Causal mask: no peeking ahead")
        row = slim(TokenRow(tr.tokens, th, indices=visible(n, MAX_ROW), size=26, max_width=ROW_W))
        row.move_to(UP * 0.6)
        with self.beat(key="one-at-a-time"):
            self.play(FadeIn(heading), run_time=0.5)
            self.play(LaggedStart(*[FadeIn(m, shift=RIGHT * 0.15) for m in row], lag_ratio=0.15),
                      run_time=min(2.0, 0.3 * len(row)))
            if n > 1:
                future = VGroup(*[row.item(i) for i in range(1, n) if i in row.indices])
                self.play(dimmed(future).animate.set_opacity(0.25), run_time=0.6)  # the future, faded on purpose
                self.play(future.animate.set_opacity(1), run_time=0.4)

        # -- 2. the scaled scores --------------------------------------------------------------
        idx = visible(n, MAX_SCORES)
        scores = MatrixView(cmp.scaled, 2, th, name=r"QK^{\top}/\sqrt{d_k}", row_labels=tr.tokens,
                            col_labels=tr.tokens, rows=idx, cols=idx, size=24)
        SAFE.with_width(SCORES_W).inset(y=0.25).place(slim(scores), grow=1.35)
        side = VGroup(label(ui("rows: queries"), th, 20, th.q), label(ui("columns: keys"), th, 20, th.k))
        side.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        said = showing((count_shown(idx), n, "tokens"))
        if said:
            side.add(label(said, th, 20, th.muted))
            side.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        slim(side)
        SAFE.inset(x=0.15, y=0.15).best_fit({  # the note right of the scores, or under them
            "note right": lambda: VGroup(scores, side.next_to(scores, RIGHT, buff=0.4)),
            "note below": lambda: VGroup(scores, side.next_to(scores, DOWN, buff=0.3).align_to(scores, LEFT))})
        with self.beat(key="scores"):
            self.play(FadeOut(row), run_time=0.4)
            self.play(FadeIn(scores), FadeIn(side), run_time=0.9)

        # -- 3. minus infinity above the diagonal ------------------------------------------------
        hidden = [(r, c) for r in idx for c in idx if r is not None and c is not None and c > r]
        shades, infs = VGroup(), VGroup()
        shrink = scores.grid.width / (scores.cell_w * len(scores.cols))  # how much fit() scaled it
        inf_proto = slim(label(NEG_INF, th, 30, th.weight, mono=True)).scale(shrink)  # copied per cell
        for r, c in hidden:
            cell = scores.cell_rect(r, c)
            shades.add(overlay(Rectangle(width=cell.width, height=cell.height, stroke_width=0,
                                         fill_color=th.muted, fill_opacity=0.16).move_to(cell)))  # −∞ on it: 4.8:1
            inf = inf_proto.copy()
            fit(inf, cell.width * 0.9, cell.height * 0.8).move_to(cell)
            infs.add(inf)
            scores.shown[(r, c)] = NEG_INF  # what the slot shows now (MatrixView.shown)
        with self.beat(key="mask"):
            if hidden:
                self.play(FadeIn(shades), run_time=0.5)
                olds = VGroup(*[scores.entry(r, c) for r, c in hidden])
                self.play(Transform(olds, infs), run_time=0.8)
            else:
                self.play(Indicate(scores.entries, color=th.accent), run_time=0.8)

        # -- 4. softmax without and with the mask ---------------------------------------------------
        pair = self._heatmaps(cmp)
        left, right = pair["unmasked"], pair["masked"]
        with self.beat(key="softmax"):
            self.play(FadeOut(VGroup(scores, side, shades)), run_time=0.5)
            self.play(FadeIn(pair["group"]), run_time=1.0)
            if n > 1:
                future = staircase(right, upper=True, color=th.accent)
                self.play(Create(future), run_time=0.8)

        marks = VGroup()
        if n > 1:
            last = n - 1
            marks.add(left.row_rect(0), right.row_rect(0), right.row_rect(last, th.weight), future)
            with self.beat(key="compare-rows"):
                self.play(FadeOut(future), FadeIn(marks[0]), FadeIn(marks[1]), run_time=0.6)
                self.play(FadeIn(marks[2]), run_time=0.6)

        # -- 5. generation, one row at a time ----------------------------------------------------
        self.play(FadeOut(VGroup(pair["left"], pair["legend"], pair["right_caption"], *marks[:3])), run_time=0.5)
        target = right.copy()  # the masked heatmap, larger, with the status panel right of it
        SAFE.inset(y=0.15).left_part(SAFE.width - PANEL_W - GAP).place(target, grow=1.3)
        panel = self._panel(target)
        SAFE.align(VGroup(target, panel), ORIGIN)  # the pair centred
        self.play(Transform(right, target), run_time=0.7)
        for i in range(n):
            right.dim_row(i)
        status: VGroup = VGroup()
        with self.beat(key="generation"):
            step = min(0.8, 6.0 / n)
            for i in range(n):  # one play per row: the status swaps while the row lights up
                new = self._status(i, n, panel[0])
                swap = [FadeIn(new), FadeIn(panel[1])] if i == 0 else [FadeOut(status), FadeIn(new)]
                self.play(*swap, *right.reveal_row(i), *self._lit_column(right, i), run_time=step)
                status = new
        with self.beat(key="triangle"):
            self.play(Create(staircase(right, upper=False, color=th.accent)), run_time=1.0)

    # ---------------------------------------------------------------------------------- parts
    def _heatmaps(self, cmp: CausalComparison) -> dict[str, VGroup]:
        """Two heatmaps side by side under their captions, with the colour scale between them."""
        th, n = self.theme, cmp.n
        cell = min(0.95, 4.6 / n)
        values = n <= MAX_VALUES
        left = slim(Heatmap(cmp.unmasked, self.trace.tokens, th, cell=cell, show_values=values))
        if values:
            right = Heatmap(cmp.masked, self.trace.tokens, th, cell=cell, show_values=True)
        else:  # colour only: the same labels, recoloured cells (building token labels is the slow part)
            right = left.copy()
            right.values = np.array(cmp.masked, dtype=float)
            for i in range(n):
                for j in range(n):
                    right.cell(i, j).set_fill(heat_color(cmp.masked[i, j]))
        right.add(right.mask_cells(cmp.mask))  # masked cells: weight 0, an empty panel, hatched
        caps = [label(ui("softmax, no mask"), th, 24, th.muted), label(ui("softmax, causal mask"), th, 24, th.weight)]
        boxes = []
        for hm, cap in zip((left, right), caps):
            fit(cap, 5.6, 0.5)
            cap.next_to(hm, UP, buff=0.2)
            boxes.append(VGroup(hm, cap))
        masked_key = VGroup(masked_swatch(th, 0.3), label(ui("masked"), th, 20, th.muted)).arrange(RIGHT, buff=0.12)
        scale = VGroup(ColorScale(th, height=2.2), masked_key).arrange(DOWN, buff=0.35)
        group = slim(VGroup(boxes[0], scale, boxes[1]).arrange(RIGHT, buff=0.55))
        SAFE.inset(x=0.15, y=0.05).place(group)
        return {"unmasked": left, "masked": right, "group": group, "left": boxes[0], "legend": scale,
                "right_caption": caps[1]}

    def _lit_column(self, hm: Heatmap, i: int) -> list:  # type: ignore[type-arg]
        """The new token's column label lit (the one before it back to plain text)."""
        anims = [hm.col_labels[i].animate.set_color(self.theme.accent)]
        if i > 0:
            anims.append(hm.col_labels[i - 1].animate.set_color(self.theme.text))
        return anims

    def _status(self, i: int, n: int, anchor: VGroup) -> VGroup:
        """The step counter and the newest token, placed in the status panel `anchor`."""
        th = self.theme
        lines = VGroup(label(ui(f"step {i + 1} of {n}"), th, 24, th.muted, mono=True),
                       fit(label(ui(f"“{short(self.trace.tokens[i], 14)}”"), th, 30, th.accent), 4.0, 0.7))
        lines.arrange(DOWN, buff=0.2)
        slim(fit(lines, STATUS_W, STATUS_H)).move_to(anchor)
        return lines

    def _panel(self, hm: Heatmap) -> VGroup:
        """The status panel right of the heatmap: a slot for the changing lines, a fixed remark."""
        th = self.theme
        slot = Rectangle(width=STATUS_W, height=STATUS_H, stroke_opacity=0, fill_opacity=0)
        remark = VGroup(label(ui("sees itself and"), th, 24), label(ui("the tokens before it"), th, 24))
        remark.arrange(DOWN, buff=0.1)
        panel = slim(VGroup(slot, remark).arrange(DOWN, buff=0.3))
        return fit(panel, PANEL_W, SAFE.height).next_to(hm, RIGHT, buff=GAP)


def staircase(hm: Heatmap, upper: bool, color: str) -> VMobject:
    """Outline of the cells above the diagonal (upper) or on and below it, as one polygon."""
    n = hm.n
    c = hm.cell(0, 0).width
    x0, y0 = hm.cell(0, 0).get_corner(UP + LEFT)[:2]
    if upper:  # (column, row) corners, clockwise
        pts = [(1, 0), (n, 0), (n, n - 1)] + [p for k in range(n - 1, 0, -1) for p in ((k, k), (k, k - 1))]
    else:
        pts = [(0, 0)] + [p for k in range(1, n + 1) for p in ((k, k - 1), (k, k))] + [(0, n), (0, 0)]
    return VMobject(stroke_color=color, stroke_width=4).set_points_as_corners(
        [[x0 + a * c, y0 - b * c, 0] for a, b in pts])
