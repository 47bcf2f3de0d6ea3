"""Sentence -> tokens.

The rule: a token is a run of word characters (letters, digits, underscore, combining marks),
optionally joined by apostrophes ("didn't", "cat's"), or a run of other non-space characters
(punctuation, symbols, emoji). Whitespace separates tokens and is dropped. Text is kept exactly
as typed: no lower-casing, no normalisation.

    >>> tokenize("The cat didn't sit... 🐈!")
    ['The', 'cat', "didn't", 'sit', '...', '🐈!']
"""

from __future__ import annotations

import re
import unicodedata

_WORD = r"[\w\u0300-\u036f]+(?:['\u2019][\w\u0300-\u036f]+)*"
_OTHER = r"[^\w\s]+"
_TOKEN = re.compile(f"{_WORD}|{_OTHER}")
_WORD_CHAR = re.compile(r"\w")


def _marks_as_neighbours(sentence: str) -> str:
    """The sentence with every combining mark (Unicode category M: the vowel signs of Hindi or
    Thai, accents, variation selectors) replaced by a stand-in of the class of the character it
    modifies, so the mark stays in that character's token. Same length, so spans carry over."""
    out: list[str] = []
    for ch in sentence:
        if unicodedata.category(ch).startswith("M"):
            prev = out[-1] if out else " "
            ch = "a" if prev.isspace() or _WORD_CHAR.match(prev) else "!"
        out.append(ch)
    return "".join(out)


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into word and punctuation tokens (see the module docstring)."""
    return [sentence[m.start() : m.end()] for m in _TOKEN.finditer(_marks_as_neighbours(sentence))]
