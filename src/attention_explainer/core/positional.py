"""Sinusoidal positional encoding of the original Transformer paper (Vaswani et al., 2017).

    PE[pos, 2i]     = sin(pos / 10000^(2i / d_model))
    PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))

Positions count from 0. Every value lies in [-1, 1]. Pure NumPy, no other project import, so
attention.py can use it.
"""

from __future__ import annotations

import numpy as np

PE_BASE = 10000.0  # the paper's wavelength base


def sinusoidal_encoding(n: int, d_model: int, base: float = PE_BASE) -> np.ndarray:
    """(n, d_model): one row per position 0..n-1. An odd d_model ends on a sine column."""
    pos = np.arange(n, dtype=np.float64)[:, None]  # (n, 1)
    two_i = (np.arange(d_model) // 2 * 2).astype(np.float64)[None, :]  # (1, d_model): 0,0,2,2,4,...
    angle = pos / base ** (two_i / d_model)  # (n, d_model)
    even = (np.arange(d_model) % 2 == 0)[None, :]
    return np.where(even, np.sin(angle), np.cos(angle))


def wavelengths(d_model: int, base: float = PE_BASE) -> np.ndarray:
    """(d_model,): the period in positions of each column, 2π · base^(2i/d_model)."""
    two_i = (np.arange(d_model) // 2 * 2).astype(np.float64)
    return 2 * np.pi * base ** (two_i / d_model)
