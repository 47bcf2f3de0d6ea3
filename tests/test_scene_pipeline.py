"""The pipeline segment: shapes come from the trace, the data reaches the nodes in order, the
diagram fits the frame without overlaps, everything (formula included) ends lit, beats.

Scenes are built with animations skipped (tests/scenetools.py); each config once per module.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
import pytest

from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.beats import reading_time
from attention_explainer.config import validate_config
from attention_explainer.scenes.components import CONTENT_BOTTOM, CONTENT_TOP, DARK, LIGHT
from attention_explainer.scenes.pipeline import FullPipeline

QUIET = {"captions": False}
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {"display": QUIET},  # the packaged default, captions off
    "one": {  # 1 token with explicit matrices, d_model 3, d_k 2: every shape distinct
        "sentence": "Hello",
        "model": {
            "d_model": 3, "d_k": 2,
            "embeddings": [[1.0, 0.0, 0.5]],
            "W_Q": [[1.0, 0.5], [0.0, 1.0], [0.5, 0.5]],
            "W_K": [[0.5, 0.0], [1.0, -1.0], [0.0, 0.2]],
            "W_V": [[1.0, 0.0], [0.0, 1.0], [0.3, 0.3]],
        },
        "display": QUIET,
    },
    "eight_dims": {"sentence": "The quick brown fox jumps over lazy dogs",
                   "model": {"d_model": 8, "d_k": 6}, "display": {"captions": False, "precision": 2}},
    "sixteen_big_light_causal": {
        "sentence": "The animal didn't cross the street because it was too tired after a long day .",
        "model": {"d_model": 16, "d_k": 16, "causal": True},
        "display": {"captions": False, "theme": "light"},
    },
}
ORDER = ["sentence", "tokens", "X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "softmax", "A", "AV", "Z"]

SLOW = pytest.mark.slow  # builds beyond "one" and "default": the full suite only (docs/testing.md)


@pytest.fixture(scope="module")
def built(build_once) -> Callable[[str], FullPipeline]:  # type: ignore[no-untyped-def]  # build_once: conftest.py
    """built(name) -> the scene for CONFIGS[name], built once for the module."""
    return lambda name: build_once(FullPipeline, CONFIGS[name])


@pytest.mark.parametrize("name", ["one", *(pytest.param(n, marks=SLOW) for n in ("eight_dims", "sixteen_big_light_causal"))])
def test_shapes_come_from_the_trace(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    tr = compute_trace(validate_config(CONFIGS[name]).attention_spec())
    n, dm, dk = tr.n, tr.d_model, tr.d_k
    assert (n, dm, dk) == (len(tr.tokens), tr.X.shape[1], tr.Q.shape[1])
    expected = {"X": tr.X.shape, "W_Q": tr.W_Q.shape, "W_K": tr.W_K.shape, "W_V": tr.W_V.shape,
                "Q": tr.Q.shape, "K": tr.K.shape, "V": tr.V.shape, "scores": tr.scores.shape,
                "A": tr.weights.shape, "Z": tr.Z.shape}
    for key, (rows, cols) in expected.items():
        assert scene.nodes[key].dims.original_text == f"{rows} × {cols}", key
    assert scene.nodes["tokens"].note.original_text == (f"{n} tokens" if n != 1 else "1 token")


def test_explicit_shapes_are_distinct(built: Callable[[str], FullPipeline]) -> None:
    shown = {k: built("one").nodes[k].dims.original_text for k in ("X", "W_Q", "Q", "A", "Z")}
    assert shown == {"X": "1 × 3", "W_Q": "3 × 2", "Q": "1 × 2", "A": "1 × 1", "Z": "1 × 2"}


@pytest.mark.parametrize("name", ["one", "default", *(pytest.param(n, marks=SLOW) for n in ("eight_dims", "sixteen_big_light_causal"))])
def test_data_flows_in_order_and_everything_ends_lit(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    assert scene.lit_order == ORDER
    assert all(node.is_lit for node in scene.nodes.values())
    for key, node in scene.nodes.items():
        assert node.box.get_stroke_opacity() == 1 and node.box.get_stroke_width() == 4, key
    for key, edge in scene.edges.items():
        assert edge.path.get_stroke_opacity() == 1, key
    # the formula is fully lit, "Z =" included
    for part in scene.formula_line.family_members_with_points():
        assert part.get_fill_opacity() == pytest.approx(1.0), part


@SLOW
def test_node_colours_follow_the_theme(built: Callable[[str], FullPipeline]) -> None:
    for name, th in (("default", DARK), ("sixteen_big_light_causal", LIGHT)):
        nodes = built(name).nodes
        roles = {"Q": th.q, "W_Q": th.q, "K": th.k, "W_K": th.k, "V": th.v, "W_V": th.v, "X": th.x,
                 "scores": th.weight, "softmax": th.weight, "A": th.weight, "Z": th.accent}
        for key, colour in roles.items():
            assert nodes[key].box.get_stroke_color().to_hex().upper() == colour.upper(), (name, key)


def _inside(p: np.ndarray, mob: Any, pad: float = 0.0) -> bool:
    return (mob.get_left()[0] - pad < p[0] < mob.get_right()[0] + pad
            and mob.get_bottom()[1] - pad < p[1] < mob.get_top()[1] + pad)


def _overlap(a: Any, b: Any) -> bool:
    return not (a.get_right()[0] <= b.get_left()[0] or b.get_right()[0] <= a.get_left()[0]
                or a.get_top()[1] <= b.get_bottom()[1] or b.get_top()[1] <= a.get_bottom()[1])


@pytest.mark.parametrize("name", ["one", "default", *(pytest.param(n, marks=SLOW) for n in ("eight_dims", "sixteen_big_light_causal"))])
def test_diagram_fits_without_overlaps(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    content = [m for m in scene.mobjects if m is not scene.heading and m is not scene.narrator.caption]
    for mob in content:
        assert -6.9 <= mob.get_left()[0] and mob.get_right()[0] <= 6.9, mob
        assert CONTENT_BOTTOM <= mob.get_bottom()[1] and mob.get_top()[1] <= CONTENT_TOP, mob
    nodes = scene.nodes
    for (ka, a), (kb, b) in itertools.combinations(nodes.items(), 2):
        assert not _overlap(a, b), (ka, kb)
    for key, node in nodes.items():
        assert not _overlap(node, scene.formula_line), key
    # edges run between their two nodes only: sampled points avoid every other box and the formula
    for key, edge in scene.edges.items():
        src, dst = key  # a Link(source, target)
        pts = edge.path.points
        samples = [a + t * (b - a) for a, b in zip(pts[:-1], pts[1:]) for t in np.linspace(0, 1, 9)]
        for p in samples:
            assert not _inside(p, scene.formula_line), key
            for other, node in nodes.items():
                if other not in (src, dst):
                    assert not _inside(p, node.box, pad=0.05), (key, other)


@SLOW
def test_causal_is_said_and_shown(built: Callable[[str], FullPipeline]) -> None:
    causal, plain = built("sixteen_big_light_causal"), built("default")
    assert "masked" in causal.nodes["softmax"].note.original_text
    assert any("masked" in b.text for b in causal.beats)
    assert "masked" not in plain.nodes["softmax"].note.original_text
    assert not any("masked" in b.text for b in plain.beats)


@pytest.mark.parametrize("name", ["one", "default", pytest.param("sixteen_big_light_causal", marks=SLOW)])
def test_beats_hold_long_enough(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    assert len(scene.beats) >= 8
    assert len({b.id for b in scene.beats}) == len(scene.beats)
    for b in scene.beats:
        assert b.end - b.start >= reading_time(b.text) - 1e-3, b
    assert any("Rows are queries, columns are keys" in b.text for b in scene.beats)


def test_default_duration_and_numbers_in_narration(built: Callable[[str], FullPipeline]) -> None:
    scene = built("default")
    tr = compute_trace(validate_config(CONFIGS["default"]).attention_spec())
    assert 50 <= scene.renderer.time <= 90
    said = " ".join(b.text for b in scene.beats)
    assert f"{tr.n} by {tr.d_model}" in said and f"{tr.d_model} by {tr.d_k}" in said
    assert f"{tr.n} by {tr.n}" in said
