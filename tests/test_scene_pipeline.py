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
from manim import DL, UR, MathTex, Rectangle, Text
from scenetools import only, probed, probing, seen, text

from attention_explainer.scenes.components import DARK, LIGHT, Edge, Formula, Node
from attention_explainer.scenes.layout import SAFE
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
SLOW = pytest.mark.slow  # builds beyond "one" and "default": the full suite only (docs/testing.md)

# the data reaches the nodes in this order: (the beat, the nodes lit together by one play)
FLOW = [("pipeline-tokens", {"sentence"}), ("pipeline-tokens", {"tokens"}), ("pipeline-embeddings", {"X"}),
        ("pipeline-projections", {"W_Q", "W_K", "W_V"}), ("pipeline-qkv", {"Q", "K", "V"}),
        ("pipeline-scores", {"scores"}), ("pipeline-softmax", {"softmax"}), ("pipeline-softmax", {"A"}),
        ("pipeline-output", {"AV"}), ("pipeline-output", {"Z"})]
KEYS = {"X": "X", "W_Q": "W_Q", "W_K": "W_K", "W_V": "W_V", "Q": "Q", "K": "K", "V": "V",
        r"QK^{\top}\!/\sqrt{d_k}": "scores", "A": "A", r"A\cdot V": "AV", "Z": "Z"}  # a node's TeX name -> key


def node_key(node: Node) -> str:
    """Which node of the pipeline this is, from what it draws: its TeX name, else its word
    ("softmax"), else its note ("sentence", "3 tokens")."""
    tex = [m.tex_string for m in node.content.get_family() if isinstance(m, MathTex)]
    if tex:
        return KEYS[only(tex)]
    words = [m.original_text for m in node.content.get_family() if isinstance(m, Text)]
    if words == ["softmax"]:
        return "softmax"
    assert node.note is not None
    return "sentence" if node.note.original_text == "sentence" else "tokens"


def nodes_of(scene: Any, final: bool = False) -> dict[str, Node]:
    """The diagram's nodes the scene showed, by key."""
    nodes = {node_key(n): n for n in seen(scene, Node, final)}
    assert len(nodes) == len(seen(scene, Node, final)), "two nodes drawn alike"
    return nodes


def is_lit(node: Node) -> bool:
    """Drawn lit: its box at full stroke, 4 wide."""
    return node.box.get_stroke_opacity() == 1 and node.box.get_stroke_width() == 4


def lit_nodes(scene: Any) -> frozenset[str]:
    """A probe: the keys of the nodes on screen drawn lit."""
    return frozenset(node_key(m) for top in scene.mobjects for m in top.get_family()
                     if isinstance(m, Node) and is_lit(m))


Pipeline = probing(FullPipeline, lit_nodes)


def shape_shown(node: Node) -> str:
    """The shape a matrix node shows ("3 × 4"), read from its text."""
    return only([m.original_text for m in node.content.get_family() if isinstance(m, Text) and "×" in m.original_text])


def formula_line(scene: Any) -> list[Any]:
    """The formula under the diagram and its "Z =" (at the end)."""
    z_eq = [m for m in seen(scene, MathTex, final=True) if m.tex_string == "Z ="]
    return [only(seen(scene, Formula, final=True)), only(z_eq)]


def bounds(mobs: list[Any]) -> Rectangle:
    """A rectangle around several mobjects (to test overlaps with them all)."""
    lo = np.min([m.get_corner(DL) for m in mobs], axis=0)
    hi = np.max([m.get_corner(UR) for m in mobs], axis=0)
    return Rectangle(width=hi[0] - lo[0], height=hi[1] - lo[1]).move_to((lo + hi) / 2)


@pytest.fixture(scope="module")
def built(build_once) -> Callable[[str], FullPipeline]:  # type: ignore[no-untyped-def]  # build_once: conftest.py
    """built(name) -> the scene for CONFIGS[name], built once for the module."""
    return lambda name: build_once(Pipeline, CONFIGS[name])


