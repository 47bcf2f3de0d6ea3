"""`GlyphText`: Manim's `Text`, its Pango SVG read with a glyph cache.

Manim turns a Text's SVG into shapes with svgelements, which parses every glyph's outline again
wherever the glyph is used, then converts it segment by segment: about 90% of a Text's build
time (a 70-character caption took 0.15 s), and most of a `check` build's. Pango writes each glyph
once (`<symbol><path d=…>`) and places it with `<use x= y=>`; this reads that file with
ElementTree, converts each distinct outline once per process (with Manim's own converter) and
places a copy per use. Everything after (closing the outlines, the scale, colours) is Text's own
code. A file in any other shape (a transform, an image, a stroked path, the OpenGL renderer) is
read by Manim as before. tests/test_glyphs.py compares both readers, glyph by glyph.

Example::

    from attention_explainer.scenes.components.glyphs import GlyphText
    t = GlyphText("Every query meets every key.", font="DejaVu Sans", font_size=24)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Optional

import numpy as np
import svgelements as se
from manim import RIGHT, Text, VMobject, config
from manim.constants import RendererType
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

SVG, XLINK = "{http://www.w3.org/2000/svg}", "{http://www.w3.org/1999/xlink}"
_STYLE = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_GROUP_STYLE = {"fill", "fill-opacity"}


class Glyph(VMobject):
    """One placed glyph of a GlyphText: its outline (no parsed SVG path is kept)."""


class GlyphText(Text):
    """Manim's Text, built with the glyph cache where Pango's SVG has its usual shape."""

    def generate_mobject(self) -> "GlyphText":
        glyphs = None if config.renderer != RendererType.CAIRO else read_pango_svg(str(self.get_file_path()))
        if glyphs is None:
            return super().generate_mobject()  # type: ignore[return-value]
        self.add(*glyphs)
        self.id_to_vgroup_dict = {}
        self.flip(RIGHT)  # SVG's y runs down
        return self


def read_pango_svg(path: str) -> Optional[list[Glyph]]:
    """The glyphs of a Pango SVG in drawing order, placed and coloured as Manim's reader places
    them; None if the file holds anything else than glyph symbols and their uses."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    if set(root.attrib) - {"width", "height", "viewBox", "version"}:
        return None  # a root style (Manim would apply it); Manim drops the size and viewBox
    outlines: dict[str, str] = {}
    uses: list[tuple[str, float, float, dict[str, str]]] = []
    if not _walk(root, {}, outlines, uses, in_defs=False):
        return None
    glyphs = []
    for ref, x, y, style in uses:
        d = outlines.get(ref)
        if d is None or "fill" not in style:
            return None
        local = _outline(d)
        if not len(local):
            continue  # a space: Manim drops shapes without points
        glyph = _styled(style["fill"], style.get("fill-opacity", "1")).copy()
        glyph.points = local + np.array([x, y, 0.0])
        glyphs.append(glyph)
    return glyphs


def _walk(node: ET.Element, style: dict[str, str], outlines: dict[str, str],
          uses: list[tuple[str, float, float, dict[str, str]]], in_defs: bool) -> bool:
    """Collect symbols and uses below `node`; False at anything unexpected."""
    for child in node:
        tag = child.tag
        if tag == SVG + "defs":
            if not _walk(child, style, outlines, uses, in_defs=True):
                return False
        elif tag == SVG + "g":
            if "transform" in child.attrib or set(child.attrib) - {"id", "style"}:
                return False
            inner = dict(style)
            for key, value in _STYLE.findall(child.get("style", "")):
                if key not in _GROUP_STYLE:
                    return False
                inner[key] = value
            if not _walk(child, inner, outlines, uses, in_defs):
                return False
        elif tag == SVG + "symbol" and in_defs:
            paths = list(child)
            if (len(paths) != 1 or paths[0].tag != SVG + "path" or len(paths[0]) or
                    set(paths[0].attrib) - {"style", "d"} or paths[0].get("style", "stroke:none;") != "stroke:none;"):
                return False
            outlines[child.get("id", "")] = paths[0].get("d", "")
        elif tag == SVG + "use" and not in_defs:
            if set(child.attrib) - {XLINK + "href", "x", "y"}:
                return False
            uses.append((child.get(XLINK + "href", "").lstrip("#"), float(child.get("x", 0)),
                         float(child.get("y", 0)), style))
        else:
            return False
    return True


@lru_cache(maxsize=8192)
def _outline(d: str) -> np.ndarray:
    """A glyph's outline as Manim's cubic points, in the symbol's own units (read only)."""
    points = VMobjectFromSVGPath(se.Path(d)).points if d.strip() else np.zeros((0, 3))
    points.setflags(write=False)
    return points


@lru_cache(maxsize=256)
def _styled(fill: str, opacity: str) -> Glyph:
    """An empty glyph styled as Manim styles an SVG shape with this fill (copied per use: a copy
    costs a fifth of a new VMobject and its styling)."""
    colour = se.Color(fill)
    glyph = Glyph()
    glyph.set_style(stroke_width=0, stroke_color=None, stroke_opacity=None, fill_color=colour.hexrgb,
                    fill_opacity=float(opacity) * (colour.opacity or 0.0))
    return glyph
