"""The heatmap segment: numbers equal the trace, layout fits for 1 to 16 (and more) tokens,
masked cells in causal traces, the row that is read, beats and duration.

Scenes are built with animations skipped (tests/scenetools.py); each config is built once per
module. Captions are off except where a test needs them (they change no timing, only cost).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from manim import VGroup
from scenetools import boxes_around, color_of, glyph_text, only, right_of, seen, shown_number, text, texts

from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.beats import reading_time
from attention_explainer.config import validate_config
from attention_explainer.scenes.components import DARK, LIGHT, Heatmap, fmt
from attention_explainer.scenes.layout import SAFE
from attention_explainer.scenes.heatmap import MAX_SHOWN, AttentionHeatmap, reading_row, top_keys

QUIET = {"captions": False}
WORDS16 = "The animal didn't cross the street because it was too tired after a long day ."
WORDS20 = " ".join(f"w{i}" for i in range(1, 21))

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {"display": QUIET},  # the packaged default, captions off
    "one": {"sentence": "Hello", "display": QUIET},
    "explicit": {
        "sentence": "a b c",
        "model": {
            "d_model": 2, "d_k": 2,
            "embeddings": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
            "W_Q": [[1.0, 0.5], [0.0, 1.0]],
            "W_K": [[0.5, 0.0], [1.0, -1.0]],
            "W_V": [[1.0, 0.0], [0.0, 1.0]],
        },
        "display": QUIET,
    },
    "eight_light": {"sentence": "The quick brown fox jumps over lazy dogs",
                    "display": {"captions": False, "theme": "light"}},
    "sixteen_causal": {"sentence": WORDS16, "model": {"causal": True}, "display": QUIET},
    "twenty": {"sentence": WORDS20, "display": QUIET},
}


def trace_of(name: str):  # type: ignore[no-untyped-def]
    return compute_trace(validate_config(CONFIGS[name]).attention_spec())

SLOW = pytest.mark.slow  # builds beyond "default" and "explicit": the full suite only (docs/testing.md)


@pytest.fixture(scope="module")
def built(build_once) -> Callable[[str], AttentionHeatmap]:  # type: ignore[no-untyped-def]  # build_once: conftest.py
    """built(name) -> the scene for CONFIGS[name], built once for the module."""
    return lambda name: build_once(AttentionHeatmap, CONFIGS[name])


# ------------------------------------------------------------------------------- pure rules
def test_reading_row_is_the_most_peaked_row_with_a_choice() -> None:
    w = np.array([[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [0.2, 0.2, 0.6]])
    causal = np.triu(np.ones((3, 3), dtype=bool), k=1)
    # row 0 is most peaked but may look at one key only: row 1 (0.7) wins over row 2 (0.6)
    assert reading_row(w, causal, 3) == 1
    assert reading_row(w, np.zeros((3, 3), dtype=bool), 3) == 0
    # ties go to the earlier row; only the first `rows` rows count
    assert reading_row(np.full((3, 3), 1 / 3), np.zeros((3, 3), dtype=bool), 3) == 0
    assert reading_row(w, causal, 1) == 0


def test_top_keys_two_largest_or_one_when_no_choice() -> None:
    w = np.array([[1.0, 0.0, 0.0], [0.3, 0.7, 0.0], [0.2, 0.5, 0.3]])
    causal = np.triu(np.ones((3, 3), dtype=bool), k=1)
    assert top_keys(w, causal, 0) == [0]
    assert top_keys(w, causal, 1) == [1, 0]
    assert top_keys(w, np.zeros((3, 3), dtype=bool), 2) == [1, 2]


# ------------------------------------------------------------- what the scene showed (scenetools)
def heatmap_of(scene: AttentionHeatmap) -> Heatmap:
    return only(seen(scene, Heatmap))


def row_sums_shown(scene: AttentionHeatmap, hm: Heatmap) -> list[str]:
    """The number right of each row's last cell (the row sums column), read from its glyphs."""
    return [glyph_text(right_of(scene, hm.cell(i, hm.n - 1))[0]) for i in range(hm.n)]


