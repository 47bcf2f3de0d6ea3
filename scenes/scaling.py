"""Optional segment scaling: why the scores are divided by √d_k.

At a realistic width (d_k = 64) the dot product of random unit-variance vectors has variance
d_k; softmax of such scores saturates to almost one-hot and its gradient p(1 − p) vanishes.
Every number comes from variants.scaling_demo (random vectors drawn from the config seed).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    Line,
    Rectangle,
    Transform,
    VGroup,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    Formula,
    Theme,
    fit,
    fmt,
    label,
)
from attention_explainer.scenes.optional_parts import note, slim
from attention_explainer.core.variants import realistic_d_k, scaling_demo

MID_Y = (CONTENT_TOP + CONTENT_BOTTOM) / 2


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
        axes = VGroup(Line([0, 0, 0], [width, 0, 0], color=theme.muted, stroke_width=2),
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
        x_name = label("width dₖ of q and k", theme, 20, theme.muted).move_to([width / 2, -0.7, 0])
        y_name = label("variance of q · k", theme, 20, theme.muted).rotate(np.pi / 2)
        y_name.move_to([-0.95, height / 2, 0])
        self.line = DashedLine(self.point(0, 0), self.point(d_max, d_max), color=theme.muted, stroke_width=3)
        self.line_name = label("var = dₖ", theme, 20, theme.muted)
        self.line_name.next_to(self.point(0.7 * d_max, 0.7 * d_max), DOWN + RIGHT, buff=0.12)
        self.dots = VGroup(*[Dot(self.point(d, v), radius=0.07, color=theme.k) for d, v in zip(dims, variance)])
        self.add(axes, ticks, x_name, y_name, self.line, self.line_name, self.dots)
        slim(self)

    def point(self, d: float, v: float) -> np.ndarray:
        return np.array([self.w * d / self.x_max, self.h * v / self.y_max, 0.0])


class WhyScaling(ExplainerScene):
    scene_id = "scaling"

    def construct(self) -> None:
        th = self.theme
        demo = scaling_demo(self.cfg.model.seed, realistic_d_k(self.trace.d_k))
        self.demo = demo
        d, r = demo.d_k, demo.sqrt_d_k
        r_text = fmt(r, 0) if r == int(r) else fmt(r, 2)

        # -- 1. the question -----------------------------------------------------------------
        heading = slim(self.title("Why divide by √dₖ?"))
        formula = slim(Formula(th, size=52))
        formula.move_to(UP * 0.3)
        with self.beat("Every score is divided by the square root of d-k, the width of the queries and keys. "
                       "Why not just use the raw dot products?", key="question"):
            self.play(FadeIn(heading), FadeIn(formula), run_time=0.8)
            self.play(formula.lit("sqrt").animate.set_opacity(1), run_time=0.6)
            self.play(formula.part("sqrt").animate.set_color(th.accent), run_time=0.8)

        # -- 2. variance grows with the width --------------------------------------------------
        plot = VariancePlot(demo.dims, demo.variance, th)
        self.plot = plot
        key = VGroup(
            VGroup(Dot(radius=0.07, color=th.k), label("measured, raw q · k", th, 20, th.k)).arrange(RIGHT, buff=0.15),
            VGroup(Dot(radius=0.07, color=th.q), label("measured, q · k / √dₖ", th, 20, th.q)).arrange(RIGHT, buff=0.15),
            label(f"{demo.samples} random pairs per width", th, 18, th.muted),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        slim(key)
        board = VGroup(plot, key).arrange(RIGHT, buff=0.7, aligned_edge=DOWN)
        fit(board, 12.8, 4.9).move_to([0, MID_Y - 0.25, 0])
        key[1].set_opacity(0)
        plot_scale = plot[0][0].get_length() / plot.w  # how much fit() shrank the plot
        last_v = fmt(float(demo.variance[-1]), 1)
        with self.beat("A score is a dot product, a sum of d-k products. For random vectors whose entries "
                       "have variance one, its variance grows like d-k: the dots are measured, the line is "
                       "variance equals d-k.", key="variance"):
            self.play(formula.animate.scale(0.6).move_to(UP * 2.55), run_time=0.6)
            self.play(FadeIn(VGroup(*plot[:4])), FadeIn(key[0]), FadeIn(key[2]), run_time=0.8)
            self.play(Create(plot.line), FadeIn(plot.line_name), run_time=0.8)
            self.play(FadeIn(plot.dots, lag_ratio=0.2), run_time=1.0)
        top = plot.dots[-1]
        top_label = slim(label(f"dₖ = {d}: {last_v}", th, 20, th.k)).next_to(top, LEFT, buff=0.15)
        scaled_dots = VGroup(*[Dot(self._plot_point(plot, w, v), radius=0.07 * plot_scale, color=th.q)
                               for w, v in zip(demo.dims, demo.scaled_variance)])
        self.scaled_dots = scaled_dots
        with self.beat(f"At d-k = {d}, the measured variance is {last_v}, so raw scores typically land "
                       f"around plus or minus {r_text}. Divide by √{d} = {r_text} and the variance is back "
                       "to about one at every width.", key="variance-dk"):
            self.play(FadeIn(top_label), Indicate(top, color=th.accent, scale_factor=1.6), run_time=0.8)
            self.play(key[1].animate.set_opacity(1), FadeIn(scaled_dots, lag_ratio=0.2), run_time=1.0)

        # -- 3. the softmax saturates ----------------------------------------------------------
        self.play(FadeOut(VGroup(plot, key, top_label, scaled_dots)), run_time=0.5)
        names = [f"k{_sub(j + 1)}" for j in range(demo.m)]
        raw = Bars(demo.p_raw, 1.0, th, th.k, "softmax(q · k)", names,
                   under=[fmt(s, 2) for s in demo.scores])
        scaled = Bars(demo.p_scaled, 1.0, th, th.q, f"softmax(q · k / {r_text})", names,
                      under=[fmt(s, 2) for s in demo.scaled])
        self.charts = {"raw": raw, "scaled": scaled}
        charts = VGroup(raw, scaled).arrange(RIGHT, buff=1.0, aligned_edge=DOWN)
        score_note = note("score under each key", th, 18)
        fit(charts, 13.2, 4.6).move_to([0, MID_Y - 0.35, 0])
        score_note.next_to(charts, DOWN, buff=0.15)
        setup = note(f"one random query against {demo.m} random keys, dₖ = {d}", th, 22, th.text)
        setup.next_to(formula, DOWN, buff=0.25)
        top_raw = float(demo.p_raw.max())
        top_scaled = float(demo.p_scaled.max())
        how_much = "almost all" if top_raw > 0.9 else "most" if top_raw > 0.5 else "the biggest share"
        with self.beat(f"Here is one random query against {demo.m} random keys, {d} numbers wide. Raw scores "
                       f"this large make the softmax saturate: one key takes {how_much} of the weight, "
                       f"{fmt(top_raw, 2)}.", key="saturate"):
            self.play(FadeIn(setup), run_time=0.5)
            self.play(FadeIn(raw), FadeIn(score_note), run_time=0.9)
            j = int(np.argmax(demo.p_raw))
            self.play(Indicate(raw.bars[j], color=th.accent), run_time=0.8)
        with self.beat(f"Divided by {r_text}, the same scores stay in a moderate range, and the weights stay "
                       f"spread out: the largest is {fmt(top_scaled, 2)}.", key="scaled-spread"):
            self.play(FadeIn(scaled), run_time=0.9)

        # -- 4. gradients -----------------------------------------------------------------------
        grad = {"raw": demo.grad_raw, "scaled": demo.grad_scaled}
        swaps = []
        self.grad_shown: dict[str, list[str]] = {}
        titles = {"raw": "p(1 − p), raw scores", "scaled": f"p(1 − p), scores / {r_text}"}
        for name, chart in self.charts.items():
            unit = chart.unit() * 4  # p(1 - p) is at most 1/4: drawn 4× taller than p
            new_bars = VGroup(*[bar.copy().stretch_to_fit_height(max(unit * g, 0.02), about_edge=DOWN)
                                for bar, g in zip(chart.bars, grad[name])])
            new_nums = VGroup()
            self.grad_shown[name] = []
            for bar, g, old in zip(new_bars, grad[name], chart.numbers):
                t = label(fmt(g, 2), th, 17, th.accent, mono=True)
                t.scale(old.height / max(t.height, 1e-6)).next_to(bar, UP, buff=0.08)
                new_nums.add(slim(t))
                self.grad_shown[name].append(fmt(g, 2))
            new_title = slim(label(titles[name], th, 24, th.k if name == "raw" else th.q))
            new_title.scale(chart.title.height / max(new_title.height, 1e-6) * 1.0)
            new_title.move_to(chart.title)
            swaps += [Transform(chart.bars, new_bars), FadeOut(chart.numbers), FadeIn(new_nums),
                      FadeOut(chart.title), FadeIn(new_title)]
        g_raw, g_scaled = float(demo.grad_raw.max()), float(demo.grad_scaled.max())
        if fmt(g_raw, 2) == fmt(0, 2):
            saturated = f"Saturated, every one is about zero; scaled, the largest is {fmt(g_scaled, 2)}."
        else:
            saturated = f"Saturated, the largest is only {fmt(g_raw, 2)}; scaled, {fmt(g_scaled, 2)}."
        with self.beat("Learning follows gradients, and the softmax gradient of a weight p is p times one "
                       f"minus p, which vanishes near zero and one. {saturated}", key="gradients"):
            self.play(*swaps, run_time=1.2)

        # -- 5. the point ------------------------------------------------------------------------------
        with self.beat("So dividing by the square root of d-k keeps the scores at unit variance whatever the "
                       "width: the softmax stays soft, and the gradients keep flowing.", key="summary"):
            self.play(formula.animate.scale(1 / 0.6 * 0.8).move_to(UP * 2.45).set_opacity(1), FadeOut(setup),
                      run_time=0.6)
            self.play(Indicate(formula.part("sqrt"), color=th.accent, scale_factor=1.3), run_time=1.0)

    def _plot_point(self, plot: VariancePlot, d: float, v: float) -> np.ndarray:
        """A point of the plot in scene coordinates, after the board was fitted and moved."""
        origin = plot[0][0].get_start()
        sx = plot[0][0].get_length() / plot.w
        return origin + sx * plot.point(d, v)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(k: int) -> str:
    return str(k).translate(_SUBSCRIPTS)
