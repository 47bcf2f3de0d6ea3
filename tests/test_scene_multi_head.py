"""The multi-head segment: builds for small and large configs, shows the multi-head trace."""

from __future__ import annotations

import numpy as np
import pytest

from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.multi_head import MultiHead
from scenetools import build_scene, check_beats, check_layout, glyph_text, optional_config, sentence, shown_number, shows


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
    assert scene.mh.heads == 2 and len(scene.views["heatmaps"]) == 2
    assert any("rows are queries, columns are keys" in b.text.lower() for b in scene.beats)


@pytest.mark.slow
def test_numbers_on_screen_equal_the_trace(tmp_path):
    X = [[0.5, -1.0, 0.25, 0.0], [1.0, 0.25, -0.5, 0.75], [-0.5, 0.75, 1.0, -0.25]]
    scene = build_scene(MultiHead, tmp_path, {"sentence": "a b c", "display": {"captions": False},
                                              "model": {"embeddings": X, "heads": 2, "seed": 4}})
    check_beats(scene, "multi-head")
    check_layout(scene)
    mh, p = scene.mh, scene.trace.precision
    np.testing.assert_array_equal(mh.X, np.array(X))
    shows(scene.views["X"], np.array(X), p)
    for name in ("W_Q", "W_K", "W_V"):
        shows(scene.views[f"{name}1"], getattr(mh, name)[0], p)
    for h, hm in enumerate(scene.views["heatmaps"]):
        np.testing.assert_array_equal(hm.values, mh.weights[h])
        # an independent head: softmax((X W_Q)(X W_K)ᵀ / √d_head) by hand
        Q, K = np.array(X) @ mh.W_Q[h], np.array(X) @ mh.W_K[h]
        S = Q @ K.T / np.sqrt(mh.d_head)
        e = np.exp(S - S.max(axis=1, keepdims=True))
        ref = e / e.sum(axis=1, keepdims=True)
        assert [glyph_text(t) for t in hm.numbers] == [shown_number(v, 2) for v in ref.ravel()]
        shows(scene.views[f"Z{h + 1}"], mh.Z[h], 2)
    shows(scene.views["concat"], np.hstack(list(mh.Z)), 2)
    shows(scene.views["W_O"], mh.W_O, p)
    shows(scene.views["output"], np.hstack(list(mh.Z)) @ mh.W_O, 2)


@pytest.mark.parametrize("n,model,theme", [
    (1, {"heads": 1}, "dark"),
    (16, {"d_model": 16, "d_k": 4, "heads": 8}, "light"),
])
@pytest.mark.slow
def test_builds_for_other_configs(tmp_path, n, model, theme):
    scene = build_scene(MultiHead, tmp_path, {"sentence": sentence(n), "model": model,
                                              "display": {"theme": theme, "captions": False}})
    check_beats(scene, "multi-head")
    check_layout(scene)
    mh = scene.mh
    assert mh.heads == model["heads"] and mh.n == n
    # at most 4 heatmaps side by side (3 slots for long sentences): 8 heads × 16 tokens show heads 1 … 8
    assert len(scene.views["heatmaps"]) == (1 if mh.heads == 1 else 2)
    for hm, h in zip(scene.views["heatmaps"], (0, mh.heads - 1)):
        np.testing.assert_array_equal(hm.values, mh.weights[h])
    for view in ("concat", "output"):
        shows(scene.views[view], getattr(mh, view), 2)
