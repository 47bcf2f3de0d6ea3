"""What the check measures on screen (scenes/checking.py applies the rules): pixels at 1080p, WCAG
luminance and contrast, text heights and baselines, ink and glyph boxes, opacities. Manim and
NumPy only, so components (heat.py's ink colour) can use the same measures as the check.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

import numpy as np
from manim import Circle, ManimColor, MarkupText, Mobject, Paragraph, Polygram, SingleStringMathTex, Text

FRAME_W, FRAME_H = 14.0 + 2.0 / 9.0, 8.0  # Manim's frame in units (16:9)
PX = 1080 / FRAME_H  # pixels per unit at 1080p
OVERLAP_TOL = 0.02  # units (2.7 px): ink boxes that touch this little do not count as overlapping
TEXT_TYPES: tuple[type, ...] = (Text, MarkupText, Paragraph, SingleStringMathTex)
BOX_TYPES: tuple[type, ...] = (Polygram, Circle)


def px_box(lo: np.ndarray, hi: np.ndarray) -> str:
    """A box in pixels at 1080p, origin top-left: 'x 812-1020, y 540-580 px'."""
    x0, x1 = (lo[0] + FRAME_W / 2) * PX, (hi[0] + FRAME_W / 2) * PX
    y0, y1 = (FRAME_H / 2 - hi[1]) * PX, (FRAME_H / 2 - lo[1]) * PX
    return f"x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f} px"


def luminance(rgb: np.ndarray) -> float:
    """WCAG relative luminance of an sRGB colour (components 0..1)."""
    c = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast(a: np.ndarray, b: np.ndarray) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgb(color: Any) -> np.ndarray:
    return np.asarray(ManimColor(color).to_rgb(), dtype=float)


@lru_cache(maxsize=1)
def cap_height_per_font_size() -> float:
    """Units of capital-letter height per unit of Manim font size (measured on an 'H')."""
    return Text("H", font="DejaVu Sans", font_size=100).height / 100


def cap_height_px(text: Mobject) -> Optional[float]:
    """Capital-letter height of a text at 1080p from its font size (scaling included); a label
    rotated by 90° is measured across its width (label() keeps its unrotated width)."""
    try:
        size = float(text.font_size)  # type: ignore[attr-defined]
    except (AttributeError, ZeroDivisionError, TypeError):
        return None
    w0 = getattr(text, "initial_width", None)
    h0 = getattr(text, "initial_height", None)
    if w0 and h0 and text.width > 0 and text.height > 0:
        # sqrt(h*w / (h0*w0)) is the scale whatever the rotation by a multiple of 90°.
        scale = float(np.sqrt(text.height * text.width / (h0 * w0)))
        size = size * scale / (text.height / h0)
    return size * cap_height_per_font_size() * PX


def text_name(m: Mobject) -> str:
    """How a finding names a mobject: its kind (a Text is a Text however it was built) and words."""
    kind = "Text" if isinstance(m, Text) else type(m).__name__
    s = getattr(m, "original_text", None) or getattr(m, "tex_string", None) or getattr(m, "text", None)
    if not isinstance(s, str):
        return kind
    s = " ".join(s.split())
    return f"{kind} '{s[:40]}{'…' if len(s) > 40 else ''}'"


def baseline(text: Mobject) -> Optional[float]:
    """y of a label's baseline: from the ink's bottom and the share of its height below the
    baseline that the label measured when made (`descent_ratio`), else the ink's bottom."""
    if not text.get_family() or text.height <= 0:
        return None
    return float(text.get_bottom()[1] + getattr(text, "descent_ratio", 0.0) * text.height)


def is_cover(m: Mobject, background: np.ndarray) -> bool:
    """An opaque shape of the background's colour (a scene change's cover), without a stroke."""
    if not isinstance(m, BOX_TYPES) or float(m.get_fill_opacity()) < 0.99:
        return False
    if float(getattr(m, "stroke_width", 0) or 0) > 0 and float(m.get_stroke_opacity()) > 0.01:
        return False
    return bool(np.allclose(rgb(m.get_fill_color()), background, atol=1 / 255))


