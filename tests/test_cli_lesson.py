"""The lesson as a new user meets it: the focus word is the worked and read row, the whole
softmax row is on screen and checkable, the random weights are said, the closing line shows once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")
from scenetools import (boxes_around, build_scene, color_of, glyph_text, only, seen, shown_number,  # noqa: E402
                        text, texts, views_named)

from attention_explainer.config import validate_config  # noqa: E402
from attention_explainer.core.attention import compute_trace  # noqa: E402
from attention_explainer.scenes.components import DARK, Heatmap  # noqa: E402
from attention_explainer.scenes.components.text import Caption  # noqa: E402

pytestmark = pytest.mark.system

SENTENCE = "I think the high waves sank my boat , quietly"  # 10 tokens; "sank" is the 6th
FOCUS = {"sentence": SENTENCE, "display": {"captions": False}, "video": {"focus": "sank"}}


@pytest.fixture(scope="module")
def math_scene(tmp_path_factory: pytest.TempPathFactory):
    from attention_explainer.scenes.attention_math import AttentionMath

    return build_scene(AttentionMath, tmp_path_factory.mktemp("math"), FOCUS)


@pytest.mark.slow
def test_math_works_the_focus_row_and_keeps_it_on_screen(math_scene) -> None:
    from attention_explainer.scenes.components import MatrixView

    trace = compute_trace(validate_config(FOCUS).attention_spec())
    assert trace.tokens[5] == "sank"
    # 10 tokens: every matrix of tokens shown whole (issue 21, item 10), the focus row among them
    for name in ("X", "Q", "K", "V", r"QK^{\top}", "A", "Z"):
        assert views_named(math_scene, name), name
        for view in views_named(math_scene, name):
            assert view.rows == list(range(10)), name
    # the key worked with it: the key it weighs most
    kj = max(range(10), key=lambda j: (trace.weights[5, j], -j))
    lines = " ".join(b.text for b in math_scene.beats)
    assert f"the query of “sank” and the key of “{trace.tokens[kj]}”" in lines
    z_row = only([v for v in seen(math_scene, MatrixView) if v.name is None])  # the worked row of Z
    assert [glyph_text(z_row.entry(0, c)) for c in z_row.cols] == [shown_number(v, 2) for v in trace.Z[5]]


@pytest.mark.slow
def test_the_worked_softmax_row_is_whole_and_adds_up(math_scene) -> None:
    from attention_explainer.scenes.components import SoftmaxRow

    cells = only(seen(math_scene, SoftmaxRow)).cells  # the row worked on screen
    assert cells["keys"] == list(range(10))  # every key, no ellipsis
    trace = compute_trace(validate_config(FOCUS).attention_spec())
    for k in range(10):  # the scores written are the focus row's, scaled
        assert glyph_text(cells["s"][k]) == shown_number(trace.scaled[5, k], 2)
    total = 0.0
    for k in range(10):  # e^s of the written score (scores here are small: no shift)
        s = float(glyph_text(cells["s"][k]).replace("\u2212", "-"))
        assert glyph_text(cells["e"][k]) == shown_number(np.exp(s) + 1e-12, 2)
        total += float(glyph_text(cells["e"][k]))
    for k in range(10):
        assert glyph_text(cells["w"][k]) == shown_number(float(glyph_text(cells["e"][k])) / round(total, 2), 2)
    # two lines of five: the second line's cells sit lower than the first's
    assert cells["w"][5].get_y() < cells["head_by_key"][0].get_y() - 1.0
    assert cells["w"][4].get_y() == pytest.approx(cells["w"][0].get_y())


def test_the_default_is_still_the_last_token(tmp_path: Path) -> None:
    from attention_explainer.scenes.heatmap import AttentionHeatmap, reading_row

    config = {"sentence": SENTENCE, "display": {"captions": False}}
    scene = build_scene(AttentionHeatmap, tmp_path, config)
    trace = compute_trace(validate_config(config).attention_spec())
    hm = only(seen(scene, Heatmap))  # the row read ends in the query colour
    read = [i for i, t in enumerate(hm.row_labels) if color_of(t) == DARK.q.upper()]
    assert read == [reading_row(np.asarray(trace.weights), np.asarray(trace.mask), 10)]


def test_the_heatmap_reads_the_focus_row_and_says_the_weights_are_random(tmp_path: Path) -> None:
    from attention_explainer.scenes.heatmap import AttentionHeatmap

    config = {**FOCUS, "model": {"seed": 7, "causal": True}}
    scene = build_scene(AttentionHeatmap, tmp_path, config)
    trace = compute_trace(validate_config(config).attention_spec())
    hm = only(seen(scene, Heatmap))
    assert [i for i, t in enumerate(hm.row_labels) if color_of(t) == DARK.q.upper()] == [5]
    top = int(np.argmax(trace.weights[5]))
    assert top <= 5 and boxes_around(scene, hm.cell(5, top), DARK.k)  # causal: an earlier key, boxed
    text(scene, "random weights (seed 7), not trained", final=True)  # on screen at the end


@pytest.mark.slow
def test_the_outro_shows_the_closing_line_once(tmp_path: Path) -> None:
    from attention_explainer.scenes.outro import Outro

    line = "Thanks for watching this."
    scene = build_scene(Outro, tmp_path, {"display": {"captions": True}, "video": {"closing_line": line}})
    captions = [m for top in scene.mobjects for m in top.get_family() if isinstance(m, Caption)]
    assert captions == []  # the big closing text is on screen; no caption repeats it
    assert any(b.id.startswith("outro-closing") and b.text == line for b in scene.beats)  # still in SRT/VTT


def test_the_pipeline_frames_the_focus_token(tmp_path: Path) -> None:
    from attention_explainer.scenes.components import DARK, TokenRow
    from attention_explainer.scenes.pipeline import FullPipeline

    scene = build_scene(FullPipeline, tmp_path, FOCUS)
    row = only(seen(scene, TokenRow))  # the tokens node's row: first, …, the focus, …, last
    framed = [t.original_text for box, t in zip(row.boxes, row.labels)
              if box.get_stroke_color().to_hex().lower() == DARK.accent.lower()]
    assert framed == ["sank"]
    assert row.indices[[t.original_text for t in row.labels].index("sank")] == SENTENCE.split().index("sank")


@pytest.mark.slow
def test_math_says_the_weights_are_random_where_it_reads_meaning_into_them(math_scene) -> None:
    # the beats whose lines read meaning into a score or weight ("... scores highest with ...",
    # "... pays the most attention to ...") show where the numbers come from, under the title
    said = "random weights (seed 0), not trained"
    shown = [b.id for b in math_scene.beats
             if any(said in t.original_text for t in texts(math_scene, beat=b.id))]
    meaning = [b.id for b in math_scene.beats if "highest" in b.text or "most attention" in b.text]
    assert meaning == ["math-score-best", "math-softmax-top"]
    assert shown[:1] == ["math-score-best"] and set(meaning) <= set(shown)
