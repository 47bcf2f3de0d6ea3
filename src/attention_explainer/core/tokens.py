"""Sentence -> tokens.

The rule: a token is a run of word characters (letters, digits, underscore, combining marks),
optionally joined by apostrophes ("didn't", "cat's"), or a run of other non-space characters
(punctuation, symbols, emoji); a flag (a pair of regional indicators, 🇫🇷) is a token of its own,
so 🇫🇷🇩🇪 is two. Whitespace, and runs of invisible format characters such as the
zero-width space, separate tokens and are dropped. Text is kept exactly
as typed: no lower-casing, no normalisation.

Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese) need
a dictionary: a run of word characters holding any of their letters is split further by ICU's
word segmentation (through icu4py, which bundles ICU and its dictionaries), so 私は猫が好きです。
becomes 私 / は / 猫 / が / 好き / です / 。. Runs without those letters never reach ICU, so
space-separated scripts keep the rule above exactly.

    >>> tokenize("The cat didn't sit... 🐈!")
    ['The', 'cat', "didn't", 'sit', '...', '🐈!']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


# Letters of the scripts ICU segments with a dictionary: Thai, Lao, Burmese, Khmer, kana, CJK
# ideographs (with extensions A-G and compatibility), half-width katakana.
_DICTIONARY_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")


@lru_cache(maxsize=1024)
def _dictionary_words(run: str) -> tuple[str, ...]:
    """A run of word characters split into words by ICU (root locale: its dictionaries pick
    the language by script). The pieces put together are exactly `run`."""
    from icu4py.breakers import WordBreaker

    pieces = tuple(p for p in WordBreaker(run, "") if p)
    return pieces if "".join(pieces) == run else (run,)


def _split_words(token: str) -> list[str]:
    """A token split by ICU when it holds a letter (not just a mark) of those scripts."""
    letters = (ch for ch in _DICTIONARY_SCRIPT.findall(token) if unicodedata.category(ch).startswith("L"))
    return list(_dictionary_words(token)) if any(True for _ in letters) else [token]


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into word and punctuation tokens (see the module docstring)."""
    spans = _TOKEN.finditer(_marks_as_neighbours(sentence))
    tokens = (sentence[m.start() : m.end()] for m in spans)
    return [w for t in tokens if _visible(t) for w in _split_words(t) if _visible(w)]
