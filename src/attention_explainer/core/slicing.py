"""What to show of a long sequence (tokens, columns, heads): the one slicing rule of the video.

`shown(n, limit, keep)` gives the indices to draw in at most `limit` places, None marking a gap
(an ellipsis, which takes a place too). Everything fits: all of it. Otherwise the items are
taken greedily in this order, each only while the places (items + gaps) still fit:

    1. `keep`, in the order given (the focus row first, then what must stay in view with it);
    2. the first and the last item;
    3. the rest from both ends inwards, the start first: 1, n-2, 2, n-3, ...

An item that would not fit is skipped and the next one tried, so a late one that closes a gap
still gets in. Without `keep` this is the plain "head, ellipsis, tail" slice:

    >>> shown(12, 8)
    [0, 1, 2, 3, None, 9, 10, 11]
    >>> shown(12, 8, [6])
    [0, 1, 2, None, 6, None, 10, 11]
    >>> shown(5, 8)
    [0, 1, 2, 3, 4]
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

Slice = list[Optional[int]]


def places(chosen: Iterable[int], n: int) -> int:
    """Places a sorted selection of range(n) takes on screen: its items and one per gap."""
    items = sorted(set(chosen))
    if not items:
        return 0
    gaps = (items[0] > 0) + (items[-1] < n - 1)
    gaps += sum(1 for a, b in zip(items, items[1:]) if b > a + 1)
    return len(items) + gaps


def with_gaps(chosen: Iterable[int], n: int) -> Slice:
    """The sorted selection with None wherever items of range(n) are left out."""
    items = sorted(set(chosen))
    out: Slice = []
    prev = -1
    for i in items:
        if i > prev + 1:
            out.append(None)
        out.append(i)
        prev = i
    if items and items[-1] < n - 1:
        out.append(None)
    return out


def shown(n: int, limit: int, keep: Sequence[Optional[int]] = ()) -> Slice:
    """Indices of range(n) to show in at most `limit` places (module docstring)."""
    if n <= limit:
        return list(range(n))
    order = [k for k in keep if k is not None and 0 <= k < n]
    order += [0, n - 1]
    for d in range(1, n):
        order += [d, n - 1 - d]
    chosen: set[int] = set()
    for i in order:
        if i in chosen:
            continue
        if places(chosen | {i}, n) <= max(limit, 1):
            chosen.add(i)
    return with_gaps(chosen, n)


def count_shown(indices: Sequence[Optional[int]]) -> int:
    """How many real items a slice shows (gaps do not count)."""
    return sum(1 for i in indices if i is not None)


def top_keys(row: Sequence[float], count: int, skip: Sequence[int] = ()) -> list[int]:
    """The `count` indices of the largest values of a row, largest first (ties: the earlier),
    without those in `skip`: what a sliced view keeps in sight beside the focus row."""
    order = sorted(range(len(row)), key=lambda j: (-float(row[j]), j))
    return [j for j in order if j not in skip][:count]
