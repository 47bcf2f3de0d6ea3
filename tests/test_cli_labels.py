"""Labels as a viewer reads them: column labels on one baseline ("high" level with "was"), row
labels on their numbers' baseline, a one-letter heatmap label upright, a flag as ⚑ and letters."""

from __future__ import annotations

import numpy as np
import pytest

manim = pytest.importorskip("manim")

from attention_explainer.scenes.components import DARK, Heatmap, MatrixView, label  # noqa: E402

TOKENS = ["high", "was", "The", "gypsy", "I"]


def foot(glyph) -> float:
    return float(glyph.get_bottom()[1])


def test_matrix_column_labels_share_a_baseline() -> None:
    # K transposed: tokens across the top. The first glyph of each label here (h, w, T, I, and
    # the y of "gypsy" excluded) has no descender: its foot is the baseline.
    view = MatrixView(np.arange(15, dtype=float).reshape(3, 5) / 7, 2, DARK, col_labels=TOKENS)
    feet = [foot(t[0]) for t, tok in zip(view.col_labels, TOKENS) if tok != "gypsy"]
    assert max(feet) - min(feet) < 0.01
    assert min(float(t.get_bottom()[1]) for t in view.col_labels) >= view.brackets.get_top()[1]  # clear of them
    gypsy = view.col_labels[TOKENS.index("gypsy")]
    assert foot(gypsy[0]) < min(feet) - 0.02  # its g hangs below the shared baseline


def test_matrix_row_labels_sit_on_their_numbers_baseline() -> None:
    view = MatrixView(np.arange(10, dtype=float).reshape(5, 2) / 7, 2, DARK, row_labels=TOKENS)
    for a, (t, tok) in enumerate(zip(view.row_labels, TOKENS)):
        if tok == "gypsy":
            continue
        number = view.slot_entry(a, 0)
        assert abs(foot(t[0]) - foot(number[0])) < 0.01, tok


def test_a_one_letter_heatmap_label_stays_upright_when_others_turn() -> None:
    tokens = ["I", "understand", "everything", "now", "."]
    w = np.full((5, 5), 0.2)
    hm = Heatmap(w, tokens, DARK, cell=0.5)
    by = dict(zip(tokens, hm.col_labels))
    assert by["understand"].height > by["understand"].width  # turned: a tall, narrow label
    plain_i = label("I", DARK, 24)
    assert by["I"].height > by["I"].width  # "I" upright is tall too; turned it would be flat
    assert by["I"].width / by["I"].height == pytest.approx(plain_i.width / plain_i.height, rel=0.05)


def test_a_flag_is_drawn_as_a_flag_mark_and_its_letters() -> None:
    t = label("\U0001F1EB\U0001F1F7", DARK, 28)
    letters = label("\u2691FR", DARK, 28)
    assert t.original_text == "\U0001F1EB\U0001F1F7"
    assert len(t) == 3 and t.width == pytest.approx(letters.width)
