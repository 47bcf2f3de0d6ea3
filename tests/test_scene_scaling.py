"""The scaling (why √d_k) segment: builds for any config, shows the demo's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from attention_explainer.config.catalog import scene_by_id
from manim import Dot

from attention_explainer.scenes.components import DARK, Bars, VariancePlot, fmt
from attention_explainer.scenes.scaling import WhyScaling
from attention_explainer.core.variants import scaling_demo
from scenetools import (build_scene, check_beats, check_layout, color_of, glyph_text, only, optional_config, seen,
                        sentence, shown_number, texts)


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One folder per module: the scenes share the Tex and text caches."""
    return tmp_path_factory.mktemp("scaling")


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def test_default_config_duration_and_numbers(tmp_path):
    info = scene_by_id("scaling")
    assert info.optional and info.cls == "WhyScaling"
    scene = build_scene(WhyScaling, tmp_path, optional_config("scaling"))
    check_beats(scene, "scaling")
    check_layout(scene)
    assert 55 <= scene.renderer.time <= 100, scene.renderer.time
    demo = scaling_demo(0)  # the default seed, computed here
    assert demo.d_k == 64
    # the bars show the demo's weights, formatted; the demo agrees with a plain softmax
    raw, scaled = seen(scene, Bars)  # raw first, then scaled
    np.testing.assert_allclose(raw.values, softmax(demo.K @ demo.q))
    np.testing.assert_allclose(scaled.values, softmax(demo.K @ demo.q / 8))
    assert [glyph_text(t) for t in raw.numbers] == [shown_number(v, 2) for v in demo.p_raw]
    assert [glyph_text(t) for t in raw.under] == [shown_number(s, 2) for s in demo.K @ demo.q]
    assert [glyph_text(t) for t in scaled.under] == [shown_number(s, 2) for s in demo.K @ demo.q / 8]
    # the gradients p(1 - p) replace the numbers above the bars: raw (left), then scaled
    grads = sorted([t for t in texts(scene, beat="scaling-gradients") if color_of(t) == DARK.accent.upper()],
                   key=lambda t: t.get_x())
    assert [glyph_text(t) for t in grads] == [shown_number(v * (1 - v), 2) for v in (*demo.p_raw, *demo.p_scaled)]
    # the variance plot: one measured dot per width at (d, variance), then the scaled ones
    plot = only(seen(scene, VariancePlot))
    assert len(plot.dots) == len(demo.dims)
    inside_plot = [d for d in seen(scene, Dot, beat="scaling-variance-dk") if color_of(d) == DARK.q.upper()
                   and plot.get_left()[0] <= d.get_x() <= plot.get_right()[0]]
    assert len(inside_plot) == len(demo.dims)
    for dot, w, v in zip(sorted(inside_plot, key=lambda d: d.get_x()), demo.dims, demo.scaled_variance):
        assert np.allclose(dot.get_center(), plot.placed_point(w, v), atol=1e-6)
    # the narration quotes the demo's numbers
    text = " ".join(b.text for b in scene.beats)
    assert fmt(float(demo.p_raw.max()), 2) in text and fmt(float(demo.variance[-1]), 1) in text


@pytest.mark.slow
@pytest.mark.parametrize("n,seed,theme", [(1, 3, "dark"), (16, 1, "light")])
def test_builds_for_other_configs(tmp_path, n, seed, theme):
    scene = build_scene(WhyScaling, tmp_path, {"sentence": sentence(n), "model": {"seed": seed},
                                               "display": {"theme": theme, "captions": False}})
    check_beats(scene, "scaling")
    check_layout(scene)
    demo = scaling_demo(seed)
    raw, _ = seen(scene, Bars)
    assert [glyph_text(t) for t in raw.numbers] == [shown_number(v, 2) for v in demo.p_raw]
    assert scene.theme.name == theme
    # seed 3 does not saturate fully: the narration must not claim "almost all"
    if demo.p_raw.max() < 0.9:
        assert not any("almost all" in b.text for b in scene.beats)
