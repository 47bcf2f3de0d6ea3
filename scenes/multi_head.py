"""Optional segment multi-head: h heads side by side, then concatenation and W_O.

Each head has its own W_Q, W_K, W_V of size d_model × d_model/h (drawn from the seed, quantised
like the main weights); its attention weights are shown as heatmaps side by side; the heads'
outputs are concatenated back to d_model columns and multiplied by W_O. Every number comes from
the scene input (multihead.compute_multihead of the config and trace).
"""

from __future__ import annotations

from typing import Optional

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    ReplacementTransform,
    RoundedRectangle,
    VGroup,
)

from attention_explainer.core.multihead import MultiHeadTrace
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    ColorScale,
    Heatmap,
    MatrixView,
    Theme,
    arrow_line,
    count_shown,
    label,
    note,
    showing,
    slim,
    visible,
)
from attention_explainer.scenes.layout import SAFE

AREA = SAFE.inset(x=0.25, y=0.1)  # what most steps fill
MAX_HEADS_SHOWN = 4  # heads drawn side by side; more heads show a slice
MAX_MAPS_LONG = 3  # heatmap slots (ellipsis included) when the sentence has more than 8 tokens
MAX_ROWS = 6  # token rows of the matrices
MAX_COLS = 6  # columns of the d_model-wide matrices
MAX_LINE_COLS = 4  # columns in the line concat × W_O = output (and rows of W_O)


def head_colors(th: Theme) -> list[str]:
    """One colour per head (cycled): the theme's V, weight, Q and K colours."""
    return [th.v, th.weight, th.q, th.k]


def sup(h: int) -> str:
    """TeX superscript for head h (0-based index, shown 1-based)."""
    return f"^{{({h + 1})}}"


