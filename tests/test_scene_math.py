"""The math segment (scenes/attention_math.py): beats, timing, numbers on screen, slicing, layout.

Each config is built once (animations skipped, see scenetools.build_scene) and shared by the
tests of this module. Frames are not drawn while building (the tests read mobjects, not pixels),
and one media dir is shared so LaTeX is compiled once.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import pytest
from manim import ManimColor, Rectangle
from manim.renderer.cairo_renderer import CairoRenderer
from scenetools import build_checked, glyph_text, shown_number, shows

from attention_explainer.core.attention import softmax_rows
from attention_explainer.narration.beats import reading_time
from attention_explainer.core.worked import exp_row, softmax_by_hand
from attention_explainer.scenes.attention_math import AttentionMath, products
from attention_explainer.scenes.narrated import LineTrack
from attention_explainer.scenes.math_helpers import DIM_LIMIT, TOKEN_LIMIT, slice_note, token_rows, worked_pair
from attention_explainer.scenes.components import (
    CONTENT_BOTTOM,
    Caption,
    fmt,
    fmt_big,
    parse_shown,
    relation,
    split_pieces,
    visible,
    WorkedCell,
)

TRACE_NAMES = {"X": "X", "W_Q": "W_Q", "W_K": "W_K", "W_V": "W_V", "Q": "Q", "K": "K", "V": "V",
               "scores": "scores", "scaled": "scaled", "weights": "weights", "Z": "Z"}
VIEW_KEYS = ("X", "Q", "K", "V", "scores", "scaled", "weights", "Z")

EIGHT = "The quick brown fox jumps over the dog"
EXPLICIT = {  # 8 tokens, d_model 4, d_k 3: numbers given, causal, light theme, precision 2
    "sentence": EIGHT,
    "model": {
        "causal": True,
        "embeddings": [[round(0.13 * ((i * 4 + j) % 7) - 0.4, 2) for j in range(4)] for i in range(8)],
        "W_Q": [[0.25, -0.5, 0.75], [0.1, 0.2, -0.3], [-0.45, 0.6, 0.05], [0.3, -0.15, 0.4]],
        "W_K": [[-0.2, 0.35, 0.1], [0.55, -0.25, 0.3], [0.15, 0.4, -0.6], [-0.35, 0.05, 0.2]],
        "W_V": [[0.6, -0.1, 0.2], [-0.3, 0.45, 0.15], [0.25, 0.3, -0.5], [0.1, -0.4, 0.35]],
    },
    "display": {"precision": 2, "theme": "light", "captions": False},
}
SIXTEEN = {  # tokens and d_model sliced
    "sentence": " ".join(f"w{i}" for i in range(16)),
    "model": {"d_model": 8, "d_k": 2, "seed": 3},
    "display": {"captions": False},
}
TEN = {  # the most tokens shown whole, with a focus (issue 21, item 10)
    "sentence": "The bank raised interest rates because it feared inflation .",
    "video": {"focus": "it"}, "display": {"captions": False}}
ONE = {  # one token; d_model and d_k sliced, the widest numbers
    "sentence": "Hello", "model": {"d_model": 16, "d_k": 16}, "display": {"precision": 3, "captions": False}}


class Recorded(AttentionMath):
    """The math scene, recording at the end of every beat what is on screen and where."""

    @contextmanager
    def beat(self, *args: Any, **kwargs: Any) -> Iterator[LineTrack]:
        with super().beat(*args, **kwargs) as line:
            yield line
        self.__dict__.setdefault("snapshots", []).append(
            [(m, m.get_left()[0], m.get_right()[0], m.get_bottom()[1], m.get_top()[1]) for m in self.mobjects])
        self.__dict__.setdefault("lit", []).append(
            {p: min(m.get_fill_opacity() for m in self.formula.part(p).family_members_with_points())
             for p in ("Q", "K", "sqrt", "softmax", "V")})


FINDINGS: dict[str, list[Any]] = {}  # the frame check's findings for each build, by name


@pytest.fixture(scope="module")
def build(tmp_path_factory):  # type: ignore[no-untyped-def]
    shared = tmp_path_factory.mktemp("math-scene")  # (LaTeX and text SVGs: the session's cache, conftest.py)
    cache: dict[str, AttentionMath] = {}

    def _build(name: str, config: Any) -> AttentionMath:
        if name not in cache:
            with pytest.MonkeyPatch.context() as mp:  # nothing is looked at: draw no frames
                mp.setattr(CairoRenderer, "save_static_frame_data", lambda self, scene, mobs: None)
                mp.setattr(CairoRenderer, "update_frame", lambda self, *a, **k: None)
                # built under the frame check's inspector, as `check` builds it
                cache[name], FINDINGS[name] = build_checked(Recorded, shared, config)  # type: ignore[assignment]
        return cache[name]

    return _build


@pytest.fixture(scope="module")
def default(build):  # type: ignore[no-untyped-def]
    # The packaged default with captions off: captions only draw, the beats' timing is the same.
    return build("default", {"display": {"captions": False}})


@pytest.fixture(scope="module")
def eight(build):  # type: ignore[no-untyped-def]
    return build("eight", EXPLICIT)


@pytest.fixture(scope="module")
def sixteen(build):  # type: ignore[no-untyped-def]
    return build("sixteen", SIXTEEN)


@pytest.fixture(scope="module")
def one(build):  # type: ignore[no-untyped-def]
    return build("one", ONE)


@pytest.fixture(scope="module")
def ten(build):  # type: ignore[no-untyped-def]
    return build("ten", TEN)


SLOW = pytest.mark.slow  # a build beyond the default one: the full suite only (docs/testing.md)
ALL = ("default", *(pytest.param(name, marks=SLOW) for name in ("eight", "sixteen", "one", "ten")))


# ------------------------------------------------------------------------------- pure helpers
def test_worked_pair_is_last_query_and_its_most_attended_shown_key() -> None:
    w = softmax_rows(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [0.5, 3.0, 0.1]]))
    assert worked_pair(w, [0, 1, 2]) == (2, 1)
    assert worked_pair(w, [0, None, 2]) == (2, 0)  # key 1 hidden by a slice: best shown key
    assert worked_pair(np.full((3, 3), 1 / 3), [0, 1, 2]) == (2, 0)  # ties: the earlier token


def test_products_sum_to_the_cell() -> None:
    a, b = np.array([[0.7, -0.5], [0.1, 0.2]]), np.array([[0.3, 1.0], [-0.4, 0.9]])
    assert products(a, b, 0, 1) == pytest.approx([0.7, -0.45])
    assert sum(products(a, b, 1, 0)) == pytest.approx((a @ b)[1, 0])


def test_exp_row_matches_softmax_and_stays_readable() -> None:
    row, mask = np.array([0.5, -1.0, 2.0]), np.array([False, False, True])
    e, shift = exp_row(row, mask)
    assert shift == 0 and e[2] == 0
    assert e / e.sum() == pytest.approx(softmax_rows(np.where(mask, -np.inf, row)[None])[0])
    e, shift = exp_row(np.array([400.0, 399.0]), np.array([False, False]))
    assert shift == 400.0 and e.max() == 1.0 and np.isfinite(e).all()


def test_relation_and_big_numbers() -> None:
    assert relation(1.01, 2) == "=" and relation(1.0149, 2) == "≈"
    assert fmt_big(3.14159) == "3.14" and fmt_big(-2.5e13) == "−2.50·10^13"


def test_slice_note_names_what_is_hidden() -> None:
    assert slice_note(8, 6, 6) is None
    assert slice_note(16) == "showing 9 of 16 tokens"  # 10 places: 9 tokens and an ellipsis
    assert slice_note(10) is None
    assert slice_note(3, d_model=8, d_k=16) == "showing 5 of 8 d_model columns, 5 of 16 d_k columns"


def test_ten_tokens_whole_and_a_long_row_keeps_its_largest_weights() -> None:
    """Issue 21, item 10: up to 10 tokens whole; a longer sentence keeps the worked row and the
    two keys it weighs most in view (computed here with argsort, not the scene's top_keys)."""
    assert TOKEN_LIMIT == 10
    for n in range(1, 11):
        assert token_rows(np.full((n, n), 1.0 / n)) == list(range(n))
    rng = np.random.default_rng(5)
    for n in (11, 14, 20, 64):
        for _ in range(20):
            w = softmax_rows(rng.normal(0, 2, (n, n)))
            q = int(rng.integers(0, n))
            rows = token_rows(w, q)
            real = [r for r in rows if r is not None]
            top2 = [int(j) for j in np.argsort(-w[q], kind="stable")[:2]]
            assert q in real and set(top2) <= set(real), (n, q, top2, rows)
            assert len(rows) <= TOKEN_LIMIT and real == sorted(real)
            assert worked_pair(w, rows, q) == (q, top2[0])  # the worked key is the row's real maximum


# ------------------------------------------------------------------------------------- beats
@pytest.mark.parametrize("name", ALL)
def test_every_beat_lasts_its_reading_time(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    assert len(scene.beats) >= 30
    for b in scene.beats:
        assert b.end - b.start >= reading_time(b.text) - 1e-6, b
    ids = [b.id for b in scene.beats]
    assert len(set(ids)) == len(ids) and all(i.startswith("math-") for i in ids)
    assert scene.beats[-1].end == pytest.approx(scene.renderer.time)


def test_default_runs_four_to_six_minutes(default) -> None:  # type: ignore[no-untyped-def]
    assert 240 <= default.renderer.time <= 360


def test_narration_says_rows_are_queries_and_works_the_chosen_tokens(default) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(b.text for b in default.beats)
    assert "Rows are queries, columns are keys" in text
    qi, kj = default.qi, default.kj
    assert (qi, kj) == worked_pair(default.trace.weights, default.rows)
    tokens = default.trace.tokens
    assert f"the query of “{tokens[qi]}” and the key of “{tokens[kj]}”" in text
    # the weight said is the worked row's, which checks by hand (core/worked.py)
    hand = softmax_by_hand(default.trace.scaled[qi], default.trace.mask[qi], default.trace.precision)
    assert f"with a weight of {fmt(float(hand.w[kj]), 2)}" in text
    assert f"The sum is {fmt_big(float(hand.total), 2)}" in text
    assert "minus infinity" not in text  # not causal


@SLOW
def test_causal_masking_is_shown_and_said(eight) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(b.text for b in eight.beats)
    assert "minus infinity" in text and "weight zero" in text
    A, t = eight.views["weights"], eight.trace
    masked = [(r, c) for (r, c) in A.shown if t.mask[r, c]]
    assert masked and all(A.shown[rc] == "0.00" for rc in masked)


# ----------------------------------------------------------------------------------- numbers
def _check_view(view, values: np.ndarray, decimals: int, rows, cols) -> None:  # type: ignore[no-untyped-def]
    assert view.rows == rows and view.cols == cols
    np.testing.assert_array_equal(view.values, values)
    assert set(view.numbers()) == {(r, c) for r in rows if r is not None for c in cols if c is not None}
    shows(view, values, decimals)  # every number read back from its glyphs


@pytest.mark.parametrize("name", ALL)
def test_views_show_the_trace(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    t, p = scene.trace, scene.trace.precision
    rows, dm, dk = token_rows(t.weights, scene.cfg.focus_index), visible(t.d_model, DIM_LIMIT), visible(t.d_k, DIM_LIMIT)
    assert set(VIEW_KEYS) <= set(scene.views)
    shape = {"X": (rows, dm, p), "W_Q": (dm, dk, p), "W_K": (dm, dk, p), "W_V": (dm, dk, p),
             "Q": (rows, dk, 2 * p), "K": (rows, dk, 2 * p), "V": (rows, dk, 2 * p),
             "scores": (rows, rows, 2), "scaled": (rows, rows, 2), "weights": (rows, rows, 2), "Z": (rows, dk, 2)}
    for key, view in scene.views.items():
        if key == "K.T":
            _check_view(view, t.K.T, 2 * p, dk, rows)
            continue
        r, c, d = shape[key]
        _check_view(view, getattr(t, TRACE_NAMES[key]), d, r, c)
    for key, view in scene.all_views:  # every copy shown anywhere, not only the canonical ones
        if key in shape:
            np.testing.assert_array_equal(view.values, getattr(t, TRACE_NAMES[key]))
        elif key == "Z.row":  # the worked output row
            _check_view(view, t.Z[scene.qi:scene.qi + 1], 2, [0], dk)


@SLOW
def test_explicit_numbers_reach_the_screen(eight) -> None:  # type: ignore[no-untyped-def]
    X = eight.views["X"]
    assert glyph_text(X.entry(0, 1)) == shown_number(EXPLICIT["model"]["embeddings"][0][1], 2)
    assert glyph_text(eight.views["W_Q"].entry(0, 2)) == "0.75"
    assert glyph_text(eight.views["W_V"].entry(1, 0)) == "\u22120.30"
    assert eight.views["weights"].values.sum(axis=1) == pytest.approx(np.ones(8))


def test_worked_q_cell_lines_add_up(default) -> None:  # type: ignore[no-untyped-def]
    t, qi = default.trace, default.qi
    cell = WorkedCell(t.X[qi], t.W_Q[:, 0], default.dm, t.Q[qi, 0], t.precision, 2 * t.precision, default.theme,
                      ("#fff", "#fff"), products=products(t.X, t.W_Q, qi, 0))
    shown = cell.lines[1].text.text.replace(" ", "")
    terms = shown.split("=")[1].split("+")
    assert sum(parse_shown(s.strip("()")) for s in terms) == pytest.approx(t.Q[qi, 0])
    assert shown.endswith("=" + fmt(t.Q[qi, 0], 2 * t.precision))  # generated inputs: exact


# ------------------------------------------------------------------------------ slicing, layout
@SLOW
def test_sixteen_tokens_and_wide_dims_are_sliced_and_said(sixteen) -> None:  # type: ignore[no-untyped-def]
    S = sixteen.views["scores"]
    rows = token_rows(sixteen.trace.weights)
    assert S.rows == rows and None in S.rows and len(S.rows) <= TOKEN_LIMIT
    assert None in sixteen.views["X"].cols and None not in sixteen.views["Q"].cols
    k = sum(r is not None for r in rows)
    assert f"showing {k} of 16 tokens" in _notes(sixteen)
    assert f"showing {k} of 16 tokens, 5 of 8 d_model columns" in _notes(sixteen)


@SLOW
def test_one_token_with_wide_dims(one) -> None:  # type: ignore[no-untyped-def]
    assert (one.qi, one.kj) == (0, 0)
    assert one.views["weights"].shown == {(0, 0): "1.00"}
    assert None in one.views["Q"].cols and None in one.views["W_Q"].rows
    assert "showing 5 of 16 d_k columns" in _notes(one)
    assert any("pays the most attention to itself" in b.text for b in one.beats)


def _notes(scene) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.original_text for snap in scene.snapshots for (m, *_box) in snap if hasattr(m, "original_text")}


@SLOW
def test_eight_tokens_are_shown_in_full(eight) -> None:  # type: ignore[no-untyped-def]
    assert eight.views["weights"].rows == list(range(8))


@SLOW
def test_ten_tokens_are_shown_in_full_with_the_focus_row(ten) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, item 10: the lecturer's sentence (and a full stop): no row hidden, so the output
    row can be checked; the worked key is the focus row's largest weight."""
    for key in ("X", "Q", "K", "V", "scores", "scaled", "weights", "Z"):
        assert ten.views[key].rows == list(range(10)), key
    assert ten.views["scores"].cols == list(range(10))
    w = ten.trace.weights[ten.qi]
    assert ten.trace.tokens[ten.qi] == "it" and ten.kj == int(np.argmax(w))
    assert not any("showing" in s for s in _notes(ten))


@pytest.mark.parametrize("name", ALL)
def test_everything_stays_on_screen_and_above_the_captions(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    # the frame: the check's own rule (its safe area), at every beat's end and every animation's ends
    assert [f.line() for f in FINDINGS[name] if f.kind in ("off-screen", "caption")] == []
    # the caption band: these configs have no captions to collide with, so the band is checked here
    for k, snap in enumerate(scene.snapshots):
        for m, _left, _right, bottom, _top in snap:
            if not isinstance(m, Caption):
                assert bottom >= CONTENT_BOTTOM - 0.05, f"beat {k + 1}: {type(m).__name__}"


@pytest.mark.parametrize("name", ALL)
def test_formula_lit_in_order_and_fully_at_the_end(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    f = scene.formula
    assert f in scene.mobjects or all(p in scene.mobjects for p in f.tex)
    first = {p: next(k for k, lit in enumerate(scene.lit) if lit[p] > 0.99) for p in scene.lit[-1]}
    assert first["Q"] < first["K"] < first["sqrt"] < first["softmax"] < first["V"]  # as the steps run
    assert all(v > 0.99 for v in scene.lit[-1].values())
    assert all(v < 0.5 for v in scene.lit[0].values())  # dimmed at the start
    title = [m for m in scene.mobjects if m is scene.title_mob][0]
    assert title.get_right()[0] < f.get_left()[0]


def test_split_pieces_breaks_long_sums_at_a_plus() -> None:
    pieces = [("1.000000×2.000000", "a"), (" + ", "m")] * 5 + [("= 3", "b")]
    lines = split_pieces(pieces, 70)
    assert len(lines) == 2 and lines[1][0][0] == "+ "
    assert sum(len(ln) for ln in lines) == len(pieces)
    assert split_pieces(pieces[:3], 70) == [pieces[:3]]


@pytest.mark.parametrize("name", ("default", pytest.param("eight", marks=SLOW)))
def test_no_cover_is_left_over_a_beat(request, name: str) -> None:  # type: ignore[no-untyped-def]
    """Scene changes fade a background-coloured rectangle over the content; none may stay."""
    scene = request.getfixturevalue(name)
    bg = ManimColor(scene.theme.background)
    for k, snap in enumerate(scene.snapshots):
        covers = [m for m, *_box in snap if isinstance(m, Rectangle) and m.get_fill_opacity() > 0.99
                  and ManimColor(m.get_fill_color()).to_hex() == bg.to_hex()]
        assert not covers, f"beat {k + 1}"


def test_exp_row_very_negative_scores_do_not_underflow_to_zero() -> None:
    """All scores below about -745 would make every e^s 0 and the shown sum 0.00."""
    from attention_explainer.core.worked import exp_row

    row = np.array([-800.0, -801.5, -799.0])
    exps, shift = exp_row(row, np.zeros(3, dtype=bool))
    assert shift == -799.0
    assert np.all(exps > 0)
    np.testing.assert_allclose(exps / exps.sum(), softmax_rows(row[None, :])[0])