def ink_opacity(m: Mobject) -> float:
    fill = float(m.get_fill_opacity()) if hasattr(m, "get_fill_opacity") else 0.0
    stroke = 0.0
    if hasattr(m, "get_stroke_opacity") and float(getattr(m, "stroke_width", 0) or 0) > 0:
        stroke = float(m.get_stroke_opacity())
    return max(fill, stroke)


def bounds(m: Mobject) -> tuple[np.ndarray, np.ndarray]:
    pts = [f.points for f in m.get_family() if f.has_points()]
    if not pts:
        c = m.get_center()
        return c, c
    allp = np.concatenate(pts)
    return allp.min(0), allp.max(0)


def glyph_boxes(m: Mobject) -> list[np.ndarray]:
    return [np.concatenate([f.points.min(0)[:2], f.points.max(0)[:2]]) for f in m.get_family() if f.has_points()]


def glyphs_meet(a: Mobject, b: Mobject) -> bool:
    """Some glyph of `a` overlaps some glyph of `b` by more than OVERLAP_TOL both ways."""
    ga, gb = np.array(glyph_boxes(a)), np.array(glyph_boxes(b))
    if not len(ga) or not len(gb):
        return False
    ox = np.minimum(ga[:, None, 2], gb[None, :, 2]) - np.maximum(ga[:, None, 0], gb[None, :, 0])
    oy = np.minimum(ga[:, None, 3], gb[None, :, 3]) - np.maximum(ga[:, None, 1], gb[None, :, 1])
    return bool(np.any((ox > OVERLAP_TOL) & (oy > OVERLAP_TOL)))


def drawn_within(a: Mobject, b: Mobject, tol: float = 0.01) -> bool:
    """Every glyph of `a` has a glyph of `b` with the same box: `a` adds nothing visible."""
    theirs = glyph_boxes(b)
    if not theirs:
        return False
    stack = np.array(theirs)
    return all(np.any(np.all(np.abs(stack - g) < tol, axis=1)) for g in glyph_boxes(a))


def blend(top: np.ndarray, under: np.ndarray, alpha: float) -> np.ndarray:
    return top * alpha + under * (1 - alpha)


def text_colours(m: Mobject, lit_only: bool = False) -> list[tuple[np.ndarray, float]]:
    """The distinct (fill colour, opacity) pairs of a text's glyphs (each glyph's first fill, as
    get_fill_color gives it), in the order first seen; with `lit_only`, of those at full opacity
    only (a dimmed formula whose parts light up one by one)."""
    firsts = [_first_fill(f) for f in m.get_family() if f.has_points()]
    rows = np.array(firsts, dtype=float).reshape(-1, 4)
    rows = rows[(rows[:, 3] > 0.01) & (rows[:, 3] >= 0.99 if lit_only else True)]
    if not len(rows):
        return [] if lit_only else [(rgb(m.get_color()), 1.0)]
    _, first = np.unique(np.round(rows, 3), axis=0, return_index=True)
    return [(rows[i, :3].copy(), float(rows[i, 3])) for i in sorted(first)]


def _first_fill(m: Mobject) -> np.ndarray:
    """RGBA of a mobject's first fill colour (its fill_rgbas row, read without making colours)."""
    rgbas = getattr(m, "fill_rgbas", None)
    if rgbas is not None and len(rgbas):
        return np.asarray(rgbas[0], dtype=float)
    return np.append(rgb(m.get_fill_color()), float(m.get_fill_opacity()))


def caption_lines(cap: Mobject) -> int:
    """Lines of a Caption (band + words): its Text objects, a Text of several lines counted by
    its height against one line's."""
    texts = [f for f in cap.get_family() if isinstance(f, TEXT_TYPES) and f.has_points() or
             (isinstance(f, TEXT_TYPES) and f.submobjects)]
    if not texts:
        return 0
    lines = 0
    for t in texts:
        one = cap_height_per_font_size() * float(getattr(t, "font_size", 24) or 24)
        lines += max(1, int(t.height / (one * 2.2)) + 1) if t.height > one * 2.4 else 1
    return lines
