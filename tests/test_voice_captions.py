"""Caption chunks for any line: every word once, in order, each chunk readable (2 lines of 42)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from attention_explainer.narration.alignment import paced, written_times
from attention_explainer.narration.captions import beat_cues, chunks, fits
from attention_explainer.narration.units import join_units, units

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=30)
LINES = st.lists(st.one_of(WORDS, st.sampled_from(["the", "and", "QKᵀ", "−0.35,", "end.", "why?", "x:"])),
                 min_size=1, max_size=60).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(LINES)
def test_chunks_cover_the_line_once_in_order_and_fit(text: str) -> None:
    tokens = units(text)  # words; characters in Chinese or Japanese
    groups = chunks(text)
    assert [k for g in groups for k in g] == list(range(len(tokens)))
    for g in groups:
        said = join_units([tokens[k] for k in g])
        assert fits(said) or len(g) == 1, said


@settings(max_examples=100, deadline=None)
@given(LINES)
def test_paced_cues_tile_the_beat(text: str) -> None:
    times = written_times(text, None)
    cues = beat_cues(text, times, end=30.0)
    assert cues[0][0] == 0.0 and cues[-1][1] == 30.0
    assert all(a[1] == b[0] and a[0] <= a[1] for a, b in zip(cues, cues[1:]))


def test_reading_pace_spreads_words_by_length() -> None:
    spans = paced(["a", "abc"], 6.0)
    assert spans == [(0.0, 2.0), (2.0, 6.0)]  # (1+1) and (3+1) characters of 6
