"""Segment 3, heatmap: the attention weights A (trace.weights) as a heatmap, and how to read it.

Rows are queries (labelled left), columns are keys (labelled on top), colour is the weight
(viridis, with a scale). One row is read in detail: the focus token's (video.focus), else the row
chosen by `reading_row` (the most peaked distribution), its one or two largest weights and the keys they belong to. Then every
row is summed (trace.weights.sum(axis=1), the only arithmetic here: a check the viewer can do)
to show that each query shares out exactly 1. Causal traces show the masked cells hatched.

At most MAX_SHOWN tokens are drawn: a longer sentence shows its first MAX_SHOWN rows and
columns and says so on screen; the row sums are still over all keys.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    Indicate,
    LaggedStart,
    Line,
    SurroundingRectangle,
    VGroup,
    VMobject,
)

from attention_explainer.core.provenance import weights_note
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    ColorScale,
    Heatmap,
    Theme,
    fit,
    fmt,
    label,
    masked_swatch,
    short,
    text_line,
)
from attention_explainer.scenes.layout import SAFE

MAX_SHOWN = 16  # tokens drawn at most; longer sentences show the first MAX_SHOWN
CELL_MAX = 1.3  # largest cell side (few tokens)
GRID_MAX_W = 6.0  # the grid's width budget (row labels, sums, panel and scale share the rest)
PANEL_MAX_W = 3.6  # the reading panel right of the grid
LABEL_CHARS = 12  # longer tokens are cut (with "…") in the row and column labels
AREA = SAFE.inset(x=0.05)  # grid, reading panel and colour scale
GAP = 0.55  # between the grid (with its sums), the reading panel and the colour scale
KEYS_CAPTION_H = 0.55  # the "keys (columns)" caption above the column labels
CAPTION_SIZE = 24


# ------------------------------------------------------------------------------- what to read
def reading_row(weights: np.ndarray, mask: np.ndarray, rows: int) -> int:
    """The query row read in detail: the most peaked one (largest single weight) among the first
    `rows` rows that may look at two keys or more; ties go to the earlier row."""
    allowed = (~np.asarray(mask, dtype=bool)).sum(axis=1)
    candidates = [i for i in range(rows) if allowed[i] >= 2] or list(range(rows))
    return max(candidates, key=lambda i: (float(np.max(weights[i])), -i))


def top_keys(weights: np.ndarray, mask: np.ndarray, row: int) -> list[int]:
    """The keys the row attends to most: the largest weight, and the second when the row may
    look at two keys or more. Ties go to the earlier key."""
    order = [int(j) for j in np.argsort(-np.asarray(weights[row]), kind="stable")]
    allowed = int((~np.asarray(mask[row], dtype=bool)).sum())
    return order[: 2 if allowed >= 2 else 1]


# ------------------------------------------------------------------------------------ drawing
def outline(mob: VMobject, color: str, theme: Theme, width: float = 4, buff: float = 0.04) -> VGroup:
    """A rectangle around mob, drawn twice (background colour under the colour) so it shows on
    every heat colour."""
    under = SurroundingRectangle(mob, buff=buff, stroke_color=theme.background, stroke_width=width + 4)
    over = SurroundingRectangle(mob, buff=buff, stroke_color=color, stroke_width=width)
    return VGroup(under, over)


# -------------------------------------------------------------------------------------- scene
class AttentionHeatmap(ExplainerScene):
    scene_id = "heatmap"

    def construct(self) -> None:
        tr, th = self.trace, self.theme
        n = tr.n
        m = min(n, MAX_SHOWN)
        tokens = list(tr.tokens)
        weights = np.asarray(tr.weights)[:m, :m]
        mask = np.asarray(tr.mask)[:m, :m]
        sums = np.asarray(tr.weights).sum(axis=1)[:m]  # over all n keys: every row sums to 1

        heading = self.title("Attention heatmap")
        hm = self._heatmap(weights, [short(t, LABEL_CHARS) for t in tokens[:m]])
        cell = hm.cell_size

        # axis captions, row sums, mask layer (positions relative to the heatmap)
        grid = hm.cells
        keys_cap = label(ui("keys (columns)"), th, CAPTION_SIZE, th.k)
        fit(keys_cap, max(grid.width + 1.0, 2.0), 0.5)
        keys_cap.next_to(VGroup(grid, hm.col_labels), UP, buff=0.12).set_x(grid.get_x())
        queries_cap = label(ui("queries (rows)"), th, CAPTION_SIZE, th.q).rotate(np.pi / 2)
        fit(queries_cap, 0.5, 5.0)
        queries_cap.next_to(VGroup(grid, hm.row_labels), LEFT, buff=0.15).set_y(grid.get_y())

        sum_size = max(12, min(22, cell * 30))
        sum_texts = VGroup()
        for i in range(m):
            t = fit(label(fmt(sums[i], 2), th, sum_size, th.text, mono=True), 1.2, cell * 0.6)
            sum_texts.add(t)
        sums_x = grid.get_right()[0] + 0.25 + max(t.width for t in sum_texts) / 2
        for i, t in enumerate(sum_texts):
            t.move_to([sums_x, hm.cell(i, 0).get_y(), 0])
        sums_head = fit(label(ui("row sum"), th, max(14, min(22, cell * 30)), th.muted), 1.6, 0.4)
        sums_head.next_to(grid, UP, buff=0.15)
        sums_head.set_x(max(sums_x - sum_texts[0].width / 2, hm.col_labels.get_right()[0] + 0.15)
                        + sums_head.width / 2)
        sums_bar = Line(grid.get_corner(UP + RIGHT) + RIGHT * 0.12, grid.get_corner(DOWN + RIGHT) + RIGHT * 0.12,
                        stroke_color=th.muted, stroke_width=2)
        sums_col = VGroup(sums_bar, sum_texts, sums_head)

        mask_layer = hm.mask_cells(mask)  # hatching over the masked cells (drawn over the heatmap)

        left_block = VGroup(queries_cap, keys_cap, hm, sums_col, mask_layer)

        # the reading: one row, its top keys
        full = np.asarray(tr.weights)
        focus = self.cfg.focus_index  # video.focus: its row is read (None: the most peaked row)
        r = reading_row(full, np.asarray(tr.mask), m) if focus is None else focus
        keys = top_keys(full, np.asarray(tr.mask), r)
        size = 26
        panel_tok = [short(t, LABEL_CHARS + 4) for t in tokens]
        lines = [text_line([(panel_tok[r], th.q, False), (ui("attends most to"), th.text, False)], th, size),
                 text_line([(panel_tok[keys[0]], th.k, False), (fmt(full[r, keys[0]], 2), th.text, True)], th, size)]
        if len(keys) > 1:
            lines.append(text_line([(ui("then"), th.muted, False), (panel_tok[keys[1]], th.k, False),
                                    (fmt(full[r, keys[1]], 2), th.text, True)], th, size))
        for ln in lines:
            fit(ln, PANEL_MAX_W, 0.6)
        # the pattern is not learned: said beside the reading (see core/provenance.py)
        origin = fit(label(ui(weights_note(self.cfg.model)), th, 20, th.muted), PANEL_MAX_W, 0.4)
        reading = VGroup(*lines, origin).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        shown_sums = sorted({fmt(v, 2) for v in sums})  # one value, "1.00", for a softmax
        sums_line = fit(text_line([(ui("every row sums to"), th.text, False), (" / ".join(shown_sums), th.text, True)],
                                  th, size), PANEL_MAX_W, 0.6)

        panel_items: list[VMobject] = []
        note = None
        if n > m:
            note = VGroup(*[label(ui(s), th, 20, th.accent) for s in (
                f"{n} tokens: too many to show", "as a heatmap; the first", f"{m} rows and columns are shown")]
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
            fit(note, PANEL_MAX_W, 1.4)
            panel_items.append(note)
        legend = None
        if len(mask_layer):
            legend = VGroup(masked_swatch(th, 0.4), VGroup(label(ui("masked (a later key):"), th, 20, th.text),
                                           label(ui("score −∞ → weight 0"), th, 20, th.text)
                                           ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)).arrange(RIGHT, buff=0.18)
            fit(legend, PANEL_MAX_W, 1.0)
            panel_items.append(legend)
        panel_items += [reading, sums_line]
        panel = VGroup(*panel_items).arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        fit(panel, PANEL_MAX_W, SAFE.height)

        scale = ColorScale(th, height=float(np.clip(grid.height, 2.0, 3.0)), caption="weight")

        # horizontal layout: [left block] [panel] [scale], centred (from AREA's left edge at most)
        total = left_block.width + GAP + panel.width + GAP + scale.width
        x0 = max(AREA.left, -total / 2)
        left_block.shift(RIGHT * (x0 - left_block.get_left()[0])).set_y(AREA.mid_y)
        panel.next_to(left_block, RIGHT, buff=GAP).set_y(grid.get_y())
        scale.next_to(panel, RIGHT, buff=GAP).set_y(grid.get_y())
        AREA.keep(scale, y=False)
        AREA.keep(panel, x=False)

        # highlights of the reading (built after the layout: they follow the moved cells)
        # (a focus row past the first MAX_SHOWN is read in the panel only)
        row_box = outline(VGroup(*[hm.cell(r, j) for j in range(m)]), th.q, th, width=4, buff=0.03) if r < m else None
        row_tag = outline(hm.row_labels[r], th.q, th, width=2.5, buff=0.06) if r < m else None
        key_boxes = [outline(hm.cell(r, j), th.k, th, width=5, buff=0.0) if j < m else None for j in keys]
        key_tags = [outline(hm.col_labels[j], th.k, th, width=2.5, buff=0.06) if j < m else None for j in keys]

        # ---------------------------------------------------------------------------- beats
        with self.beat(key="heatmap"):
            self.play(FadeIn(heading), run_time=0.6)
            self.play(FadeIn(VGroup(hm.cells, mask_layer)), run_time=1.2)
            if note is not None:
                self.play(FadeIn(note), run_time=0.5)

        with self.beat(key="rows-cols") as line:
            self.play(FadeIn(hm.row_labels), FadeIn(queries_cap), run_time=0.8)
            line.wait_until("Columns")  # the keys appear as the narration turns to them
            self.play(FadeIn(hm.col_labels), FadeIn(keys_cap), run_time=0.8)

        with self.beat(key="colour", printed=len(hm.numbers) > 0):
            self.play(FadeIn(scale), run_time=0.8)
            if len(hm.numbers):
                self.play(FadeIn(hm.numbers), run_time=0.8)

        if n > m:
            with self.beat(key="too-many", shown=m):
                self.play(Indicate(note, color=th.accent, scale_factor=1.05), run_time=1.0)

        if legend is not None:
            with self.beat(key="causal"):
                self.play(FadeIn(legend), run_time=0.6)
                self.play(Indicate(legend, color=th.accent, scale_factor=1.05), run_time=1.0)

        with self.beat(key="read-row", query=r):
            if row_box is not None:
                self.play(Create(row_box), FadeIn(row_tag), hm.row_labels[r].animate.set_color(th.q), run_time=0.8)
            else:
                self.wait(0.8)

        with self.beat(key="top-key", query=r, target=keys[0], weight=full[r, keys[0]],
                       itself=keys[0] == r) as line:
            line.wait_until("most")  # the top key's cell is boxed as it is named
            anims = [FadeIn(lines[0]), FadeIn(lines[1]), FadeIn(origin)]
            if key_boxes[0] is not None:
                anims += [Create(key_boxes[0]), FadeIn(key_tags[0]), hm.col_labels[keys[0]].animate.set_color(th.k)]
            self.play(*anims, run_time=0.9)

        if len(keys) > 1:
            with self.beat(key="second-key", target=keys[1], weight=full[r, keys[1]], itself=keys[1] == r) as line:
                line.wait_until("comes")  # ... and the runner-up's
                anims = [FadeIn(lines[2])]
                if key_boxes[1] is not None:
                    anims += [Create(key_boxes[1]), FadeIn(key_tags[1]),
                              hm.col_labels[keys[1]].animate.set_color(th.k)]
                self.play(*anims, run_time=0.8)

        with self.beat(key="row-sums", cut=n > m):
            self.play(FadeIn(sums_bar), FadeIn(sums_head), run_time=0.5)
            self.play(LaggedStart(*[FadeIn(t, shift=LEFT * 0.15) for t in sum_texts],
                                  lag_ratio=min(0.3, 3.0 / m)), run_time=1.2)

        with self.beat(key="summary"):
            self.play(FadeIn(sums_line), Indicate(sum_texts, color=th.accent, scale_factor=1.1), run_time=1.2)

    # ------------------------------------------------------------------------------- layout
    def _heatmap(self, weights: np.ndarray, tokens: Sequence[str]) -> Heatmap:
        """A Heatmap whose cell size makes grid, labels and captions fit the content area.

        The label sizes follow the cell (Heatmap's own rule, Heatmap.label_band), so the
        cell is solved for with the labels measured once at a reference size; the Heatmap is
        then built once.
        """
        m = len(tokens)
        avail_h = AREA.height - KEYS_CAPTION_H
        ref = [label(t, self.theme, 24) for t in tokens]
        dims = [(t.width, t.height) for t in ref]
        cell = min(CELL_MAX, GRID_MAX_W / m, avail_h / (m + 0.6))
        for _ in range(8):
            col_h, row_w = Heatmap.label_band(dims, cell)
            shrink = min(1.0, avail_h / (m * cell + col_h + 0.15), (GRID_MAX_W + 1.6) / (m * cell + row_w + 0.15))
            if shrink >= 0.999:
                break
            cell *= shrink * 0.99
        return Heatmap(weights, tokens, self.theme, cell=cell, uniform_labels=True)
