"""Cue words: where in a line a scene's animation should land, in every language (no Manim).

A scene names its cue in English, as the English line says it (`line.wait_until("sum")` in the
beat "The sum is 0.84."). The language's words file maps it to what its own line says
(narration/words/<code>.yaml, `cues: {sum: suma es}`), and the cue is found in the line's units
(units.py), from a cursor on, so two cues of one line are found in order:

- spaced scripts (Latin, Devanagari): each word of the cue starts a word of the line, the words
  in a row, case-insensitively: "suma" finds "sumas"; "suma es" finds "La suma es", not
  "Los sumamos";
- Chinese and Japanese (no spaces): the cue is found in the units joined, spaces left out on
  both sides ("Q の" or "Qの"); it lands on the unit where it starts.
"""

from __future__ import annotations

import unicodedata
from typing import Optional, Sequence

from attention_explainer.narration.spoken import EDGE
from attention_explainer.narration.units import has_wide
from attention_explainer.narration.words import cue_word


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def find_cue(parts: Sequence[str], said: str, start: int = 0) -> Optional[int]:
    """Index of the unit of `parts` (a line's units) where `said` starts, at `start` or later;
    None when the line does not say it there."""
    if has_wide("".join(parts)):
        return _in_joined(parts, _fold("".join(said.split())), start)
    words = [_fold(w.strip(EDGE)) for w in said.split()]
    words = [w for w in words if w]
    if not words:
        return None
    heads = [_fold(p.strip(EDGE)) for p in parts]
    for i in range(start, len(heads) - len(words) + 1):
        if all(heads[i + k].startswith(w) for k, w in enumerate(words)):
            return i
    return None


def _in_joined(parts: Sequence[str], said: str, start: int) -> Optional[int]:
    """The unit where `said` (no spaces) starts in the units from `start` on, joined."""
    if not said:
        return None
    text, offsets = "", []
    for part in parts[start:]:
        offsets.append(len(text))
        text += _fold(part)
    at = text.find(said)
    if at < 0:
        return None
    return start + max(k for k, offset in enumerate(offsets) if offset <= at)


def cue_unit(parts: Sequence[str], cue: str, lang: str, start: int = 0) -> Optional[int]:
    """Index of the unit where the English `cue` is said in a line of language `lang`."""
    return find_cue(parts, cue_word(cue, lang), start)
