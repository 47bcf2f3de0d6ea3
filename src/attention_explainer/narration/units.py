"""Units of written text for captions and timing, by script (no Manim).

Latin and Devanagari lines are cut at spaces: a unit is a word, as `str.split` gives. Chinese and
Japanese write no spaces, so there every character is a unit (opening punctuation stays with the
character after it, closing punctuation with the one before), and a run of Latin letters or
digits inside them ("softmax", "0.35", "QKᵀ") stays one unit. Joining puts a space back only
between two units that are not CJK at the join. Widths count a full-width character as 2 columns,
so a caption line of 42 columns holds about 21 Chinese characters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

SENTENCE_ENDS = ".!?。！？।"  # a unit ending in one of these ends a sentence
PAUSES = ",;:，、；："  # good places to cut a long sentence
OPENING = "“‘「『（《〈【(\"'"
CLOSING = "”’」』）》〉】)\"'。、，！？；：…"


def wide(ch: str) -> bool:
    """A full-width character (CJK ideographs, kana, full-width punctuation)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def has_wide(text: str) -> bool:
    return any(wide(ch) for ch in text)


_UNIT = re.compile(r"\s+|[^\s]")


def units(text: str) -> list[str]:
    """The line's units: its words, or its characters where it is written without spaces."""
    if not has_wide(text):
        return text.split()
    out: list[str] = []
    glue_next = False  # the previous unit was an opening mark: the next character joins it
    space_before = True
    for ch in text:
        if ch.isspace():
            space_before, glue_next = True, False
            continue
        if glue_next and out:
            out[-1] += ch
            glue_next = ch in OPENING
        elif out and not space_before and (ch in CLOSING or (not wide(ch) and not wide(out[-1][-1])
                                                            and out[-1][-1] not in CLOSING)):
            out[-1] += ch  # closing punctuation, or the next letter of a Latin run
        else:
            out.append(ch)
            glue_next = ch in OPENING
        space_before = False
    return out


def join_units(parts: Sequence[str]) -> str:
    """Units back into text: a space between two, unless one side of the join is full-width."""
    text = ""
    for part in parts:
        if text and not (wide(text[-1]) or wide(part[0])):
            text += " "
        text += part
    return text


def width(text: str) -> int:
    """Columns the text takes: 2 for a full-width character, 1 for any other."""
    return sum(2 if wide(ch) else 1 for ch in text)


def word_count(text: str) -> float:
    """Words, for reading pace: units in spaced scripts; in CJK, 2 characters count as a word
    (a narrator says about 5 Chinese characters a second)."""
    if not has_wide(text):
        return float(len(text.split()))
    parts = units(text)
    return sum(0.5 * sum(wide(ch) for ch in u) or 1.0 for u in parts)
