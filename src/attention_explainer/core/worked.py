"""The numbers of the worked examples the math segment writes out (pure NumPy).

The trace holds every matrix; a worked cell also shows its terms, and a worked softmax row its
exponentials. They are computed here from the trace's arrays, so scenes compute no numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np

EXP_OVERFLOW = 50.0  # beyond ±this score, e^s is shown relative to the row's largest score


def cell_products(a: np.ndarray, b: np.ndarray, i: int, j: int) -> list[float]:
    """The terms a[i, m] * b[m, j] of one cell of a @ b (display only: the cell is the trace's)."""
    return [float(a[i, m] * b[m, j]) for m in range(a.shape[1])]


def exp_row(scaled_row: np.ndarray, mask_row: np.ndarray) -> tuple[np.ndarray, float]:
    """e^(s_j - shift) per key (0 where masked) and the shift: 0, unless the largest unmasked
    score is so large that e^s would not be a readable number, or below 0 (then every e^s is
    below 1 and might round to 0.00, or underflow): then the row's largest score, so the largest
    e^s is 1 and their sum at least 1."""
    top = float(np.max(np.where(mask_row, -np.inf, scaled_row)))
    shift = top if abs(top) > EXP_OVERFLOW or top < 0 else 0.0
    return np.where(mask_row, 0.0, np.exp(np.where(mask_row, 0.0, scaled_row - shift))), shift


# ------------------------------------------------------------------ the softmax row, by hand
SCORE_DECIMALS = 2  # a worked score shows at least this many decimals (more at a higher precision)
WEIGHT_DECIMALS = 2  # worked weights (as the narration says them)
EXP_DECIMALS = 2  # e^s and their sum (3 significant digits from BIG on, as fmt_big writes them)
BIG = Decimal(10) ** 5


def rounded(x: Decimal, decimals: int) -> Decimal:
    """x to `decimals` places, halves away from zero (as a hand check rounds)."""
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def rounded_big(x: Decimal, decimals: int = EXP_DECIMALS) -> Decimal:
    """x as the screen writes it: `decimals` places, or from BIG on `decimals` places of the
    mantissa in scientific notation (1.23·10^7)."""
    if abs(x) < BIG:
        return rounded(x, decimals)
    exp = x.adjusted()
    return rounded(x.scaleb(-exp), decimals).scaleb(exp)


@dataclass(frozen=True)
class SoftmaxByHand:
    """One softmax row as the screen works it, every number one a viewer can check by hand.

    s (the scaled scores) are rounded to `s_decimals`; e_j = e^(s_j − shift) computed from the
    ROUNDED s (and rounded shift), rounded to EXP_DECIMALS; total = the exact sum of the shown
    e_j (`total_exact` tells whether writing it needs rounding: then it is shown with '≈');
    w_j = e_j / total, rounded to WEIGHT_DECIMALS. Masked keys: s = −∞, e = 0, w = 0. The weights
    of the heatmap and of the export stay the trace's exact ones; these are the hand check.
    """

    s: tuple[Decimal, ...]
    e: tuple[Decimal, ...]
    w: tuple[Decimal, ...]
    total: Decimal  # the sum of e, as written on screen and said
    total_exact: bool  # the written total is the exact sum of the written e^s
    weight_sum: Decimal  # the sum of the written weights (1 up to rounding)
    shift: Decimal  # e^s is relative to this (0: plain e^s)
    mask: tuple[bool, ...]
    s_decimals: int
    w_decimals: int


def softmax_by_hand(scaled_row: np.ndarray, mask_row: np.ndarray, precision: int) -> SoftmaxByHand:
    """The worked softmax row of one query (see SoftmaxByHand), at display `precision`."""
    ds, dw = max(precision, SCORE_DECIMALS), WEIGHT_DECIMALS
    mask = tuple(bool(m) for m in mask_row)
    # s as the scaled matrix writes it (fmt: the float's exact value, rounded half to even)
    s = tuple(Decimal(0) if m else Decimal(float(v)).quantize(Decimal(1).scaleb(-ds), rounding=ROUND_HALF_EVEN)
              for v, m in zip(scaled_row, mask))
    _, shift_f = exp_row(np.asarray(scaled_row, dtype=float), np.asarray(mask_row, dtype=bool))
    top = max((v for v, m in zip(s, mask) if not m), default=Decimal(0))
    shift = top if shift_f != 0 and top != 0 else Decimal(0)  # the largest shown score, itself shown
    e = tuple(Decimal(0) if m else rounded_big((v - shift).exp()) for v, m in zip(s, mask))
    exact = sum(e, Decimal(0))
    total = rounded_big(exact)
    if total == 0:  # cannot happen with a shown score ≥ 0 or a shift; kept as a guard
        raise ValueError("every e^s rounds to 0: the row needs a shift")
    w = tuple(Decimal(0) if m else rounded(v / total, dw) for v, m in zip(e, mask))
    return SoftmaxByHand(s=s, e=e, w=w, total=total, total_exact=total == exact,
                         weight_sum=sum(w, Decimal(0)), shift=shift, mask=mask, s_decimals=ds, w_decimals=dw)
