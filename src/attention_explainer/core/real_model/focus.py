"""The focus word (`video.focus`) in the trained model: its word, and the head that links it to
the farthest word (pure NumPy; the real-model segment works this row and zooms this head).

"Links it furthest": over every head and every other word at least two words away (the `link`
role's distance, roles.py), the largest share of the focus word's attention; ties go to the
farther word, then the earlier head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from attention_explainer.core.real_model.pieces import Words
from attention_explainer.core.real_model.roles import is_word

MIN_DISTANCE = 2  # words apart, as the link role measures


@dataclass(frozen=True)
class FocusLink:
    """The head linking the focus word (`query`, a word index) to a distant word (`key`)."""

    layer: int  # 0-based
    head: int  # 0-based
    query: int  # word index of the focus word
    key: int  # word index it sends `share` of its attention to
    share: float  # word_attentions[layer, head, query, key]


def focus_word(words: Words, tokens: Sequence[str], focus: Optional[int], same_sentence: bool) -> Optional[int]:
    """The model's word index of toy token `focus` (an index into `tokens`), or None.

    Same sentence: the word holding that token. Another sentence (real_model.sentence): the same
    occurrence of the same word, case-insensitively; None when the word is not in it."""
    if focus is None:
        return None
    if same_sentence:
        return next((a for a, t in enumerate(words.token_index) if t == focus), None)
    text = tokens[focus].casefold()
    occurrence = sum(1 for t in tokens[:focus] if t.casefold() == text)
    hits = [a for a, lab in enumerate(words.labels) if not words.special[a] and lab.casefold() == text]
    if not hits:
        return None
    return hits[min(occurrence, len(hits) - 1)]


def focus_link(word_attentions: np.ndarray, words: Words, query: int) -> Optional[FocusLink]:
    """The head sending the largest share of word `query`'s attention to a word at least
    MIN_DISTANCE away (module docstring); None when the sentence has no such word."""
    W = np.asarray(word_attentions, dtype=float)  # (L, H, w, w)
    keys = [b for b in range(words.n) if abs(b - query) >= MIN_DISTANCE and not words.special[b]
            and is_word(words.labels[b])]
    if not keys:
        return None
    shares = W[:, :, query, keys]  # (L, H, keys)
    best = max(((float(shares[l, h, k]), abs(keys[k] - query), -l, -h, k)
                for l in range(W.shape[0]) for h in range(W.shape[1]) for k in range(len(keys))))
    share, _, l, h, k = best
    return FocusLink(layer=-l, head=-h, query=query, key=keys[k], share=share)