class MultiHead(ExplainerScene):
    scene_id = "multi-head"

    def construct(self) -> None:
        th, tr = self.theme, self.trace
        mh = self.input.multihead
        H, n, dm, dh, p = mh.heads, mh.n, mh.d_model, mh.d_head, mh.precision
        colors = head_colors(th)
        color = [colors[h % len(colors)] for h in range(H)]
        shown_heads = visible(H, MAX_HEADS_SHOWN)
        rows = visible(n, MAX_ROWS)

        # -- 1. several heads --------------------------------------------------------------------
        heading = slim(self.title("Multi-head attention"))
        X = slim(MatrixView(mh.X, p, th, color=th.x, name="X", row_labels=tr.tokens, rows=rows,
                            cols=visible(dm, MAX_COLS), size=22))
        boxes = self._head_boxes(mh, shown_heads, color)
        board = VGroup(X, boxes).arrange(RIGHT, buff=1.4)
        AREA.place(board)
        links = VGroup(*[arrow_line(X.get_right() + RIGHT * 0.15, b.get_left() + LEFT * 0.1, th.muted, 2)
                         for b in boxes if isinstance(b, RoundedRectangleGroup)])
        with self.beat(key="heads"):
            self.play(FadeIn(heading), FadeIn(X), run_time=0.8)
            self.play(Create(links), LaggedStart(*[FadeIn(b) for b in boxes], lag_ratio=0.2), run_time=1.2)

        # -- 2. head 1's weights -----------------------------------------------------------------
        wrows, wcols = visible(dm, MAX_ROWS), visible(dh, 4)
        ws = VGroup()
        for name, key, c in (("W_Q", "Q", th.q), ("W_K", "K", th.k), ("W_V", "V", th.v)):
            w = MatrixView(getattr(mh, name)[0], p, th, color=c, name=f"W_{key}{sup(0)}", rows=wrows,
                           cols=wcols, size=22)
            ws.add(slim(w))
        ws.arrange(RIGHT, buff=0.6)
        shape = note(ui(f"each {dm} × {dh}: d_model × d_model/h") + (ui(" (a slice is shown)") if dm > MAX_ROWS or dh > 4 else ""),
                     th, 22, th.text)
        panel = VGroup(ws, shape).arrange(DOWN, buff=0.35)
        AREA.with_width(13.0).place(panel)
        with self.beat(key="head-width"):
            self.play(FadeOut(VGroup(X, boxes, links)), run_time=0.5)
            self.play(FadeIn(ws), FadeIn(shape), run_time=0.9)

        # -- 3. one heatmap per head -----------------------------------------------------------------
        maps = self._heatmaps(mh, visible(H, MAX_HEADS_SHOWN if n <= 8 else MAX_MAPS_LONG), color)
        with self.beat(key="head-weights"):
            self.play(FadeOut(panel), run_time=0.5)
            self.play(LaggedStart(*[FadeIn(g) for g in maps["groups"]], lag_ratio=0.25), run_time=1.4)
        q = n - 1
        with self.beat(key="patterns"):
            rects = VGroup(*[m.row_rect(q) for m in maps["maps"]])
            self.play(FadeIn(rects), run_time=0.7)
            self.play(*[Indicate(m.row_labels[q], color=th.accent) for m in maps["maps"]], run_time=0.8)

        # -- 4. concatenation ----------------------------------------------------------------------
        cols = visible(dm, MAX_COLS)
        concat = self._concat_view(mh, rows, cols, color)
        parts = VGroup()
        for h in (h for h in shown_heads if h is not None):
            z = MatrixView(mh.Z[h], 2, th, color=color[h], name=f"Z{sup(h)}", row_labels=tr.tokens if not len(parts) else None,
                           rows=rows, cols=visible(dh, 3), size=22)
            parts.add(slim(z))
        parts.arrange(RIGHT, buff=0.45, aligned_edge=DOWN)
        for m in (parts, concat):  # (the shape note goes under them)
            SAFE.with_width(13.0).inset(top=0.25, bottom=0.65).place(m, grow=1.3)
        shape_note = note(ui(f"{n} × {dh} per head  →  {n} × {dm} side by side")
                          + (ui(", a slice is shown") if n > MAX_ROWS or dm > MAX_COLS or H > MAX_HEADS_SHOWN else ""),
                          th, 22, th.text)
        shape_note.next_to(concat, DOWN, buff=0.3)
        with self.beat(key="concat"):
            self.play(FadeOut(VGroup(*maps["groups"], rects)), run_time=0.5)
            self.play(FadeIn(parts), run_time=0.8)
            self.play(FadeOut(parts), FadeIn(concat), FadeIn(shape_note), run_time=1.0)

        # -- 5. W_O ---------------------------------------------------------------------------------
        # Three d_model-wide matrices in one line: fewer columns than above, so the numbers stay readable.
        lcols, lrows = visible(dm, MAX_LINE_COLS), visible(n, MAX_ROWS)
        small = self._concat_view(mh, lrows, lcols, color, with_tokens=dm <= MAX_LINE_COLS)
        W_O = slim(MatrixView(mh.W_O, p, th, color=th.weight, name="W_O", rows=visible(dm, MAX_LINE_COLS),
                              cols=lcols, size=22))
        out = slim(MatrixView(mh.output, 2, th, color=th.text, name=r"\text{output}", rows=lrows, cols=lcols,
                              size=22))
        times, eq = slim(MathTex(r"\times", color=th.text)), slim(MathTex("=", color=th.text))
        line = VGroup(small, times, W_O, eq, out).arrange(RIGHT, buff=0.3)
        SAFE.inset(x=0.2, y=0.25).place(line)
        if lcols != cols or lrows != rows:
            to_line = [FadeOut(concat), FadeIn(small)]
        else:  # same slice: slide the matrix into place
            to_line = [ReplacementTransform(concat, small)]
        with self.beat(key="w-o"):
            self.play(FadeOut(shape_note), *to_line, run_time=0.8)
            self.play(FadeIn(times), FadeIn(W_O), run_time=0.7)
            self.play(FadeIn(eq), FadeIn(out), run_time=0.8)
        with self.beat(key="summary"):
            self.play(Indicate(out.brackets, color=th.accent), Indicate(out.name, color=th.accent), run_time=1.0)

    # ---------------------------------------------------------------------------------- parts
    def _head_boxes(self, mh: MultiHeadTrace, shown: list[Optional[int]], color: list[str]) -> VGroup:
        th = self.theme
        group = VGroup()
        for h in shown:
            if h is None:
                group.add(slim(label("⋮", th, 30, th.muted)))
                continue
            tex = MathTex(rf"W_Q{sup(h)},\ W_K{sup(h)},\ W_V{sup(h)}", font_size=30, color=th.text)
            name = label(ui(f"head {h + 1}"), th, 24, color[h])
            size = label(ui(f"{mh.d_model} × {mh.d_head} each"), th, 20, th.muted)
            inner = VGroup(name, tex, size).arrange(DOWN, buff=0.12)
            box = RoundedRectangle(corner_radius=0.1, width=inner.width + 0.4, height=inner.height + 0.3,
                                   stroke_color=color[h], stroke_width=2.5, fill_color=th.panel, fill_opacity=1)
            group.add(slim(RoundedRectangleGroup(box, inner.move_to(box))))
        group.arrange(DOWN, buff=0.25)
        said = showing((count_shown(shown), mh.heads, "heads"))
        if len(group) and said:
            group.add(note(said, th, 20))
            group.arrange(DOWN, buff=0.25)
        return group

    def _heatmaps(self, mh: MultiHeadTrace, shown: list[Optional[int]], color: list[str]) -> dict[str, list]:  # type: ignore[type-arg]
        th, n = self.theme, mh.n
        k = sum(h is not None for h in shown)
        per_map = (11.6 - 0.8 * (None in shown)) / k  # width left for each map beside the colour scale
        cell = min(0.95, (per_map - 1.5) / n, 4.2 / n)
        groups, maps = [], []
        for h in shown:
            if h is None:
                groups.append(slim(label("⋯", th, 36, th.muted)))
                continue
            hm = Heatmap(mh.weights[h], mh.tokens, th, cell=cell)
            cap = label(ui(f"head {h + 1}"), th, 24, color[h]).next_to(hm, UP, buff=0.2)
            maps.append(hm)
            groups.append(slim(VGroup(hm, cap)))
        groups.append(slim(ColorScale(th, height=min(2.4, n * cell))))
        row = VGroup(*groups).arrange(RIGHT, buff=0.5, aligned_edge=DOWN)
        said = showing((count_shown(shown), mh.heads, "heads"))
        if said:
            groups.append(note(said, th, 20))
            VGroup(row, groups[-1]).arrange(DOWN, buff=0.25)
        SAFE.inset(x=0.2, y=0.05).place(VGroup(*groups))
        return {"groups": groups, "maps": maps}

    def _concat_view(self, mh: MultiHeadTrace, rows: list[Optional[int]], cols: list[Optional[int]],
                     color: list[str], with_tokens: bool = True) -> MatrixView:
        th = self.theme
        heads_tex = r"\,|\,".join(f"Z{sup(h)}" for h in range(min(mh.heads, 3)))
        if mh.heads > 3:
            heads_tex += r"\,|\,\cdots"
        view = MatrixView(mh.concat, 2, th, name=rf"[\,{heads_tex}\,]", row_labels=mh.tokens if with_tokens else None,
                          rows=rows,
                          cols=cols, size=22)
        for c in cols:
            if c is None:
                continue
            h = c // mh.d_head
            for r in rows:
                if r is not None:
                    view.entry(r, c).set_color(color[h])
        return slim(view)


class RoundedRectangleGroup(VGroup):
    """A head box: the rounded frame and its text (a named type so the scene can find them)."""
