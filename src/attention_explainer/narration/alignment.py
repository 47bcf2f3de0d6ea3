"""When each written word of a line is said: from the voice's spoken-word times, or by reading pace.

The voice says the spoken form ("Q K transposed"); captions show the written form ("QKᵀ"). With
the automatic spoken form each written token knows which spoken words it became (spoken.py), so
it takes their times exactly; with a line's own spoken form (the narration script) written and
spoken words are matched by their position in the line.
"""

from __future__ import annotations

from typing import Optional, Sequence

from attention_explainer.narration.beats import WORDS_PER_SECOND
from attention_explainer.narration.spoken import spoken_tokens, to_spoken
from attention_explainer.narration.units import units, width, word_count

Span = tuple[float, float]  # (start, end) in seconds from the start of the line


def paced(tokens: Sequence[str], duration: float) -> list[Span]:
    """Times spread over `duration` in proportion to each token's length (plus one for its space)."""
    weights = [width(t) + 1 for t in tokens]
    total = float(sum(weights)) or 1.0
    out, acc = [], 0.0
    for w in weights:
        out.append((acc / total * duration, (acc + w) / total * duration))
        acc += w
    return out


def reading_duration(text: str) -> float:
    """How long the words take at the captions' reading pace (beats.WORDS_PER_SECOND)."""
    return max(1.0, word_count(text) / WORDS_PER_SECOND)


def written_times(text: str, word_times: Optional[Sequence[Span]], spoken: Optional[str] = None,
                  duration: Optional[float] = None) -> list[Span]:
    """(start, end) of every unit (word; CJK character) of the written `text` (units.py).

    word_times: the spoken words' times (whitespace tokens of `spoken`, or of the automatic
    spoken form when spoken is None). Without them the tokens are paced over `duration` (the
    clip's length) or the reading time."""
    tokens = units(text)
    if not tokens:
        return []
    if not word_times:
        return paced(tokens, duration if duration else reading_duration(text))
    if spoken is None and len(tokens) == len(text.split()):
        pairs = spoken_tokens(text)
        counts = [len(s.split()) for _, s in pairs]
        if sum(counts) == len(word_times) and len(to_spoken(text).split()) == len(word_times):
            return _by_counts(counts, word_times)
    return _by_position(tokens, word_times)


def _by_counts(counts: Sequence[int], word_times: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    k, last = 0, word_times[0][0]
    for n in counts:
        if n == 0:
            out.append((last, last))
            continue
        span = (word_times[k][0], word_times[k + n - 1][1])
        out.append(span)
        last = span[1]
        k += n
    return out


def _by_position(tokens: Sequence[str], word_times: Sequence[Span]) -> list[Span]:
    """Token i takes the times of the spoken words at the same relative place in the line."""
    n, m = len(tokens), len(word_times)
    out = []
    for i in range(n):
        lo = min(m - 1, int(i * m / n))
        hi = max(lo, min(m - 1, int((i + 1) * m / n) - 1))
        out.append((word_times[lo][0], word_times[hi][1]))
    return out
