"""The focus token: the query whose row the video works through (`video.focus`).

`video.focus` is a token as typed (`"bank"`; a repeated word means its first occurrence, or
name another one as the export labels it: `"the (2)"`) or a 1-based position (`3`). The math
segment works that query's row (dot product, softmax, output), the heatmap reads it and the
pipeline follows it. Without a focus each segment keeps its own choice (the math segment the
last token, the heatmap its most peaked row).
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

from attention_explainer.core.labels import distinct_labels
from attention_explainer.core.slicing import shown
from attention_explainer.errors import did_you_mean

Focus = Union[int, str, None]
MAX_KNOWN_SHOWN = 12  # tokens listed in an error when no close match exists


def focus_problem(tokens: Sequence[str], focus: Focus) -> Optional[str]:
    """Why `focus` names no token of `tokens` (one line, without the field name), or None."""
    if focus is None:
        return None
    n = len(tokens)
    if isinstance(focus, int):
        if not 1 <= focus <= n:
            return f"position {focus} is not in the sentence; its {n} token(s) are numbered 1 to {n}"
        return None
    if focus in tokens or focus in distinct_labels(tokens):
        return None
    known = list(dict.fromkeys(tokens))
    hint = did_you_mean(focus, known)
    if hint.startswith("; known:") and len(known) > MAX_KNOWN_SHOWN:
        hint = f"; the tokens are: {', '.join(known[:MAX_KNOWN_SHOWN])}, ..."
    return f"'{focus}' is not a token of the sentence{hint}"


def focus_index(tokens: Sequence[str], focus: Focus) -> Optional[int]:
    """The 0-based index of the focus token, None without a focus (ValueError if it is not one).

        >>> focus_index(["the", "cat", "saw", "the", "dog"], "the"), focus_index(["a", "b"], 2)
        (0, 1)
    """
    problem = focus_problem(tokens, focus)
    if problem:
        raise ValueError(problem)
    if focus is None:
        return None
    if isinstance(focus, int):
        return focus - 1
    return list(tokens).index(focus) if focus in tokens else distinct_labels(tokens).index(focus)


def focus_or(tokens: Sequence[str], focus: Focus, default: int) -> int:
    """The focus token's index, or `default` (the segment's own choice) without a focus."""
    index = focus_index(tokens, focus)
    return default if index is None else index


def shown_with(n: int, limit: int, keep: Optional[int]) -> list[Optional[int]]:
    """Indices of n items to show in at most `limit` places, `keep` (the focus row of a long
    sentence) always among them: core.slicing.shown with one item to keep.

        >>> shown_with(12, 8, None)
        [0, 1, 2, 3, None, 9, 10, 11]
        >>> shown_with(12, 8, 6)
        [0, 1, 2, None, 6, None, 10, 11]
    """
    return shown(n, limit, [keep])
