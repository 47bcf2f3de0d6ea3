"""The positional-encoding segment: builds for short and long sentences, shows the core's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.positional_encoding import PositionalEncoding
from attention_explainer.config import validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.variants import order_demo
from attention_explainer.scenes.components import PEGrid
from scenetools import (build_scene, check_beats, check_layout, glyph_text, only, optional_config, seen, sentence,
                        shown_number, shows, views_named)


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One folder per module: the scenes share the Tex and text caches."""
    return tmp_path_factory.mktemp("positional")


def loop_attention(X, W_Q, W_K, W_V):
    n, d = len(X), W_Q.shape[1]
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V
    out = np.zeros((n, d))
    for i in range(n):
        s = [float(Q[i] @ K[j]) / math.sqrt(d) for j in range(n)]
        w = [math.exp(x - max(s)) for x in s]
        out[i] = sum(w[j] / sum(w) * V[j] for j in range(n))
    return out


def test_default_config_duration(tmp_path):
    info = scene_by_id("positional-encoding")
    assert info.optional and info.cls == "PositionalEncoding"
    scene = build_scene(PositionalEncoding, tmp_path, optional_config("positional-encoding"))
    check_beats(scene, "positional-encoding")
    check_layout(scene)
    assert 55 <= scene.renderer.time <= 100, scene.renderer.time
    assert any("set model dot positional encoding to true" in b.text for b in scene.beats)


@pytest.mark.slow
def test_numbers_on_screen_equal_the_trace(tmp_path):
    """Explicit embeddings with the switch on: the scene takes the positions off again for the
    order demo (E = X − PE) and every number shown is the by-hand value, formatted."""
    E = np.array([[0.5, -1.0, 0.25, 0.0], [1.0, 0.25, -0.5, 0.75], [-0.5, 0.75, 1.0, -0.25]])
    scene = build_scene(PositionalEncoding, tmp_path, {
        "sentence": "a b c", "display": {"captions": False},
        "model": {"embeddings": E.tolist(), "positional_encoding": True}})
    check_beats(scene, "positional-encoding")
    check_layout(scene)
    t = scene.trace
    # the paper's formula, by hand
    PE = np.array([[math.sin(pos / 10000 ** (2 * (j // 2) / 4)) if j % 2 == 0 else
                    math.cos(pos / 10000 ** (2 * (j // 2) / 4)) for j in range(4)] for pos in range(3)])
    grid = only(seen(scene, PEGrid))
    np.testing.assert_allclose(grid.values, PE, atol=1e-12)
    assert [glyph_text(t) for t in grid.numbers] == [shown_number(PE[i, j], 2) for i in range(3) for j in range(4)]
    W = (t.W_Q, t.W_K, t.W_V)
    for name, decimals, values in (
            (r"\text{embeddings}", t.precision, E), ("PE", 2, PE), ("X", 2, E + PE),
            ("Z", 2, loop_attention(E, *W)), (r"Z_{\text{reordered}}", 2, loop_attention(E[[1, 2, 0]], *W)),
            (r"Z \text{ with } PE", 2, loop_attention(E + PE, *W)),
            (r"Z_{\text{reordered}} \text{ with } PE", 2, loop_attention(E[[1, 2, 0]] + PE, *W))):
        views = views_named(scene, name)
        assert len(views) == 1, name
        shows(views[0], values, decimals)
    # without positions the reordered rows are the same rows; with them they are not
    Z, Z_perm = only(views_named(scene, "Z")), only(views_named(scene, r"Z_{\text{reordered}}"))
    assert [glyph_text(Z_perm.entry(a, c)) for a in range(3) for c in range(3)] == \
        [glyph_text(Z.entry(r, c)) for r in (1, 2, 0) for c in range(3)]
    # the trace's X already has the positions (the math segment shows it), and the scene says so
    np.testing.assert_allclose(t.X, E + PE, atol=1e-12)
    assert any("is on" in b.text for b in scene.beats)


@pytest.mark.slow
@pytest.mark.parametrize("n,theme", [(1, "dark"), (16, "light")])
def test_builds_for_other_lengths(tmp_path, n, theme):
    config = {"sentence": sentence(n), "display": {"theme": theme, "captions": False}}
    scene = build_scene(PositionalEncoding, tmp_path, config)
    check_beats(scene, "positional-encoding")
    check_layout(scene)
    assert only(seen(scene, PEGrid)).values.shape == (n, scene.trace.d_model)
    demo = order_demo(compute_trace(validate_config(config).attention_spec()), False)
    if n > 1:
        assert demo.gap.max() < 1e-12 < demo.gap_pe.max()
