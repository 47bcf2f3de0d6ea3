"""The numbers of the worked examples the math segment writes out (pure NumPy).

The trace holds every matrix; a worked cell also shows its terms, and a worked softmax row its
exponentials. They are computed here from the trace's arrays, so scenes compute no numbers.
"""

from __future__ import annotations

import numpy as np

EXP_OVERFLOW = 50.0  # beyond ±this score, e^s is shown relative to the row's largest score


def cell_products(a: np.ndarray, b: np.ndarray, i: int, j: int) -> list[float]:
    """The terms a[i, m] * b[m, j] of one cell of a @ b (display only: the cell is the trace's)."""
    return [float(a[i, m] * b[m, j]) for m in range(a.shape[1])]


def exp_row(scaled_row: np.ndarray, mask_row: np.ndarray) -> tuple[np.ndarray, float]:
    """e^(s_j - shift) per key (0 where masked) and the shift: 0, unless the largest unmasked
    score is so large (or so negative) that e^s would not be a readable number, or would
    underflow to 0 (then the row's largest score)."""
    top = float(np.max(np.where(mask_row, -np.inf, scaled_row)))
    shift = top if abs(top) > EXP_OVERFLOW else 0.0
    return np.where(mask_row, 0.0, np.exp(np.where(mask_row, 0.0, scaled_row - shift))), shift
