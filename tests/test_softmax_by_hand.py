"""The worked softmax row checks by hand (issue 21, item 2): for many sentences and every
precision, the numbers as written add up as written. Everything is recomputed here from the
written strings with the standard library (math.exp, fractions), not from the core's Decimals.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attention_explainer.config import validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.worked import softmax_by_hand
from attention_explainer.scenes.components.worked import softmax_texts

MINUS = "\u2212"
WORDS = st.sampled_from("the bank raised rates because it feared inflation a cat sat on mat , . ! ? 42".split())


def value(text: str) -> Fraction:
    """A written number back as an exact fraction ("1.23·10^5" too)."""
    text = text.replace(MINUS, "-")
    if "·10^" in text:
        mant, exp = text.split("·10^")
        return Fraction(mant) * Fraction(10) ** int(exp)
    return Fraction(text)


def half_unit(text: str) -> Fraction:
    """Half of the last written digit's place: how far rounding may have moved the number."""
    mant, _, exp = text.replace(MINUS, "-").partition("·10^")
    places = len(mant.split(".")[1]) if "." in mant else 0
    return Fraction(1, 2) * Fraction(10) ** (int(exp or 0) - places)


def check_row(texts: dict[str, list[str]], scaled: np.ndarray, mask: np.ndarray, precision: int) -> None:
    s_txt, e_txt, w_txt = texts["s"], texts["e"], texts["w"]
    decimals = max(precision, 2)
    # s: the scaled score as the matrix writes it (an f-string here)
    for j, t in enumerate(s_txt):
        if mask[j]:
            assert t == "−∞"
        else:
            assert value(t) == Fraction(f"{scaled[j]:.{decimals}f}"), (j, t)
    live = [j for j in range(len(s_txt)) if not mask[j]]
    top = max(value(s_txt[j]) for j in live)
    # e^s from the WRITTEN s: plain e^s for the whole row, or e^(s − max s) for the whole row
    def near(x: float, t: str) -> bool:
        return abs(Fraction(x) - value(t)) <= half_unit(t) * (1 + Fraction(1, 10**9)) + Fraction(1, 10**12)

    assert all(value(e_txt[j]) == 0 for j in range(len(e_txt)) if mask[j])
    plain = all(near(math.exp(float(value(s_txt[j]))), e_txt[j]) for j in live)
    shifted = all(near(math.exp(float(value(s_txt[j]) - top)), e_txt[j]) for j in live)
    assert plain or shifted, e_txt
    # the sum: of the written e^s, written exactly ('=') or rounded ('≈')
    rel, total_txt = texts["sum"]
    exact = sum((value(e_txt[j]) for j in live), Fraction(0))
    total = value(total_txt)
    if rel == "=":
        assert total == exact
    else:
        assert total != exact and abs(total - exact) <= half_unit(total_txt)
    # each weight: the written e^s over the written sum, rounded to its places
    for j, t in enumerate(w_txt):
        assert abs(value(e_txt[j]) / total - value(t)) <= half_unit(t), (j, t)
    assert value(texts["total"][0]) == sum((value(t) for t in w_txt), Fraction(0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(WORDS, min_size=1, max_size=20), precision=st.integers(0, 3), seed=st.integers(0, 50),
       causal=st.booleans(), d_k=st.sampled_from([2, 4, 16]), query=st.integers(0, 19))
def test_every_written_number_of_the_row_checks_by_hand(words, precision, seed, causal, d_k, query) -> None:
    cfg = validate_config({"sentence": " ".join(words), "display": {"precision": precision},
                           "model": {"seed": seed, "causal": causal, "d_k": d_k}})
    t = compute_trace(cfg.attention_spec())
    qi = query % t.n
    hand = softmax_by_hand(t.scaled[qi], t.mask[qi], t.precision)
    texts = softmax_texts(hand, list(range(t.n)))
    check_row(texts, t.scaled[qi], t.mask[qi], precision)


@pytest.mark.parametrize("scaled", [
    [1.3012, 0.2, -0.4, 0.9],  # the lecturer's case: s = 1.30 must give e^s = 3.67, not 3.66
    [-6.0, -7.2, -9.1],  # all negative: shifted by the largest, nothing rounds to 0.00
    [12.0, 0.5, 11.9],  # e^s beyond 10^5: written in powers of ten, the sum '≈'
    [60.0, 59.5, 10.0],  # beyond the overflow guard: shifted
])
@pytest.mark.parametrize("precision", [0, 1, 2, 3])
def test_hard_rows(scaled, precision) -> None:
    row = np.array(scaled)
    mask = np.zeros(len(row), dtype=bool)
    check_row(softmax_texts(softmax_by_hand(row, mask, precision), list(range(len(row)))), row, mask, precision)


def test_the_lecturers_row() -> None:
    texts = softmax_texts(softmax_by_hand(np.array([1.3012, 0.2]), np.zeros(2, dtype=bool), 2), [0, 1])
    assert texts["s"] == ["1.30", "0.20"] and texts["e"] == ["3.67", "1.22"]
    assert texts["sum"] == ["=", "4.89"] and texts["w"] == ["0.75", "0.25"]
