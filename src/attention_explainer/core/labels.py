"""Labels that tell tokens apart: a repeated word gets its occurrence number (`the`, `the (2)`).

Used where tokens name rows or columns outside the video (export: CSV, JSON), so that a
worksheet or a lookup by label never merges two rows.
"""

from __future__ import annotations

from typing import Sequence


def distinct_labels(tokens: Sequence[str]) -> list[str]:
    """Each token as typed; its 2nd, 3rd, ... occurrence gets " (2)", " (3)", ...

    A label made that way never collides with a token typed as such (`the (2)` in a sentence is
    three tokens), so the labels are unique.

        >>> distinct_labels(["the", "cat", "saw", "the", "dog", "the"])
        ['the', 'cat', 'saw', 'the (2)', 'dog', 'the (3)']
    """
    seen: dict[str, int] = {}
    labels = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        labels.append(token if seen[token] == 1 else f"{token} ({seen[token]})")
    return labels


FLAG_MARK = "\u2691"  # ⚑ BLACK FLAG (DejaVu Sans and Symbola have it)
_RI_FIRST, _RI_LAST = 0x1F1E6, 0x1F1FF  # regional indicator symbols A..Z


def drawable(text: str) -> str:
    """Text as the video draws it: each flag (a pair of regional indicators, 🇫🇷) as ⚑ and its two
    letters (⚑FR). No installed font draws flag emoji as outlines (Symbola boxes each letter
    apart), and the letters are the country code the flag stands for; other text is unchanged.

        >>> drawable("Vive la 🇫🇷!")
        'Vive la ⚑FR!'
    """
    if not any(_RI_FIRST <= ord(ch) <= _RI_LAST for ch in text):
        return text
    out: list[str] = []
    in_flag = False  # the previous character opened a flag: this one is its second letter
    for ch in text:
        code = ord(ch)
        if _RI_FIRST <= code <= _RI_LAST:
            letter = chr(ord("A") + code - _RI_FIRST)
            out.append(letter if in_flag else FLAG_MARK + letter)
            in_flag = not in_flag
        else:
            out.append(ch)
            in_flag = False
    return "".join(out)
