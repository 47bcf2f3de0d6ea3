"""Small drawing helpers shared by the optional segments (causal_mask, scaling, multi_head,
positional_encoding). No attention maths here: only layout and speed."""

from __future__ import annotations

from typing import Optional

from manim import VGroup

from attention_explainer.scenes.components import Theme, fit, label, slim

def short(token: str, limit: int = 18) -> str:
    """A token for a narration line or a tight label: long ones are cut with an ellipsis."""
    return token if len(token) <= limit else token[: limit - 1] + "…"


def note(text: str, theme: Theme, size: float = 20, color: Optional[str] = None,
         max_width: float = 13.0) -> VGroup:
    """A one-line muted remark (e.g. "showing 8 of 16 tokens"), slimmed and fitted."""
    return slim(VGroup(fit(label(text, theme, size, color or theme.muted), max_width, 0.6)))


def plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def article(k: int) -> str:
    """"a" or "an" before a number said aloud: an 8, an 11, an 18, an 80…, a 16."""
    return "an" if str(k).startswith("8") or k in (11, 18) else "a"
