"""The heatmap segment: numbers equal the trace, layout fits for 1 to 16 (and more) tokens,
masked cells in causal traces, the row that is read, beats and duration.

Scenes are built with animations skipped (tests/scenetools.py); each config is built once per
module. Captions are off except where a test needs them (they change no timing, only cost).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from scenetools import glyph_text, shown_number

from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.beats import reading_time
from attention_explainer.config import validate_config
from attention_explainer.scenes.components import CONTENT_BOTTOM, CONTENT_TOP, DARK, LIGHT, fmt
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


# ---------------------------------------------------------------------------------- numbers
def test_heatmap_shows_the_trace_weights(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("explicit")
    trace = trace_of("explicit")
    hm = scene.heatmap
    np.testing.assert_array_equal(hm.values, trace.weights)
    assert len(hm.numbers) == trace.n ** 2  # 3 tokens: big cells, every weight printed
    assert [glyph_text(t) for t in hm.numbers] == [shown_number(v, 2) for v in trace.weights.ravel()]
    # the row sums column: trace.weights.sum(axis=1), formatted
    assert [glyph_text(t) for t in scene.sum_texts] == [shown_number(v, 2) for v in trace.weights.sum(axis=1)]
    assert all(glyph_text(t) == "1.00" for t in scene.sum_texts)
    assert glyph_text(scene.sums_line[-1]) == "1.00"
    assert [t.original_text for t in hm.row_labels] == list(trace.tokens)
    assert [t.original_text for t in hm.col_labels] == list(trace.tokens)


def test_reading_names_the_largest_weight(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("explicit")
    trace = trace_of("explicit")
    r, keys = scene.reading
    assert keys[0] == int(np.argmax(trace.weights[r]))
    line = next(b.text for b in scene.beats if "attends most to" in b.text)
    assert f"“{trace.tokens[r]}”" in line and fmt(trace.weights[r, keys[0]], 2) in line
    # the highlight boxes sit on the cells they name
    assert np.allclose(scene.row_box.get_center()[1], scene.heatmap.cell(r, 0).get_y(), atol=1e-6)
    for j, box in zip(keys, scene.key_boxes):
        assert box is not None and np.allclose(box.get_center(), scene.heatmap.cell(r, j).get_center(), atol=1e-6)


# ----------------------------------------------------------------------------------- layout
def _content(scene: AttentionHeatmap) -> list:
    skip = {id(scene.heading), id(scene.narrator.caption)}
    return [m for m in scene.mobjects if id(m) not in skip]


@pytest.mark.parametrize("name", ["default", *(pytest.param(n, marks=SLOW) for n in ("one", "eight_light", "sixteen_causal", "twenty"))])
def test_layout_fits_the_content_area(built: Callable[[str], AttentionHeatmap], name: str) -> None:
    scene = built(name)
    n = len(validate_config(CONFIGS[name]).tokens)
    hm = scene.heatmap
    assert hm.n == min(n, MAX_SHOWN)
    for mob in _content(scene):
        assert mob.get_left()[0] >= -6.9 and mob.get_right()[0] <= 6.9, mob
        assert mob.get_bottom()[1] >= CONTENT_BOTTOM - 1e-6 and mob.get_top()[1] <= CONTENT_TOP + 1e-6, mob
    # numbers are printed exactly when the cells are big enough (the Heatmap's rule)
    assert (len(hm.numbers) > 0) == (hm.cell_size >= 0.55)


@SLOW
def test_cells_shrink_as_tokens_grow(built: Callable[[str], AttentionHeatmap]) -> None:
    sizes = [built(name).heatmap.cell_size for name in ("one", "default", "eight_light", "sixteen_causal")]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0]
    assert len(built("default").heatmap.numbers) == 9  # 3 tokens: values printed


@SLOW
def test_more_than_sixteen_tokens_says_so(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("twenty")
    trace = trace_of("twenty")
    assert scene.heatmap.n == MAX_SHOWN == 16
    np.testing.assert_array_equal(scene.heatmap.values, trace.weights[:16, :16])
    note = " ".join(t.original_text for t in scene.note)
    assert "20 tokens" in note and "first" in note and "16" in note
    assert scene.note in scene.mobjects
    assert any("first 16" in b.text for b in scene.beats)
    # sums count every key, shown or not
    assert [glyph_text(t) for t in scene.sum_texts] == [shown_number(v, 2) for v in trace.weights.sum(axis=1)[:16]]


@SLOW
def test_causal_cells_are_masked(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("sixteen_causal")
    trace = trace_of("sixteen_causal")
    assert trace.causal and trace.n == 16
    hm = scene.heatmap
    assert len(scene.mask_layer) == int(trace.mask.sum()) > 0
    for i in range(16):
        for j in range(16):
            masked = hm.cell(i, j).get_fill_color().to_hex().upper() == DARK.panel.upper()
            assert masked == bool(trace.mask[i, j])
    assert scene.legend is not None and scene.legend in scene.mobjects
    assert any("minus infinity" in b.text for b in scene.beats)
    # the row read in detail may look at two keys at least
    r, keys = scene.reading
    assert r >= 1 and len(keys) == 2 and all(not trace.mask[r, j] for j in keys)


def test_no_mask_layer_without_causal(built: Callable[[str], AttentionHeatmap]) -> None:
    scene = built("default")
    assert len(scene.mask_layer) == 0 and scene.legend is None
    assert not any("minus infinity" in b.text for b in scene.beats)


@SLOW
def test_theme_colours(built: Callable[[str], AttentionHeatmap]) -> None:
    light, dark = built("eight_light"), built("default")
    assert str(light.camera.background_color).upper() == LIGHT.background.upper()
    assert str(dark.camera.background_color).upper() == DARK.background.upper()
    r, _ = light.reading
    others = [t for i, t in enumerate(light.heatmap.row_labels) if i != r]
    assert all(t.get_color().to_hex().upper() == LIGHT.text.upper() for t in others)
    assert light.heatmap.row_labels[r].get_color().to_hex().upper() == LIGHT.q.upper()


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
