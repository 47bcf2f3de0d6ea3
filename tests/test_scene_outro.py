"""outro segment: recap shapes from the trace, the fully lit formula, the multi-head teaser drawn
from the trace's weights (no numbers), and the closing line, for the default config, explicit
matrices (light theme, causal, long closing line) and one token."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attention_explainer.narration.beats import reading_time
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.outro import HEADS, Outro, recap_steps
from manim import VGroup

from attention_explainer.scenes.components import Formula, Heatmap
from scenetools import build_scene, color_of, only, seen, texts

LONG_CLOSING = ("Thanks for watching! Attention lets every token look at every other token in one step, and "
                "the weights show exactly where each one looks. Try your own sentence, change the seed, switch "
                "on the causal mask, and see how the picture changes. The numbers always come straight from "
                "the computation, never made up for the video, so you can check every single one by hand.")

EXPLICIT = {
    "sentence": "cats chase mice",
    "model": {
        "d_model": 2, "d_k": 2, "causal": True,
        "embeddings": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        "W_Q": [[1.0, 0.0], [0.0, 1.0]],
        "W_K": [[0.5, 0.0], [0.0, 2.0]],
        "W_V": [[1.0, 1.0], [0.0, 1.0]],
    },
    "display": {"theme": "light", "captions": False},
    "video": {"closing_line": LONG_CLOSING},
}


class Checked(Outro):
    """Records any mobject outside the content area (or under the captions) after each play."""

    def setup(self) -> None:
        super().setup()
        self.outside: list[str] = []

    def play(self, *animations, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().play(*animations, **kwargs)
        for m in self.mobjects:
            if m is self.narrator.caption or not m.has_points() and not m.submobjects:
                continue
            (x0, y0), (x1, y1) = m.get_corner([-1, -1, 0])[:2], m.get_corner([1, 1, 0])[:2]
            if x0 < -7.0 or x1 > 7.0 or y0 < -2.95 or y1 > 3.95:
                self.outside.append(f"{type(m).__name__} after beat {len(self.beats)}: "
                                    f"x {x0:.2f}..{x1:.2f} y {y0:.2f}..{y1:.2f}")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outro")  # one media dir: Tex and text files are reused


def check_beats(scene: Outro) -> None:
    assert scene.beats
    for b in scene.beats:
        assert b.id.startswith("outro-")
        assert b.end - b.start >= reading_time(b.text) - 1e-3, b


def shapes_shown(scene: Outro) -> list[str]:
    """The recap's third column, top to bottom: its shapes, in the muted colour."""
    shapes = [t for t in texts(scene, beat="outro-recap-attention") if color_of(t) == scene.theme.muted.upper()]
    return [t.text for t in sorted(shapes, key=lambda t: -t.get_y())]


def closing_lines(scene: Outro) -> list:
    """The closing line on screen at the end, line by line."""
    return sorted(texts(scene, final=True), key=lambda t: -t.get_y())


def test_catalog_points_at_this_scene() -> None:
    info = scene_by_id("outro")
    assert (info.module, info.cls) == ("outro", Outro.__name__)


def test_recap_steps_follow_the_sizes() -> None:
    steps = recap_steps(5, 8, 6, causal=True)
    assert [s[2] for s in steps] == ["5 tokens", "5 × 8", "5 × 6 each", "5 × 5", "5 × 5", "5 × 6", "5 × 6"]
    assert "masked" in steps[4][1]
    assert recap_steps(1, 4, 3, causal=False)[0][2] == "1 token"


def test_default_config(shared: Path) -> None:
    scene = build_scene(Checked, shared, {"display": {"captions": False}})
    check_beats(scene)
    assert 30 <= scene.renderer.time <= 60, scene.renderer.time
    assert scene.outside == []
    tr = scene.trace
    # Text.text drops spaces: "3 × 4" reads "3×4"
    assert shapes_shown(scene) == [s[2].replace(" ", "") for s in recap_steps(tr.n, tr.d_model, tr.d_k, tr.causal)]
    assert shapes_shown(scene)[1] == f"{tr.n}×{tr.d_model}"
    # the whole formula lit
    formula = only(seen(scene, Formula))
    assert all(part.get_fill_opacity() == pytest.approx(1.0) for part in formula.tex)
    # head 1 is the trace's weights, without numbers; the other heads have none at all
    heat = only(seen(scene, Heatmap))
    np.testing.assert_array_equal(heat.values, tr.weights)
    assert len(heat.numbers) == 0
    heads = [t.text for t in texts(scene, beat="outro-heads") if t.text.startswith("head")]
    assert heads == ["head1:thisvideo", *[f"head{h}" for h in range(2, HEADS + 1)]]
    assert "".join(t.text for t in closing_lines(scene)) == "".join(scene.cfg.video.closing_line.split())
    assert scene.beats[-1].text == scene.cfg.video.closing_line


@pytest.mark.slow
def test_explicit_matrices_light_causal_long_closing(shared: Path) -> None:
    scene = build_scene(Checked, shared, EXPLICIT)
    check_beats(scene)
    assert scene.outside == []
    tr = scene.trace
    assert tr.causal and scene.theme.name == "light"
    assert shapes_shown(scene) == ["3tokens", "3×2", "3×2each", "3×3", "3×3", "3×2", "3×2"]
    # weights of the explicit matrices, computed here independently of the trace
    X, Wq, Wk = (np.array(EXPLICIT["model"][k]) for k in ("embeddings", "W_Q", "W_K"))
    s = (X @ Wq) @ (X @ Wk).T / np.sqrt(2)
    s[np.triu_indices(3, 1)] = -np.inf
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(only(seen(scene, Heatmap)).values, w, atol=1e-12)
    # the long closing line: all of it on screen, inside the frame, spoken in caption-sized pieces
    lines = closing_lines(scene)
    assert "".join(t.text for t in lines) == "".join(LONG_CLOSING.split())
    assert VGroup(*lines).width <= 12.4 + 1e-6 and len(lines) > 1
    pieces = [b.text for b in scene.beats if b.text in LONG_CLOSING]
    assert " ".join(pieces).split() == LONG_CLOSING.split() and len(pieces) > 1


@pytest.mark.slow
def test_one_token(shared: Path) -> None:
    scene = build_scene(Checked, shared, {"sentence": "Hello", "display": {"captions": False}})
    check_beats(scene)
    assert scene.outside == []
    assert shapes_shown(scene)[0] == "1token"
    assert only(seen(scene, Heatmap)).values.shape == (1, 1)


@pytest.mark.slow
def test_a_sliced_mini_heatmap_keeps_its_caption_legible(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, item 5: 19 tokens, d_k 16: the caption said the slice in one line shrunk to 13.3 px."""
    from attention_explainer.config import validate_config
    from attention_explainer.config.catalog import scene_by_id
    from attention_explainer.production.check import check_scenes

    cfg = validate_config({"sentence": "Why?! — (really) … 100% sure: 3.14 ≠ 22/7 🙂", "model": {"d_k": 16},
                           "video": {"scenes": ["outro"]}})
    assert len(cfg.tokens) == 19
    result = check_scenes([scene_by_id("outro")], cfg, tmp_path, jobs=1, use_cache=False)
    assert [f.line() for f in result.findings] == []
