"""The one slicing rule (core/slicing.py): what every scene shows of a long sequence."""

from __future__ import annotations

import doctest

from hypothesis import given
from hypothesis import strategies as st

from attention_explainer.core import slicing
from attention_explainer.core.slicing import count_shown, shown, top_keys


def test_the_docstring_examples() -> None:
    assert doctest.testmod(slicing).failed == 0


@given(n=st.integers(1, 80), limit=st.integers(3, 20), keep=st.lists(st.integers(0, 79), max_size=4))
def test_a_slice_fits_keeps_what_it_must_and_marks_every_gap(n: int, limit: int, keep: list[int]) -> None:
    keep = [k for k in keep if k < n]
    out = shown(n, limit, keep)
    real = [i for i in out if i is not None]
    if n <= limit:
        assert out == list(range(n))
        return
    assert len(out) <= limit  # items and ellipses together
    assert real == sorted(set(real)) and count_shown(out) == len(real)
    if keep:
        assert keep[0] in real  # the first item to keep always fits (3 places: gap, item, gap)
    expected: list[int | None] = []  # rebuilt here: an ellipsis exactly where indices jump
    for i in range(n):
        if i in real:
            expected.append(i)
        elif not expected or expected[-1] is not None:
            expected.append(None)
    assert out == expected
    # nothing is wasted: one place short of the limit only when no item could be added
    assert len(out) >= limit - 1


def test_the_ends_and_the_head_first() -> None:
    assert shown(16, 10) == [0, 1, 2, 3, 4, None, 12, 13, 14, 15]
    assert shown(16, 10, [8]) == [0, 1, 2, 3, None, 8, None, 13, 14, 15]
    assert shown(16, 10, [15, 7, 8]) == [0, 1, 2, None, 7, 8, None, 13, 14, 15]


def test_top_keys_largest_first_earlier_on_ties() -> None:
    assert top_keys([0.1, 0.4, 0.4, 0.1], 2) == [1, 2]
    assert top_keys([0.1, 0.4, 0.4, 0.1], 2, skip=[1]) == [2, 0]
