"""Themes (dark, light), fonts and the LaTeX template.

Okabe–Ito colours (distinguishable with the common colour-vision deficiencies): Q blue, K orange,
V bluish green, weights reddish purple. Heat colours use viridis (see heat.py), perceptually
uniform and colour-blind safe, light = high weight.

Example (a swatch of the dark theme's roles)::

    from manim import RIGHT, Square, VGroup
    from attention_explainer.scenes.components import DARK
    picture = VGroup(*[Square(0.6, fill_color=c, fill_opacity=1, stroke_width=0)
                       for c in (DARK.q, DARK.k, DARK.v, DARK.weight, DARK.accent)]).arrange(RIGHT)
"""

from __future__ import annotations

from dataclasses import dataclass

from manim import TexTemplate

from attention_explainer.system.tex import TEX_DOCUMENTCLASS, TEX_PREAMBLE

VIRIDIS = ["#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"]
FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"


@dataclass(frozen=True)
class Theme:
    """Colours of one theme. Scenes use these names, never raw colours."""

    name: str
    background: str
    text: str
    muted: str  # secondary text, grid lines, brackets
    panel: str  # token boxes and cell backgrounds
    q: str
    k: str
    v: str
    x: str  # embeddings
    weight: str  # attention weights / A
    accent: str  # the thing being explained right now (highlight boxes)
    caption_bg: str


DARK = Theme(
    name="dark", background="#111318", text="#ECEFF4", muted="#8A93A6", panel="#1F2430",
    q="#56B4E9", k="#E69F00", v="#2BB58E", x="#D7DCE5", weight="#CC79A7", accent="#F0E442",
    caption_bg="#000000",
)
LIGHT = Theme(
    # Okabe-Ito hues darkened until text in them reaches WCAG AA (4.5:1) on the background, the
    # panel and a lit node's tint (`attention-explainer check` measures it); the originals were
    # 2.5-4.3:1 on the panel.
    name="light", background="#FAFAF7", text="#1B1F27", muted="#595E6A", panel="#E8EAEE",
    q="#00649D", k="#8F4E00", v="#006D55", x="#2E3440", weight="#8C4477", accent="#9D4500",
    caption_bg="#FFFFFF",
)
THEMES = {"dark": DARK, "light": LIGHT}


def tex_template() -> TexTemplate:
    """Article-class template (no texlive-latex-extra needed); see attention_explainer.system.tex."""
    return TexTemplate(documentclass=TEX_DOCUMENTCLASS, preamble=TEX_PREAMBLE)
