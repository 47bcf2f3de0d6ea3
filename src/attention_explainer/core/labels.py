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