def read_row(scene: AttentionHeatmap, hm: Heatmap, theme: Any) -> list[int]:
    """The rows whose label ends the scene in the query colour: the row that was read."""
    return [i for i, t in enumerate(hm.row_labels) if color_of(t) == theme.q.upper()]


def expected_reading(trace: Any, rows: int) -> tuple[int, list[int]]:
    """The row read and its top keys, by the scene's rules (tested above) on the trace."""
    r = reading_row(trace.weights, trace.mask, rows)
    return r, top_keys(trace.weights, trace.mask, r)


# ---------------------------------------------------------------------------------- numbers
def test_heatmap_shows_the_trace_weights(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("explicit")
    trace = trace_of("explicit")
    hm = heatmap_of(scene)
    np.testing.assert_array_equal(hm.values, trace.weights)
    assert len(hm.numbers) == trace.n ** 2  # 3 tokens: big cells, every weight printed
    assert [glyph_text(t) for t in hm.numbers] == [shown_number(v, 2) for v in trace.weights.ravel()]
    for t, cell in zip(hm.numbers, hm.cells):  # each inside its cell, with a margin (the Heatmap's)
        assert t.width <= cell.width * Heatmap.NUMBER_W + 1e-6
    # the row sums column: trace.weights.sum(axis=1), formatted
    assert row_sums_shown(scene, hm) == [shown_number(v, 2) for v in trace.weights.sum(axis=1)]
    assert set(row_sums_shown(scene, hm)) == {"1.00"}
    assert glyph_text(right_of(scene, text(scene, "every row sums to", final=True))[0]) == "1.00"
    assert [t.original_text for t in hm.row_labels] == list(trace.tokens)
    assert [t.original_text for t in hm.col_labels] == list(trace.tokens)


def test_reading_names_the_largest_weight(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("explicit")
    trace = trace_of("explicit")
    hm = heatmap_of(scene)
    r, keys = expected_reading(trace, trace.n)
    assert read_row(scene, hm, DARK) == [r]
    assert keys[0] == int(np.argmax(trace.weights[r]))
    line = next(b.text for b in scene.beats if "attends most to" in b.text)
    assert f"“{trace.tokens[r]}”" in line and fmt(trace.weights[r, keys[0]], 2) in line
    # the highlight boxes sit on the cells they name
    assert boxes_around(scene, hm.row(r), DARK.q)
    for j in keys:
        assert boxes_around(scene, hm.cell(r, j), DARK.k), j
    # the panel names the query: "<query> attends most to", the query in its colour
    said = text(scene, "attends most to", final=True)
    before = [t for t in texts(scene, final=True) if abs(t.get_y() - said.get_y()) < said.height / 2
              and t.get_right()[0] <= said.get_left()[0]]
    query = max(before, key=lambda t: t.get_right()[0])
    assert query.original_text == trace.tokens[r] and color_of(query) == DARK.q.upper()


# ----------------------------------------------------------------------------------- layout
def _content(scene: AttentionHeatmap) -> list:
    skip = {id(text(scene, "Attention heatmap", final=True)), id(scene.narrator.caption)}
    return [m for m in scene.mobjects if id(m) not in skip]


@pytest.mark.parametrize("name", ["default", *(pytest.param(n, marks=SLOW) for n in ("one", "eight_light", "sixteen_causal", "twenty"))])
def test_layout_fits_the_content_area(built: Callable[[str], AttentionHeatmap], name: str) -> None:
    scene = built(name)
    n = len(validate_config(CONFIGS[name]).tokens)
    hm = heatmap_of(scene)
    assert hm.n == min(n, MAX_SHOWN)
    for mob in _content(scene):
        assert mob.get_left()[0] >= SAFE.left and mob.get_right()[0] <= SAFE.right, mob
        assert mob.get_bottom()[1] >= SAFE.bottom - 1e-6 and mob.get_top()[1] <= SAFE.top + 1e-6, mob
    # numbers are printed exactly when the cells are big enough (the Heatmap's rule)
    assert (len(hm.numbers) > 0) == (hm.cell_size >= 0.55)


@SLOW
def test_cells_shrink_as_tokens_grow(built: Callable[[str], AttentionHeatmap]) -> None:
    sizes = [heatmap_of(built(name)).cell_size for name in ("one", "default", "eight_light", "sixteen_causal")]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0]
    assert len(heatmap_of(built("default")).numbers) == 9  # 3 tokens: values printed


@SLOW
def test_more_than_sixteen_tokens_says_so(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("twenty")
    trace = trace_of("twenty")
    hm = heatmap_of(scene)
    assert hm.n == MAX_SHOWN == 16
    np.testing.assert_array_equal(hm.values, trace.weights[:16, :16])
    for words in ("20 tokens: too many to show", "16 rows and columns are shown"):
        text(scene, words, final=True)  # on screen at the end
    assert any("first 16" in b.text for b in scene.beats)
    # sums count every key, shown or not
    assert row_sums_shown(scene, hm) == [shown_number(v, 2) for v in trace.weights.sum(axis=1)[:16]]


@SLOW
def test_causal_cells_are_masked(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("sixteen_causal")
    trace = trace_of("sixteen_causal")
    assert trace.causal and trace.n == 16
    hm = heatmap_of(scene)
    assert len(hm.mask_layer) == int(trace.mask.sum()) > 0
    assert any(m is hm.mask_layer for m in seen(scene, VGroup, final=True))  # the hatching is drawn
    for i in range(16):
        for j in range(16):
            masked = hm.cell(i, j).get_fill_color().to_hex().upper() == DARK.panel.upper()
            assert masked == bool(trace.mask[i, j])
    text(scene, "masked (a later key):", final=True)  # the legend
    assert any("minus infinity" in b.text for b in scene.beats)
    # the row read in detail may look at two keys at least
    r, keys = expected_reading(trace, 16)
    assert read_row(scene, hm, DARK) == [r]
    assert r >= 1 and len(keys) == 2 and all(not trace.mask[r, j] for j in keys)
    for j in keys:
        assert boxes_around(scene, hm.cell(r, j), DARK.k), j


def test_no_mask_layer_without_causal(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("default")
    assert len(heatmap_of(scene).mask_layer) == 0
    assert not [t for t in texts(scene) if t.original_text.startswith("masked")]
    assert not any("minus infinity" in b.text for b in scene.beats)


@SLOW
def test_theme_colours(built: Callable[[str], AttentionHeatmap]) -> None:
    light, dark = built("eight_light"), built("default")
    assert str(light.camera.background_color).upper() == LIGHT.background.upper()
    assert str(dark.camera.background_color).upper() == DARK.background.upper()
    hm = heatmap_of(light)
    r, _ = expected_reading(trace_of("eight_light"), 8)
    assert read_row(light, hm, LIGHT) == [r]
    others = [t for i, t in enumerate(hm.row_labels) if i != r]
    assert all(color_of(t) == LIGHT.text.upper() for t in others)


# ------------------------------------------------------------------------------------ beats
@pytest.mark.parametrize("name", ["default", *(pytest.param(n, marks=SLOW) for n in ("one", "sixteen_causal", "twenty"))])
def test_beats_hold_long_enough(built: Callable[[str], AttentionHeatmap], name: str) -> None:
    scene = built(name)
    assert len(scene.beats) >= 6
    assert len({b.id for b in scene.beats}) == len(scene.beats)
    for b in scene.beats:
        assert b.end - b.start >= reading_time(b.text) - 1e-3, b
    assert any("Rows are queries" in b.text and "Columns are keys" in b.text for b in scene.beats)


def test_default_duration_in_target_range(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("default")
    assert 50 <= scene.renderer.time <= 90
    assert scene.beats[-1].end == pytest.approx(scene.renderer.time, abs=1e-3)
