"""Head roles, measured for the sentence at hand (never assumed from the literature).

Every head gets five scores, from its pieces × pieces attention A (rows = queries). Queries are
the sentence's pieces, not [CLS]/[SEP]:
    prev     mean of A[i, i-1] over queries whose previous piece is a sentence piece
    next     mean of A[i, i+1] over queries whose next piece is a sentence piece
    self     mean of A[i, i]
    special  mean of A[i, [CLS]] + A[i, [SEP]]  (the "sink" many heads park attention on)
    link     on whole words (pieces merged, see pieces.merge): the largest W[a, b] between two
             words at least two apart (|a − b| ≥ 2), both holding a letter or digit
A score that cannot be measured (a one-piece sentence has no previous piece) is NaN.

A head earns a label only when a score reaches its threshold (THRESHOLDS), and the label states
the measured number. The heads the video zooms into (`pick_heads`): the best head of each role
that passes, in the order prev, next, special, link, self, each head once; at least MIN_PICKS
(topped up by the highest remaining score), at most MAX_PICKS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

ROLES = ("prev", "next", "self", "special", "link")
THRESHOLDS = {"prev": 0.5, "next": 0.5, "self": 0.5, "special": 0.5, "link": 0.3}
PICK_ORDER = ("prev", "next", "special", "link", "self")
MIN_PICKS, MAX_PICKS = 3, 4


@dataclass(frozen=True)
class HeadScores:
    """Scores of every head: arrays (layers, heads); link_pairs (layers, heads, 2) word indices
    (query word, key word), -1 where no pair exists."""

    prev: np.ndarray
    next: np.ndarray
    self: np.ndarray
    special: np.ndarray
    link: np.ndarray
    link_pairs: np.ndarray

    def score(self, role: str, layer: int, head: int) -> float:
        return float(getattr(self, role)[layer, head])

    def passes(self, role: str, layer: int, head: int) -> bool:
        v = self.score(role, layer, head)
        return bool(np.isfinite(v) and v >= THRESHOLDS[role])

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {r: _nan_to_none(getattr(self, r)) for r in ROLES}
        out["link_pairs"] = self.link_pairs.tolist()
        out["thresholds"] = dict(THRESHOLDS)
        return out


@dataclass(frozen=True)
class Pick:
    """A head the video zooms into, and why."""

    layer: int  # 0-based
    head: int  # 0-based
    role: str  # the role it was picked for (one of ROLES)
    score: float  # the measured score of that role
    labelled: bool  # the score passes its threshold (else it was a top-up and has no label)


def percent(x: float) -> str:
    """A share as shown: "65%", "99.7%" above 99%, never "100%" unless it is exactly 1."""
    if x >= 0.99 and x < 1.0:
        return f"{min(np.floor(x * 1000) / 10, 99.9):.1f}%"
    return f"{x * 100:.0f}%"


def is_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def head_scores(attentions: np.ndarray, special: Sequence[bool], word_attentions: np.ndarray,
                word_labels: Sequence[str], word_special: Sequence[bool]) -> HeadScores:
    """Score every head. attentions (L, H, n, n) over pieces; word_attentions (L, H, w, w)."""
    A = np.asarray(attentions, dtype=float)
    L, H, n, _ = A.shape
    sp = np.asarray(special, dtype=bool)
    content = [i for i in range(n) if not sp[i]]
    prev_q = [i for i in content if i - 1 >= 0 and not sp[i - 1]]
    next_q = [i for i in content if i + 1 < n and not sp[i + 1]]
    nan = np.full((L, H), np.nan)

    def mean_of(values: np.ndarray, rows: list[int]) -> np.ndarray:  # (L, H, rows) -> (L, H)
        return values.mean(axis=-1) if rows else nan.copy()

    prev = mean_of(A[:, :, prev_q, [i - 1 for i in prev_q]], prev_q)
    nxt = mean_of(A[:, :, next_q, [i + 1 for i in next_q]], next_q)
    own = mean_of(A[:, :, content, content], content)
    sink = mean_of(A[:, :, content][:, :, :, sp].sum(axis=-1), content)

    W = np.asarray(word_attentions, dtype=float)
    w = W.shape[-1]
    ok = [a for a in range(w) if not word_special[a] and is_word(word_labels[a])]
    pairs = [(a, b) for a in ok for b in ok if abs(a - b) >= 2]
    link = nan.copy()
    link_pairs = np.full((L, H, 2), -1, dtype=int)
    if pairs:
        qa = [a for a, _ in pairs]
        kb = [b for _, b in pairs]
        vals = W[:, :, qa, kb]  # (L, H, pairs)
        best = vals.argmax(axis=-1)  # (L, H): first pair of the largest weight
        link = np.take_along_axis(vals, best[..., None], axis=-1)[..., 0]
        link_pairs = np.array(pairs)[best]  # (L, H, 2)
    out = HeadScores(prev=prev, next=nxt, self=own, special=sink, link=link, link_pairs=link_pairs)
    for a in (out.prev, out.next, out.self, out.special, out.link, out.link_pairs):
        a.setflags(write=False)
    return out


def pick_heads(scores: HeadScores) -> list[Pick]:
    """The heads to zoom into (see the module docstring)."""
    L, H = scores.prev.shape
    picks: list[Pick] = []
    taken: set[tuple[int, int]] = set()
    for role in PICK_ORDER:
        if len(picks) >= MAX_PICKS:
            break
        best = _best_free(getattr(scores, role), taken)
        if best is not None and scores.passes(role, *best):
            picks.append(Pick(best[0], best[1], role, scores.score(role, *best), True))
            taken.add(best)
    while len(picks) < min(MIN_PICKS, L * H):  # top up: the highest remaining score of any role
        options = [(scores.score(r, l, h), -k, r, l, h) for k, r in enumerate(PICK_ORDER)
                   for l in range(L) for h in range(H)
                   if (l, h) not in taken and np.isfinite(scores.score(r, l, h))]
        if not options:
            break
        v, _, r, l, h = max(options)
        picks.append(Pick(l, h, r, v, scores.passes(r, l, h)))
        taken.add((l, h))
    return picks


def _best_free(values: np.ndarray, taken: set[tuple[int, int]]) -> Optional[tuple[int, int]]:
    """(layer, head) of the largest finite value not yet taken; ties go to the earlier head."""
    best, where = -np.inf, None
    for l in range(values.shape[0]):
        for h in range(values.shape[1]):
            v = values[l, h]
            if (l, h) not in taken and np.isfinite(v) and v > best:
                best, where = v, (l, h)
    return where


def role_label(role: str, score: float, word_labels: Sequence[str] = (),
               pair: Optional[Sequence[int]] = None) -> str:
    """The on-screen label of a role, with the measured number."""
    p = percent(score)
    if role == "prev":
        return f"{p} of each piece's attention goes to the piece before it, here"
    if role == "next":
        return f"{p} of each piece's attention goes to the piece after it, here"
    if role == "self":
        return f"{p} of each piece's attention stays on itself, here"
    if role == "special":
        return f"{p} of each piece's attention goes to [CLS] / [SEP], here"
    a, b = (int(pair[0]), int(pair[1])) if pair is not None else (-1, -1)
    if a < 0:
        return f"its strongest link between distant words is {p}"
    return f"“{word_labels[a]}” sends {p} of its attention to “{word_labels[b]}”, {abs(a - b)} words away"


def labels_of(scores: HeadScores, layer: int, head: int, word_labels: Sequence[str]) -> list[str]:
    """Every label this head earns (roles passing their thresholds), strongest first."""
    out = []
    for role in sorted(ROLES, key=lambda r: -np.nan_to_num(scores.score(r, layer, head), nan=-1)):
        if scores.passes(role, layer, head):
            out.append(role_label(role, scores.score(role, layer, head), word_labels,
                                  scores.link_pairs[layer, head]))
    return out


def head_for_link(word_attentions: np.ndarray, query: int, key: int) -> tuple[int, int, float]:
    """(layer, head, weight): the head sending most of word `query`'s attention to word `key`."""
    W = np.asarray(word_attentions)[:, :, query, key]  # (L, H)
    l, h = np.unravel_index(int(np.argmax(W)), W.shape)
    return int(l), int(h), float(W[l, h])


def _nan_to_none(a: np.ndarray) -> list:
    return [[None if not np.isfinite(v) else float(v) for v in row] for row in a]
