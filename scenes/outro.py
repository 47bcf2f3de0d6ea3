"""Segment 5, outro: recap of the steps with their shapes, the whole formula, a look ahead at
multi-head attention, and the configured closing line.

Shapes come from the trace (n, d_model, d_k). The multi-head teaser shows this video's single
head as a mini heatmap of trace.weights (no numbers) and the other heads as empty grids: their
weights would come from their own W_Q, W_K, W_V, which this video does not have.
"""

from __future__ import annotations

from manim import (
    DOWN,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    Indicate,
    MathTex,
    Rectangle,
    Square,
    VGroup,
    Write,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.layout import SAFE
from attention_explainer.scenes.checking import dimmed
from attention_explainer.scenes.components import (
    maths,
    ui,
    Formula,
    Heatmap,
    Theme,
    fit,
    label,
    narration_chunks,
    plural,
    wrap_lines,
)

HEADS = 4  # heads in the teaser: this video's one and three the next video would add
MINI_MAX_TOKENS = 16  # the mini heatmap shows at most this many tokens (a top-left slice)


def recap_steps(n: int, d_model: int, d_k: int, causal: bool) -> list[tuple[str, str, str]]:
    """(fixed maths, what it is, shape) for each step of the recap, shapes from the trace sizes."""
    return [
        (r"\text{tokens}", "the sentence, split", plural(n, "token")),
        (r"X", "embeddings, one row per token", f"{n} × {d_model}"),
        (r"Q,\ K,\ V", "X times three weight matrices", f"{n} × {d_k} each"),
        (r"QK^{\top}/\sqrt{d_k}", "scores: rows are queries, columns are keys", f"{n} × {n}"),
        (r"A = \mathrm{softmax}", "weights, each row sums to 1" + (" (future masked)" if causal else ""),
         f"{n} × {n}"),
        (r"A\,V", "each row mixes the values", f"{n} × {d_k}"),
        (r"Z", "a new vector for every token", f"{n} × {d_k}"),
    ]


class Outro(ExplainerScene):
    scene_id = "outro"

    def construct(self) -> None:
        th, tr = self.theme, self.trace

        # -- 1. recap ------------------------------------------------------------------------
        heading = self.title("Recap")
        steps = recap_steps(tr.n, tr.d_model, tr.d_k, tr.causal)
        rows = self._recap_list(steps)
        for r in rows:
            dimmed(r).set_opacity(0.25)  # lit one by one below
        with self.beat(key="recap-inputs"):
            self.play(FadeIn(heading), FadeIn(rows), run_time=0.8)
            for r in rows[:3]:
                self.play(r.animate.set_opacity(1), run_time=0.5)
        with self.beat(key="recap-attention"):
            for r in rows[3:]:
                self.play(r.animate.set_opacity(1), run_time=0.5)

        # -- 2. the whole formula ------------------------------------------------------------
        self.play(FadeOut(rows), FadeOut(heading), run_time=0.6)
        formula = Formula(th, size=64, dimmed=1.0)
        prefix = MathTex(r"\mathrm{Attention}(Q,K,V) =", font_size=64, color=th.text)
        full = VGroup(prefix, formula).arrange(RIGHT, buff=0.3)
        SAFE.with_width(13.0).with_height(2.0, 0.3).place(full)
        with self.beat(key="formula"):
            self.play(Write(prefix), run_time=0.8)
            self.play(FadeIn(formula), run_time=0.8)
            self.play(Indicate(formula.lit("Q", "K"), color=th.accent, scale_factor=1.1), run_time=0.8)
            self.play(Indicate(formula.part("V"), color=th.accent, scale_factor=1.1), run_time=0.6)

        # -- 3. next: multi-head attention ---------------------------------------------------
        self.play(FadeOut(full), run_time=0.6)
        heading2 = self.title("Next: multi-head attention")
        heads = self._heads()
        teaser = VGroup(
            VGroup(label(ui("next: several heads, each with its own"), th, 26),
                   MathTex(r"W_Q,\ W_K,\ W_V,", font_size=36, color=th.text)).arrange(RIGHT, buff=0.2),
            label(ui("looking for different relations"), th, 26),
        ).arrange(DOWN, buff=0.15)
        fit(teaser, 12.8, 1.0)
        teaser.next_to(heads, DOWN, buff=0.35)
        block = VGroup(heads, teaser)
        SAFE.inset(x=0.25, top=0.3, bottom=0.05).place(block)
        with self.beat(key="heads"):
            self.play(FadeIn(heading2), run_time=0.5)
            self.play(FadeIn(heads[0]), run_time=0.7)
            self.play(FadeIn(VGroup(*heads[1:])), run_time=0.7)
            self.play(FadeIn(teaser), run_time=0.6)
        with self.beat(key="first-head"):
            self.play(Indicate(heads[0], color=th.accent, scale_factor=1.05), run_time=1.0)

        # -- 4. closing line -----------------------------------------------------------------
        self.play(FadeOut(block), FadeOut(heading2), run_time=0.6)
        closing = wrap_lines(ui(self.cfg.video.closing_line), th, 44, 12.4, 4.6, max_lines=8)
        closing.move_to(UP * 0.1)
        for k, piece in enumerate(narration_chunks(ui(self.cfg.video.closing_line))):
            # the line is on screen, large: no caption repeating it underneath (SRT/VTT keep it)
            with self.beat(key=f"closing-{k + 1}", line="closing", piece=piece, caption=False):
                if k == 0:
                    self.play(FadeIn(closing, shift=UP * 0.2), run_time=1.0)

    # ---------------------------------------------------------------------------------- parts
    def _recap_list(self, steps: list[tuple[str, str, str]]) -> VGroup:
        """Three aligned columns: maths, meaning, shape; one VGroup per step."""
        th = self.theme
        rows = VGroup()
        for tex, what, shape in steps:
            rows.add(VGroup(maths(tex, th, 36, th.accent),
                            label(ui(what), th, 26, th.text),
                            label(ui(shape), th, 26, th.muted, mono=True)))
        w0 = max(r[0].width for r in rows)
        w1 = max(r[1].width for r in rows)
        gap = 0.6
        for k, r in enumerate(rows):
            y = -k * 0.62
            r[0].set_y(y).set_x(r[0].width / 2)
            r[1].set_y(y).set_x(w0 + gap + r[1].width / 2)
            r[2].set_y(y).set_x(w0 + gap + w1 + gap + r[2].width / 2)
        SAFE.inset(x=0.25, top=0.25).place(rows)
        return rows

    def _heads(self) -> VGroup:
        """Head 1: this video's weights as a mini heatmap (no numbers); heads 2..: empty grids."""
        th, tr = self.theme, self.trace
        m = min(tr.n, MINI_MAX_TOKENS)
        side = 2.4
        weights = tr.weights[:m, :m]
        heat = Heatmap(weights, list(tr.tokens[:m]), th, cell=side / m, show_values=False)
        heat.remove(heat.row_labels, heat.col_labels)
        cells = heat.cells
        heads = VGroup()
        cut = () if m == tr.n else (f"first {m} of {tr.n} tokens",)
        heads.add(VGroup(cells, _caption("head 1: this video", th, side, *cut)).arrange(DOWN, buff=0.2))
        for h in range(2, HEADS + 1):
            grid = _empty_grid(m, side, th)
            mark = label("?", th, 48, th.muted).move_to(grid)
            heads.add(VGroup(VGroup(grid, mark), _caption(f"head {h}", th, side)).arrange(DOWN, buff=0.2))
        heads.arrange(RIGHT, buff=0.5, aligned_edge=UP)
        return heads


def _caption(text: str, theme: Theme, width: float, *more: str) -> VGroup:
    """A caption under a head, a line each (the slice said on its own short line, so no line
    is shrunk below a legible size to fit the head's width)."""
    lines = VGroup(*[fit(label(ui(s), theme, 22, theme.muted), width + 0.6, 0.5) for s in (text, *more)])
    return lines.arrange(DOWN, buff=0.1)


def _empty_grid(m: int, side: float, theme: Theme) -> VGroup:
    """An n × n outline with faint cells: a head whose weights are not in this video."""
    frame = Square(side_length=side, stroke_color=theme.muted, stroke_width=2, fill_color=theme.panel,
                   fill_opacity=1)
    lines = VGroup()
    if m <= MINI_MAX_TOKENS and m > 1:
        step = side / m
        for k in range(1, m):
            off = -side / 2 + k * step
            lines.add(Rectangle(width=0.001, height=side, stroke_color=theme.muted, stroke_width=0.6,
                                stroke_opacity=0.5).move_to(frame.get_center() + RIGHT * off))
            lines.add(Rectangle(width=side, height=0.001, stroke_color=theme.muted, stroke_width=0.6,
                                stroke_opacity=0.5).move_to(frame.get_center() + UP * off))
    return VGroup(frame, lines)
