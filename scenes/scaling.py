"""Optional segment scaling: why the scores are divided by √d_k.

At a realistic width (d_k = 64) the dot product of random unit-variance vectors has variance
d_k; softmax of such scores saturates to almost one-hot and its gradient p(1 − p) vanishes.
Every number comes from the scene input (variants.scaling_demo: random vectors drawn from the config seed).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    Transform,
    VGroup,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    Bars,
    Formula,
    VariancePlot,
    fmt,
    label,
    note,
    slim,
    subscript,
)
from attention_explainer.scenes.layout import SAFE, SUBTITLE_Y


class WhyScaling(ExplainerScene):
    scene_id = "scaling"

    def construct(self) -> None:
        th = self.theme
        demo = self.input.scaling
        d, r = demo.d_k, demo.sqrt_d_k
        r_text = fmt(r, 0) if r == int(r) else fmt(r, 2)

        # -- 1. the question -----------------------------------------------------------------
        heading = slim(self.title("Why divide by √dₖ?"))
        formula = slim(Formula(th, size=52))
        formula.move_to(UP * 0.3)
        with self.beat(key="question"):
            self.play(FadeIn(heading), FadeIn(formula), run_time=0.8)
            self.play(formula.lit("sqrt").animate.set_opacity(1), run_time=0.6)
            self.play(formula.part("sqrt").animate.set_color(th.accent), run_time=0.8)

        # -- 2. variance grows with the width --------------------------------------------------
        plot = VariancePlot(demo.dims, demo.variance, th)
        key = VGroup(
            VGroup(Dot(radius=0.07, color=th.k), label(ui("measured, raw q · k"), th, 20, th.k)).arrange(RIGHT, buff=0.15),
            VGroup(Dot(radius=0.07, color=th.q), label(ui("measured, q · k / √dₖ"), th, 20, th.q)).arrange(RIGHT, buff=0.15),
            label(ui(f"{demo.samples} random pairs per width"), th, 18, th.muted),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        slim(key)
        board = VGroup(plot, key).arrange(RIGHT, buff=0.7, aligned_edge=DOWN)
        SAFE.with_width(12.8).with_height(4.9, SAFE.mid_y - 0.25).place(board)  # under the formula, moved up
        key[1].set_opacity(0)
        plot_scale = plot.scale_factor()  # how much fit() shrank the plot
        last_v = fmt(float(demo.variance[-1]), 1)
        with self.beat(key="variance"):
            self.play(formula.animate.scale(0.6).move_to([0, SUBTITLE_Y, 0]), run_time=0.6)
            self.play(FadeIn(plot.frame), FadeIn(key[0]), FadeIn(key[2]), run_time=0.8)
            self.play(Create(plot.line), FadeIn(plot.line_name), run_time=0.8)
            self.play(FadeIn(plot.dots, lag_ratio=0.2), run_time=1.0)
        top = plot.dots[-1]
        top_label = slim(label(ui(f"dₖ = {d}: {last_v}"), th, 20, th.k)).next_to(top, LEFT, buff=0.15)
        scaled_dots = VGroup(*[Dot(plot.placed_point(w, v), radius=0.07 * plot_scale, color=th.q)
                               for w, v in zip(demo.dims, demo.scaled_variance)])
        with self.beat(key="variance-dk", width=d, variance=float(demo.variance[-1]), root=r_text):
            self.play(FadeIn(top_label), Indicate(top, color=th.accent, scale_factor=1.6), run_time=0.8)
            self.play(key[1].animate.set_opacity(1), FadeIn(scaled_dots, lag_ratio=0.2), run_time=1.0)

        # -- 3. the softmax saturates ----------------------------------------------------------
        self.play(FadeOut(VGroup(plot, key, top_label, scaled_dots)), run_time=0.5)
        names = [f"k{subscript(j + 1)}" for j in range(demo.m)]
        raw = Bars(demo.p_raw, 1.0, th, th.k, "softmax(q · k)", names,
                   under=[fmt(s, 2) for s in demo.scores])
        scaled = Bars(demo.p_scaled, 1.0, th, th.q, f"softmax(q · k / {r_text})", names,
                      under=[fmt(s, 2) for s in demo.scaled])
        charts = VGroup(raw, scaled).arrange(RIGHT, buff=1.0, aligned_edge=DOWN)
        score_note = note(ui("score under each key"), th, 18)
        SAFE.with_width(13.2).with_height(4.6, SAFE.mid_y - 0.35).place(charts)  # (the score note under it)
        score_note.next_to(charts, DOWN, buff=0.15)
        setup = note(ui(f"one random query against {demo.m} random keys, dₖ = {d}"), th, 22, th.text)
        setup.next_to(formula, DOWN, buff=0.25)
        top_raw = float(demo.p_raw.max())
        top_scaled = float(demo.p_scaled.max())
        with self.beat(key="saturate", keys=demo.m, width=d, top=top_raw, almost_all=top_raw > 0.9, most=top_raw > 0.5):
            self.play(FadeIn(setup), run_time=0.5)
            self.play(FadeIn(raw), FadeIn(score_note), run_time=0.9)
            j = int(np.argmax(demo.p_raw))
            self.play(Indicate(raw.bars[j], color=th.accent), run_time=0.8)
        with self.beat(key="scaled-spread", root=r_text, top=top_scaled):
            self.play(FadeIn(scaled), run_time=0.9)

        # -- 4. gradients -----------------------------------------------------------------------
        grad = {"raw": demo.grad_raw, "scaled": demo.grad_scaled}
        swaps = []
        titles = {"raw": "p(1 − p), raw scores", "scaled": f"p(1 − p), scores / {r_text}"}
        for name, chart in (("raw", raw), ("scaled", scaled)):
            unit = chart.unit() * 4  # p(1 - p) is at most 1/4: drawn 4× taller than p
            new_bars = VGroup(*[bar.copy().stretch_to_fit_height(max(unit * g, 0.02), about_edge=DOWN)
                                for bar, g in zip(chart.bars, grad[name])])
            new_nums = VGroup()
            for bar, g, old in zip(new_bars, grad[name], chart.numbers):
                t = label(fmt(g, 2), th, 17, th.accent, mono=True)
                t.scale(old.height / max(t.height, 1e-6)).next_to(bar, UP, buff=0.08)
                new_nums.add(slim(t))
            new_title = slim(label(titles[name], th, 24, th.k if name == "raw" else th.q))
            new_title.scale(chart.title.height / max(new_title.height, 1e-6) * 1.0)
            new_title.move_to(chart.title)
            swaps += [Transform(chart.bars, new_bars), FadeOut(chart.numbers), FadeIn(new_nums),
                      FadeOut(chart.title), FadeIn(new_title)]
        g_raw, g_scaled = float(demo.grad_raw.max()), float(demo.grad_scaled.max())
        with self.beat(key="gradients", raw=g_raw, scaled=g_scaled, vanished=fmt(g_raw, 2) == fmt(0, 2)):
            self.play(*swaps, run_time=1.2)

        # -- 5. the point ------------------------------------------------------------------------------
        with self.beat(key="summary"):
            self.play(formula.animate.scale(1 / 0.6 * 0.8).move_to(UP * 2.45).set_opacity(1), FadeOut(setup),
                      run_time=0.6)
            self.play(Indicate(formula.part("sqrt"), color=th.accent, scale_factor=1.3), run_time=1.0)
