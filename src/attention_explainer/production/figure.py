"""A print-quality figure of the attention heatmap (SVG or PNG), drawn with pycairo (Manim's own
dependency, so nothing more to install): every weight in its cell, as the video prints it, the
tokens on both axes, "queries (rows)" and "keys (columns)", and a colour bar.

    heatmap_figure(weights, tokens, path, fmt)   writes the figure (atomically)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import cairo
import numpy as np

from attention_explainer.errors import UserError
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.page_data import fmt

VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))  # as the page and video
PNG_SCALE = 4.0  # PNG pixels per point: a 400-point-wide figure is 1600 px (about 300 dpi at 13.5 cm)
CELL = 44.0  # points
FORMATS = ("svg", "png")


class FigureError(UserError):
    """The figure cannot be written."""


def colour(w: float) -> tuple[float, float, float]:
    """The weight's colour (0..1 on viridis), as RGB in 0..1."""
    x = min(1.0, max(0.0, w)) * (len(VIRIDIS) - 1)
    k = min(len(VIRIDIS) - 2, int(math.floor(x)))
    return tuple((a + (b - a) * (x - k)) / 255 for a, b in zip(VIRIDIS[k], VIRIDIS[k + 1]))  # type: ignore[return-value]


def ink(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """Black or white text, whichever contrasts more with `rgb` (WCAG luminance)."""
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return (0.0, 0.0, 0.0) if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else (1.0, 1.0, 1.0)


def font_for(texts: Sequence[str]) -> str:
    """A family with the glyphs of the tokens (cairo's toy text API does not fall back)."""
    joined = "".join(texts)
    if any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in joined):
        return "WenQuanYi Micro Hei"
    if any("\u0900" <= ch <= "\u097f" for ch in joined):
        return "Noto Sans Devanagari"
    return "DejaVu Sans"


def _text(ctx: cairo.Context, text: str, x: float, y: float, size: float, anchor: str = "c",
          bold: bool = False, family: str = "DejaVu Sans") -> float:
    """Draw `text` with its anchor ('c' centre, 'r' right end, 'l' left) at x, its middle at y."""
    ctx.select_font_face(family, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD if bold else cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(size)
    ext = ctx.text_extents(text)
    dx = {"c": -ext.width / 2 - ext.x_bearing, "r": -ext.width - ext.x_bearing, "l": -ext.x_bearing}[anchor]
    ctx.move_to(x + dx, y - ext.height / 2 - ext.y_bearing)
    ctx.show_text(text)
    return ext.width


def _width(ctx: cairo.Context, text: str, size: float, family: str) -> float:
    ctx.select_font_face(family, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(size)
    return ctx.text_extents(text).x_advance


def _draw(ctx: cairo.Context, weights: np.ndarray, tokens: Sequence[str], title: str, family: str,
          layout: dict[str, float]) -> None:
    n, cell, left, top = len(tokens), layout["cell"], layout["left"], layout["top"]
    ctx.set_source_rgb(1, 1, 1)
    ctx.paint()
    ctx.set_source_rgb(0.08, 0.09, 0.11)
    _text(ctx, title, layout["width"] / 2, 22, 15, bold=True, family=family)
    _text(ctx, "rows = queries, columns = keys", layout["width"] / 2, 42, 11, family=family)
    _text(ctx, "keys (columns)", left + n * cell / 2, top - 40, 12, bold=True, family=family)
    for j, tok in enumerate(tokens):  # key labels, turned when they are wide
        ctx.save()
        ctx.translate(left + (j + 0.5) * cell, top - 8)
        if layout["turn"]:
            ctx.rotate(-math.pi / 4)
            _text(ctx, tok, 0, 0, 11, "l", family=family)
        else:
            _text(ctx, tok, 0, -6, 11, family=family)
        ctx.restore()
    ctx.save()
    ctx.translate(18, top + n * cell / 2)
    ctx.rotate(-math.pi / 2)
    _text(ctx, "queries (rows)", 0, 0, 12, bold=True, family=family)
    ctx.restore()
    for i, tok in enumerate(tokens):
        ctx.set_source_rgb(0.08, 0.09, 0.11)
        _text(ctx, tok, left - 8, top + (i + 0.5) * cell, 11, "r", family=family)
        for j in range(n):
            rgb = colour(float(weights[i, j]))
            ctx.rectangle(left + j * cell, top + i * cell, cell, cell)
            ctx.set_source_rgb(*rgb)
            ctx.fill_preserve()
            ctx.set_source_rgb(1, 1, 1)
            ctx.set_line_width(0.75)
            ctx.stroke()
            ctx.set_source_rgb(*ink(rgb))
            _text(ctx, fmt(float(weights[i, j]), 2), left + (j + 0.5) * cell, top + (i + 0.5) * cell,
                  min(12.0, cell * 0.3), family="DejaVu Sans Mono")
    bar_x, bar_h = left + n * cell + 24, n * cell
    steps = 64
    for k in range(steps):  # the colour bar, 1 at the top
        ctx.rectangle(bar_x, top + bar_h * k / steps, 14, bar_h / steps + 0.5)
        ctx.set_source_rgb(*colour(1 - k / steps))
        ctx.fill()
    ctx.set_source_rgb(0.08, 0.09, 0.11)
    for value in (0.0, 0.5, 1.0):
        _text(ctx, fmt(value, 1), bar_x + 20, top + bar_h * (1 - value), 10, "l", family="DejaVu Sans Mono")
    _text(ctx, "weight", bar_x + 7, top - 12, 10, family=family)


def heatmap_figure(weights: np.ndarray, tokens: Sequence[str], path: Path, fmt_: str,
                   title: str = "Attention weights A = softmax(QKᵀ/√d_k)") -> Path:
    """Write the heatmap of `weights` (rows: queries, columns: keys) as SVG or PNG."""
    if fmt_ not in FORMATS:
        raise FigureError(f"--format {fmt_}: a figure is svg or png")
    path = Path(path)
    if path.is_dir():
        raise FigureError(f"{path}: is a directory; give a file name for the figure")
    if path.suffix.lower() != f".{fmt_}":
        raise FigureError(f"{path}: the figure is {fmt_.upper()}; name it *.{fmt_}")
    family = font_for(tokens)
    probe = cairo.Context(cairo.ImageSurface(cairo.FORMAT_ARGB32, 8, 8))
    n = len(tokens)
    cell = CELL if n <= 10 else max(22.0, CELL * 10 / n)
    label_w = max(_width(probe, t, 11, family) for t in tokens)
    turn = label_w > cell - 4
    left, top = 44 + label_w, 72 + (label_w * 0.75 + 12 if turn else 24)
    layout = {"cell": cell, "left": left, "top": top, "turn": float(turn)}
    width = max(left + n * cell + 80, _width(probe, title, 15, family) + 64)
    height = top + n * cell + 24
    layout["width"] = width
    with AtomicFiles() as files:
        tmp = files.temp_for(path)
        if fmt_ == "svg":
            surface = cairo.SVGSurface(str(tmp), width, height)
            _draw(cairo.Context(surface), weights, tokens, title, family, layout)
            surface.finish()
        else:
            surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, int(width * PNG_SCALE), int(height * PNG_SCALE))
            ctx = cairo.Context(surface)
            ctx.scale(PNG_SCALE, PNG_SCALE)
            _draw(ctx, weights, tokens, title, family, layout)
            surface.write_to_png(str(tmp))
        files.commit()
    return path
