"""Sentence -> tokens.

The rule: a token is a run of word characters (letters, digits, underscore, combining marks),
optionally joined by apostrophes ("didn't", "cat's"), or a run of other non-space characters
(punctuation, symbols, emoji); a flag (a pair of regional indicators, 🇫🇷) is a token of its own,
so 🇫🇷🇩🇪 is two. Whitespace, and runs of invisible format characters such as the
zero-width space, separate tokens and are dropped. Text is kept exactly
as typed: no lower-casing, no normalisation.

    >>> tokenize("The cat didn't sit... 🐈!")
    ['The', 'cat', "didn't", 'sit', '...', '🐈!']
"""

from __future__ import annotations

import re
import unicodedata

_WORD = r"[\w\u0300-\u036f]+(?:['\u2019][\w\u0300-\u036f]+)*"
_FLAG = r"[\U0001F1E6-\U0001F1FF]{1,2}"  # a flag is a pair of regional indicators: one token each
_OTHER = r"[^\w\s\U0001F1E6-\U0001F1FF]+"
_TOKEN = re.compile(f"{_WORD}|{_FLAG}|{_OTHER}")
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


def _visible(token: str) -> bool:
    """False for a token of format characters only (zero-width space U+200B, joiners, BOM, ...):
    nothing to show, so such a run separates tokens like a space (as U+200B does in Thai)."""
    return any(unicodedata.category(ch) != "Cf" for ch in token)


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into word and punctuation tokens (see the module docstring)."""
    spans = _TOKEN.finditer(_marks_as_neighbours(sentence))
    return [t for t in (sentence[m.start() : m.end()] for m in spans) if _visible(t)]
