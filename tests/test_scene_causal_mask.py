"""The causal-mask segment: builds for short and long sentences, shows the trace's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.causal_mask import NEG_INF, CausalMask
from attention_explainer.scenes.components import LIGHT, heat_color
from manim import ManimColor
from attention_explainer.config import validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.variants import causal_comparison
from attention_explainer.scenes.components import Heatmap
from scenetools import (build_scene, check_beats, check_layout, glyph_text, only, optional_config, seen, sentence,
                        shown_number, text, views_named)


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One folder per module: the scenes share the Tex and text caches (a build is ~2× faster)."""
    return tmp_path_factory.mktemp("causal_mask")


def test_default_config_duration_and_catalog(tmp_path):
    info = scene_by_id("causal-mask")
    assert info.optional and info.cls == "CausalMask" and info.path.name == "causal_mask.py"
    scene = build_scene(CausalMask, tmp_path, optional_config("causal-mask"))
    check_beats(scene, "causal-mask")
    total = scene.renderer.time
    assert 50 <= total <= 100, total
    assert any("rows are queries, columns are keys" in b.text.lower() for b in scene.beats)


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 16])
def test_builds_for_sentence_lengths(tmp_path, n):
    # captions off in the layout cases: building them is most of the time, and the test checks
    # that content stays above the caption band anyway
    scene = build_scene(CausalMask, tmp_path, {"sentence": sentence(n), "display": {"captions": False}})
    check_beats(scene, "causal-mask")
    cmp = causal_comparison(compute_trace(validate_config({"sentence": sentence(n)}).attention_spec()))
    assert cmp.n == n
    unmasked, masked = seen(scene, Heatmap)  # side by side: without, then with the mask
    np.testing.assert_array_equal(unmasked.values, cmp.unmasked)
    np.testing.assert_array_equal(masked.values, cmp.masked)
    assert np.all(masked.values[np.triu_indices(n, 1)] == 0)
    check_layout(scene)
    # cells coloured from the masked weights; masked cells drawn as empty panels
    for i in range(n):
        for j in range(n):
            want = ManimColor(scene.theme.panel) if j > i else heat_color(cmp.masked[i, j])
            assert masked.cell(i, j).get_fill_color().to_hex() == want.to_hex(), (i, j)
    # the generation beat revealed every row: all cells are opaque again
    assert all(c.get_fill_opacity() == 1 for c in masked.cells)
    text(scene, f"step {n} of {n}", final=True)  # the last step's status


@pytest.mark.slow
def test_numbers_on_screen_equal_the_trace(tmp_path):
    """3 tokens with explicit matrices: every number shown is the reference value, formatted."""
    config = {
        "sentence": "a b c",
        "display": {"captions": False},
        "model": {
            "d_model": 2, "d_k": 2,
            "embeddings": [[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75]],
            "W_Q": [[1.0, 0.0], [0.5, -1.0]],
            "W_K": [[0.0, 1.0], [1.0, 1.0]],
            "W_V": [[1.0, 2.0], [0.0, -1.0]],
        },
    }
    scene = build_scene(CausalMask, tmp_path, config)
    t = scene.trace
    scores = only(views_named(scene, r"QK^{\top}/\sqrt{d_k}"))
    np.testing.assert_array_equal(scores.values, t.scaled)
    for i in range(3):
        for j in range(3):
            if j > i:
                assert scores.shown[(i, j)] == NEG_INF
            else:  # read back from the glyphs drawn
                assert glyph_text(scores.entry(i, j)) == shown_number(t.scaled[i, j], 2), (i, j)
    # the reference: the scaled scores by hand, softmaxed with and without the mask
    X, WQ, WK = np.array(config["model"]["embeddings"]), np.array(config["model"]["W_Q"]), np.array(config["model"]["W_K"])
    S = (X @ WQ) @ (X @ WK).T / np.sqrt(2)
    e = np.exp(S - S.max(axis=1, keepdims=True))
    unmasked = e / e.sum(axis=1, keepdims=True)
    em = np.where(np.triu(np.ones((3, 3), bool), 1), 0.0, np.exp(S - S.max(axis=1, keepdims=True)))
    masked = em / em.sum(axis=1, keepdims=True)
    for name, ref, hm in zip(("unmasked", "masked"), (unmasked, masked), seen(scene, Heatmap)):
        shown = [glyph_text(t_) for t_ in hm.numbers]
        assert shown == [shown_number(v, 2) for v in ref.ravel()], name


@pytest.mark.slow
def test_light_theme_and_causal_trace_with_8_tokens(tmp_path):
    scene = build_scene(CausalMask, tmp_path, {"sentence": sentence(8), "display": {"theme": "light", "captions": False},
                                               "model": {"causal": True}})
    check_beats(scene, "causal-mask")
    check_layout(scene)
    _, masked = seen(scene, Heatmap)
    np.testing.assert_allclose(masked.values, scene.trace.weights)
    assert scene.theme.name == "light"
    assert ManimColor(scene.camera.background_color).to_hex() == ManimColor(LIGHT.background).to_hex()
    masked_cell = masked.cell(0, 7)  # above the diagonal: drawn as an empty panel
    assert masked_cell.get_fill_color().to_hex() == ManimColor(LIGHT.panel).to_hex()