@pytest.mark.parametrize("name", ["one", *(pytest.param(n, marks=SLOW) for n in ("eight_dims", "sixteen_big_light_causal"))])
def test_shapes_come_from_the_trace(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    tr = compute_trace(validate_config(CONFIGS[name]).attention_spec())
    n, dm, dk = tr.n, tr.d_model, tr.d_k
    assert (n, dm, dk) == (len(tr.tokens), tr.X.shape[1], tr.Q.shape[1])
    expected = {"X": tr.X.shape, "W_Q": tr.W_Q.shape, "W_K": tr.W_K.shape, "W_V": tr.W_V.shape,
                "Q": tr.Q.shape, "K": tr.K.shape, "V": tr.V.shape, "scores": tr.scores.shape,
                "A": tr.weights.shape, "Z": tr.Z.shape}
    nodes = nodes_of(scene)
    assert set(nodes) == {*expected, "sentence", "tokens", "softmax", "AV"}
    for key, (rows, cols) in expected.items():
        assert shape_shown(nodes[key]) == f"{rows} × {cols}", key
    assert nodes["tokens"].note.original_text == (f"{n} tokens" if n != 1 else "1 token")


def test_explicit_shapes_are_distinct(built: Callable[[str], FullPipeline]) -> None:
    nodes = nodes_of(built("one"))
    shown = {k: shape_shown(nodes[k]) for k in ("X", "W_Q", "Q", "A", "Z")}
    assert shown == {"X": "1 × 3", "W_Q": "3 × 2", "Q": "1 × 2", "A": "1 × 1", "Z": "1 × 2"}


@pytest.mark.parametrize("name", ["one", "default", *(pytest.param(n, marks=SLOW) for n in ("eight_dims", "sixteen_big_light_causal"))])
def test_data_flows_in_order_and_everything_ends_lit(built: Callable[[str], FullPipeline], name: str) -> None:
    scene = built(name)
    flow, before = [], frozenset()
    for beat, lit in probed(scene, "play"):  # what each play lit
        assert before <= lit, beat  # nothing goes dark again
        if lit - before:
            flow.append((beat, set(lit - before)))
        before = lit
    assert flow == FLOW
    nodes = nodes_of(scene, final=True)
    assert len(nodes) == 14 and all(is_lit(node) for node in nodes.values())
    edges = seen(scene, Edge, final=True)
    assert {(e.link.source, e.link.target) for e in edges} == {  # the data's paths, each drawn once
        ("sentence", "tokens"), ("tokens", "X"), ("X", "W_Q"), ("X", "W_K"), ("X", "W_V"), ("W_Q", "Q"),
        ("W_K", "K"), ("W_V", "V"), ("Q", "scores"), ("K", "scores"), ("scores", "softmax"), ("softmax", "A"),
        ("A", "AV"), ("V", "AV"), ("AV", "Z")}
    assert len(edges) == 15
    for edge in edges:
        assert edge.path.get_stroke_opacity() == 1, edge.link
    # the formula is fully lit, "Z =" included
    for part in (m for mob in formula_line(scene) for m in mob.family_members_with_points()):
        assert part.get_fill_opacity() == pytest.approx(1.0), part


@SLOW
def test_node_colours_follow_the_theme(built: Callable[[str], FullPipeline]) -> None:
    for name, th in (("default", DARK), ("sixteen_big_light_causal", LIGHT)):
        nodes = nodes_of(built(name))
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
    heading = text(scene, "The full self-attention pipeline", final=True)
    assert heading.get_bottom()[1] >= SAFE.top  # the title line, above the content band
    content = [m for m in scene.mobjects if heading not in m.get_family() and m is not scene.narrator.caption]
    assert content
    for mob in content:
        assert SAFE.left <= mob.get_left()[0] and mob.get_right()[0] <= SAFE.right, mob
        assert SAFE.bottom <= mob.get_bottom()[1] and mob.get_top()[1] <= SAFE.top, mob
    nodes, formula = nodes_of(scene, final=True), bounds(formula_line(scene))
    for (ka, a), (kb, b) in itertools.combinations(nodes.items(), 2):
        assert not _overlap(a, b), (ka, kb)
    for key, node in nodes.items():
        assert not _overlap(node, formula), key
    # edges run between their two nodes only: sampled points avoid every other box and the formula
    for edge in seen(scene, Edge, final=True):
        src, dst = edge.link
        pts = edge.path.points
        samples = [a + t * (b - a) for a, b in zip(pts[:-1], pts[1:]) for t in np.linspace(0, 1, 9)]
        for p in samples:
            assert not _inside(p, formula), edge.link
            for other, node in nodes.items():
                if other not in (src, dst):
                    assert not _inside(p, node.box, pad=0.05), (edge.link, other)


@SLOW
def test_causal_is_said_and_shown(built: Callable[[str], FullPipeline]) -> None:
    causal, plain = built("sixteen_big_light_causal"), built("default")
    assert "masked" in nodes_of(causal)["softmax"].note.original_text
    assert any("masked" in b.text for b in causal.beats)
    assert "masked" not in nodes_of(plain)["softmax"].note.original_text
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
