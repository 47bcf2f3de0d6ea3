"""The multi-head segment: builds for small and large configs, shows the multi-head trace."""

from __future__ import annotations

import numpy as np
import pytest

from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.multi_head import MultiHead
from attention_explainer.config import validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.multihead import MultiHeadTrace, compute_multihead
from attention_explainer.scenes.components import Heatmap, MatrixView
from scenetools import (build_scene, check_beats, check_layout, glyph_text, optional_config, seen, sentence,
                        shown_number, shows, views_named)


def concat_views(scene) -> list:
    """The matrices named [Z¹ | Z² | …]: the heads' outputs side by side."""
    return [v for v in seen(scene, MatrixView) if v.name is not None and v.name.tex_string.startswith("[")]


def multihead(config: dict) -> MultiHeadTrace:
    """The config's heads, computed here by the core (as the scene's input is)."""
    spec = validate_config(config).attention_spec()
    return compute_multihead(spec, compute_trace(spec))


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One folder per module: the scenes share the Tex and text caches."""
    return tmp_path_factory.mktemp("multi_head")


def test_default_config_duration(tmp_path):
    info = scene_by_id("multi-head")
    assert info.optional and info.cls == "MultiHead"
    scene = build_scene(MultiHead, tmp_path, optional_config("multi-head"))
    check_beats(scene, "multi-head")
    check_layout(scene)
    assert 55 <= scene.renderer.time <= 100, scene.renderer.time
    assert len(seen(scene, Heatmap)) == 2  # the default's 2 heads
    assert any("rows are queries, columns are keys" in b.text.lower() for b in scene.beats)


@pytest.mark.slow
def test_numbers_on_screen_equal_the_trace(tmp_path):
    X = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.25, -0.5, 0.75], [-0.5, 0.75, 1.0, -0.25]]
    config = {"sentence": "a b c", "display": {"captions": False}, "model": {"embeddings": X, "heads": 2, "seed": 4}}
    scene = build_scene(MultiHead, tmp_path, config)
    check_beats(scene, "multi-head")
    check_layout(scene)
    mh, p = multihead(config), scene.trace.precision
    np.testing.assert_array_equal(mh.X, np.array(X))
    shown = {name: views_named(scene, name) for name in ("X", "W_Q^{(1)}", "W_K^{(1)}", "W_V^{(1)}", "Z^{(1)}",
                                                         "Z^{(2)}", "W_O", r"\text{output}")}
    assert all(shown.values()), [k for k, v in shown.items() if not v]
    for v in shown["X"]:
        shows(v, np.array(X), p)
    for name in ("W_Q", "W_K", "W_V"):
        for v in shown[f"{name}^{{(1)}}"]:
            shows(v, getattr(mh, name)[0], p)
    for h, hm in enumerate(seen(scene, Heatmap)):
        np.testing.assert_array_equal(hm.values, mh.weights[h])
        # an independent head: softmax((X W_Q)(X W_K)ᵀ / √d_head) by hand
        Q, K = np.array(X) @ mh.W_Q[h], np.array(X) @ mh.W_K[h]
        S = Q @ K.T / np.sqrt(mh.d_head)
        e = np.exp(S - S.max(axis=1, keepdims=True))
        ref = e / e.sum(axis=1, keepdims=True)
        assert [glyph_text(t) for t in hm.numbers] == [shown_number(v, 2) for v in ref.ravel()]
        for v in shown[f"Z^{{({h + 1})}}"]:
            shows(v, mh.Z[h], 2)
    assert len(concat_views(scene)) == 2
    for v in concat_views(scene):  # the concatenation and its slice in the W_O line
        shows(v, np.hstack(list(mh.Z)), 2)
    for v in shown["W_O"]:
        shows(v, mh.W_O, p)
    for v in shown[r"\text{output}"]:
        shows(v, np.hstack(list(mh.Z)) @ mh.W_O, 2)


@pytest.mark.parametrize("n,model,theme", [
    (1, {"heads": 1}, "dark"),
    (16, {"d_model": 16, "d_k": 4, "heads": 8}, "light"),
])
@pytest.mark.slow
def test_builds_for_other_configs(tmp_path, n, model, theme):
    config = {"sentence": sentence(n), "model": model, "display": {"theme": theme, "captions": False}}
    scene = build_scene(MultiHead, tmp_path, config)
    check_beats(scene, "multi-head")
    check_layout(scene)
    mh = multihead(config)
    assert mh.heads == model["heads"] and mh.n == n
    # at most 4 heatmaps side by side (3 slots for long sentences): 8 heads × 16 tokens show heads 1 … 8
    maps = seen(scene, Heatmap)
    assert len(maps) == (1 if mh.heads == 1 else 2)
    for hm, h in zip(maps, (0, mh.heads - 1)):
        np.testing.assert_array_equal(hm.values, mh.weights[h])
    for views, values in ((concat_views(scene), mh.concat), (views_named(scene, r"\text{output}"), mh.output)):
        assert views
        for v in views:
            shows(v, values, 2)
