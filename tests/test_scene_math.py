"""The math segment (scenes/attention_math.py): beats, timing, numbers on screen, slicing, layout.

Each config is built once (animations skipped, see scenetools.build_scene) and shared by the
tests of this module. Frames are not drawn while building (the tests read mobjects, not pixels),
and one media dir is shared so LaTeX is compiled once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from manim import ManimColor, Rectangle, VMobject
from manim.renderer.cairo_renderer import CairoRenderer
from scenetools import (build_checked, glyph_text, only, probed, probing, seen, shown_number, shows, texts,
                        views_named)

from attention_explainer.core.attention import softmax_rows
from attention_explainer.narration.beats import reading_time
from attention_explainer.core.worked import exp_row, softmax_by_hand
from attention_explainer.scenes.attention_math import AttentionMath, products
from attention_explainer.config import validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.scenes.math_helpers import DIM_LIMIT, TOKEN_LIMIT, slice_note, token_rows, worked_pair
from attention_explainer.scenes.components import (
    CONTENT_BOTTOM,
    Caption,
    Formula,
    MatrixView,
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
# the trace matrix each shown matrix is, by the name drawn with it (TeX)
NAMES = {"X": "X", "W_Q": "W_Q", "W_K": "W_K", "W_V": "W_V", "Q": "Q", "K": "K", "V": "V", r"K^{\top}": "K.T",
         r"QK^{\top}": "scores", r"QK^{\top} / \sqrt{d_k}": "scaled", "A": "weights", "Z": "Z"}

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


def on_screen(scene: AttentionMath) -> dict[str, Any]:
    """A probe at every beat's end: what is on screen and where (mobject, left, right, bottom,
    top, fill opacity), and how lit each part of the formula is (its faintest glyph)."""
    formula = only(seen(scene, Formula))
    return {"mobjects": [(m, m.get_left()[0], m.get_right()[0], m.get_bottom()[1], m.get_top()[1],
                          m.get_fill_opacity() if isinstance(m, VMobject) else 0.0) for m in scene.mobjects],
            "lit": {p: min(m.get_fill_opacity() for m in formula.part(p).family_members_with_points())
                    for p in ("Q", "K", "sqrt", "softmax", "V")}}


Recorded = probing(AttentionMath, on_screen)


def snapshots(scene: AttentionMath) -> list[list[tuple]]:
    return [value["mobjects"] for _beat, value in probed(scene)]


def lit(scene: AttentionMath) -> list[dict[str, float]]:
    return [value["lit"] for _beat, value in probed(scene)]


def trace_of(config: dict) -> Any:
    """The config's trace, computed here by the core (as the scene's input is)."""
    return compute_trace(validate_config(config).attention_spec())


def worked(config: dict) -> tuple[Any, list, int, int]:
    """The trace, the token rows shown and the worked pair (qi, kj), by the scene's rules (tested
    above) on a trace computed here."""
    t = trace_of(config)
    focus = validate_config(config).focus_index
    rows = token_rows(t.weights, focus)
    return (t, rows, *worked_pair(t.weights, rows, focus))


def views(scene: AttentionMath) -> dict[str, list[MatrixView]]:
    """Every matrix view the scene showed, by the trace matrix its name says ("scores" also for
    the grid shown without its name); "Z.row": the unnamed one-row view (the worked row of Z)."""
    out = {key: views_named(scene, tex) for tex, key in NAMES.items()}
    out["Z.row"] = [v for v in seen(scene, MatrixView) if v.name is None]
    assert sum(map(len, out.values())) == len(seen(scene, MatrixView)), "a view of no known matrix"
    return out


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


DEFAULT = {"display": {"captions": False}}  # captions only draw, the beats' timing is the same
CONFIGS = {"default": DEFAULT, "eight": EXPLICIT, "sixteen": SIXTEEN, "one": ONE, "ten": TEN}


@pytest.fixture(scope="module")
def default(build):  # type: ignore[no-untyped-def]
    return build("default", DEFAULT)


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
    t, _rows, qi, kj = worked(DEFAULT)
    assert f"the query of “{t.tokens[qi]}” and the key of “{t.tokens[kj]}”" in text
    # the weight said is the worked row's, which checks by hand (core/worked.py)
    hand = softmax_by_hand(t.scaled[qi], t.mask[qi], t.precision)
    assert f"with a weight of {fmt(float(hand.w[kj]), 2)}" in text
    assert f"The sum is {fmt_big(float(hand.total), 2)}" in text
    assert "minus infinity" not in text  # not causal


@SLOW
def test_causal_masking_is_shown_and_said(eight) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(b.text for b in eight.beats)
    assert "minus infinity" in text and "weight zero" in text
    t = trace_of(EXPLICIT)
    for A in views_named(eight, "A"):
        masked = [(r, c) for (r, c) in A.numbers() if t.mask[r, c]]
        assert masked and all(glyph_text(A.entry(r, c)) == "0.00" for r, c in masked)


# ----------------------------------------------------------------------------------- numbers
def _check_view(view, values: np.ndarray, decimals: int, rows, cols) -> None:  # type: ignore[no-untyped-def]
    assert view.rows == rows and view.cols == cols
    np.testing.assert_array_equal(view.values, values)
    assert set(view.numbers()) == {(r, c) for r in rows if r is not None for c in cols if c is not None}
    shows(view, values, decimals)  # every number read back from its glyphs


@pytest.mark.parametrize("name", ALL)
def test_views_show_the_trace(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    t, rows, qi, _kj = worked(CONFIGS[name])
    p, dm, dk = t.precision, visible(t.d_model, DIM_LIMIT), visible(t.d_k, DIM_LIMIT)
    shape = {"X": (rows, dm, p), "W_Q": (dm, dk, p), "W_K": (dm, dk, p), "W_V": (dm, dk, p),
             "Q": (rows, dk, 2 * p), "K": (rows, dk, 2 * p), "V": (rows, dk, 2 * p), "K.T": (dk, rows, 2 * p),
             "scores": (rows, rows, 2), "scaled": (rows, rows, 2), "weights": (rows, rows, 2), "Z": (rows, dk, 2),
             "Z.row": ([0], dk, 2)}
    values = {**{key: getattr(t, trace) for key, trace in TRACE_NAMES.items()}, "K.T": t.K.T, "Z.row": t.Z[qi:qi + 1]}
    shown = views(scene)
    assert all(shown.values()), [key for key, v in shown.items() if not v]  # every matrix, the worked row of Z
    for key, vs in shown.items():  # every copy shown anywhere
        for view in vs:
            _check_view(view, values[key], shape[key][2], *shape[key][:2])


@SLOW
def test_explicit_numbers_reach_the_screen(eight) -> None:  # type: ignore[no-untyped-def]
    for X in views_named(eight, "X"):
        assert glyph_text(X.entry(0, 1)) == shown_number(EXPLICIT["model"]["embeddings"][0][1], 2)
    for W in views_named(eight, "W_Q"):
        assert glyph_text(W.entry(0, 2)) == "0.75"
    for W in views_named(eight, "W_V"):
        assert glyph_text(W.entry(1, 0)) == "\u22120.30"
    for A in views_named(eight, "A"):
        sums = [sum(float(glyph_text(A.entry(r, c)).replace("\u2212", "-")) for c in range(8)) for r in range(8)]
        assert sums == pytest.approx(np.ones(8), abs=8 * 0.005 + 1e-9)  # each rounded to two decimals


def test_worked_q_cell_lines_add_up(default) -> None:  # type: ignore[no-untyped-def]
    t, _rows, qi, _kj = worked(DEFAULT)
    cell = only(seen(default, WorkedCell, beat="math-q-products"))  # Q[qi, 0] worked on screen
    shown = cell.lines[1].text.text.replace(" ", "")
    terms = shown.split("=")[1].split("+")
    assert sum(parse_shown(s.strip("()")) for s in terms) == pytest.approx(t.Q[qi, 0])
    assert shown.endswith("=" + shown_number(t.Q[qi, 0], 2 * t.precision))  # generated inputs: exact


# ------------------------------------------------------------------------------ slicing, layout
@SLOW
def test_sixteen_tokens_and_wide_dims_are_sliced_and_said(sixteen) -> None:  # type: ignore[no-untyped-def]
    rows = token_rows(trace_of(SIXTEEN).weights)
    assert None in rows and len(rows) <= TOKEN_LIMIT
    for S in views_named(sixteen, r"QK^{\top}"):
        assert S.rows == rows
    assert all(None in X.cols for X in views_named(sixteen, "X"))
    assert not any(None in Q.cols for Q in views_named(sixteen, "Q"))
    k = sum(r is not None for r in rows)
    assert f"showing {k} of 16 tokens" in _notes(sixteen)
    assert f"showing {k} of 16 tokens, 5 of 8 d_model columns" in _notes(sixteen)


@SLOW
def test_one_token_with_wide_dims(one) -> None:  # type: ignore[no-untyped-def]
    for A in views_named(one, "A"):
        assert A.numbers() == [(0, 0)] and glyph_text(A.entry(0, 0)) == "1.00"
    assert all(None in Q.cols for Q in views_named(one, "Q"))
    assert all(None in W.rows for W in views_named(one, "W_Q"))
    assert "showing 5 of 16 d_k columns" in _notes(one)
    assert any("pays the most attention to itself" in b.text for b in one.beats)


def _notes(scene) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.original_text for snap in snapshots(scene) for (m, *_box) in snap if hasattr(m, "original_text")}


@SLOW
def test_eight_tokens_are_shown_in_full(eight) -> None:  # type: ignore[no-untyped-def]
    assert all(A.rows == list(range(8)) for A in views_named(eight, "A"))


@SLOW
def test_ten_tokens_are_shown_in_full_with_the_focus_row(ten) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, item 10: the lecturer's sentence (and a full stop): no row hidden, so the output
    row can be checked; the worked key is the focus row's largest weight."""
    shown = views(ten)
    for key in ("X", "Q", "K", "V", "scores", "scaled", "weights", "Z"):
        assert shown[key] and all(v.rows == list(range(10)) for v in shown[key]), key
    assert all(v.cols == list(range(10)) for v in shown["scores"])
    t = trace_of(TEN)
    qi = t.tokens.index("it")
    kj = int(np.argmax(t.weights[qi]))
    assert f"the query of “it” and the key of “{t.tokens[kj]}”" in " ".join(b.text for b in ten.beats)
    for row in shown["Z.row"]:  # the output row worked is the focus token's
        shows(row, t.Z[qi:qi + 1], 2)
    assert not any("showing" in s for s in _notes(ten))


