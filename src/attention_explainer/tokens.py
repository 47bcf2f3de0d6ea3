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

_WORD = r"[\w\u0300-\u036f]+(?:['\u2019][\w\u0300-\u036f]+)*"
_OTHER = r"[^\w\s]+"
_TOKEN = re.compile(f"{_WORD}|{_OTHER}")


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into word and punctuation tokens (see the module docstring)."""
    return _TOKEN.findall(sentence)