@pytest.mark.parametrize("name", ALL)
def test_everything_stays_on_screen_and_above_the_captions(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    # the frame: the check's own rule (its safe area), at every beat's end and every animation's ends
    assert [f.line() for f in FINDINGS[name] if f.kind in ("off-screen", "caption")] == []
    # the caption band: these configs have no captions to collide with, so the band is checked here
    for k, snap in enumerate(snapshots(scene)):
        for m, _left, _right, bottom, _top, _fill in snap:
            if not isinstance(m, Caption):
                assert bottom >= CONTENT_BOTTOM - 0.05, f"beat {k + 1}: {type(m).__name__}"


@pytest.mark.parametrize("name", ALL)
def test_formula_lit_in_order_and_fully_at_the_end(request, name: str) -> None:  # type: ignore[no-untyped-def]
    scene = request.getfixturevalue(name)
    f = only(seen(scene, Formula, final=True))
    steps = lit(scene)
    first = {p: next(k for k, on in enumerate(steps) if on[p] > 0.99) for p in steps[-1]}
    assert first["Q"] < first["K"] < first["sqrt"] < first["softmax"] < first["V"]  # as the steps run
    assert all(v > 0.99 for v in steps[-1].values())
    assert all(v < 0.5 for v in steps[0].values())  # dimmed at the start
    title = only([t for t in texts(scene, final=True) if t.original_text.startswith("7 · ")])  # the last step's
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
    bg = ManimColor(scene.camera.background_color)
    for k, snap in enumerate(snapshots(scene)):
        covers = [m for m, *_box, fill in snap if isinstance(m, Rectangle) and fill > 0.99
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
