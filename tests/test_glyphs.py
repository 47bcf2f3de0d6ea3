"""GlyphText (scenes/components/glyphs.py) builds the same Text as Manim's own SVG reader: every
glyph's outline, fill and stroke, for the scripts, fonts, sizes and colours the lesson draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from manim import Text, tempconfig

from attention_explainer.scenes.components.glyphs import GlyphText, read_pango_svg
from attention_explainer.scenes.components.theme import FONT, MONO

SAMPLES = ["Every query meets every key; each row of A sums to 1.", "The cat sat", "x", "−0.25", "3 × 3",
           "我喜欢吃苹果。", "私は猫が好きです。", "\u200e\u2068جلست القطة\u2069", "बिल्ली चटाई पर बैठी", "แมวนั่งบนเสื่อ",
           "I ❤️ my 🐈 👍🏽", "Pay $5 + 3.14 % = 42 #1 @ home", "line one\nline two", "  spaced  ", " ", ""]
STATE = ("points", "fill_rgbas", "stroke_rgbas", "background_stroke_rgbas", "stroke_width",
         "background_stroke_width")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("glyph-media")


@pytest.mark.parametrize("font,size,color", [(FONT, 24, None), (FONT, 11, "#8A93A6"), (MONO, 36.5, "#ECEFF4")])
def test_glyph_text_is_manims_text(media: Path, font: str, size: float, color: str | None) -> None:
    kwargs = {"font": font, "font_size": size, **({"color": color} if color else {})}
    with tempconfig({"media_dir": str(media)}):
        for s in SAMPLES:
            ours, manims = GlyphText(s, **kwargs), Text(s, **kwargs)
            assert len(ours.submobjects) == len(manims.submobjects), s
            for a, b in zip(ours.family_members_with_points(), manims.family_members_with_points(), strict=True):
                for name in STATE:
                    assert np.allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-9), (s, name)
            assert np.allclose([ours.width, ours.height], [manims.width, manims.height], rtol=0, atol=1e-9), s
            assert ours.original_text == manims.original_text and ours.text == manims.text


def test_pango_files_take_the_glyph_path(media: Path) -> None:
    """The fast reader reads what Pango writes (it is not silently falling back to Manim's)."""
    with tempconfig({"media_dir": str(media)}):
        for s in SAMPLES[:-2]:
            assert read_pango_svg(str(Text(s, font=FONT, font_size=24).get_file_path())), s


def test_other_svg_falls_back_to_manim(media: Path) -> None:
    """A file in another shape (a transform, a root style, a stroke) is left to Manim's reader."""
    with tempconfig({"media_dir": str(media)}):
        svg = Path(Text("Odd", font=FONT, font_size=24).get_file_path()).read_text(encoding="utf-8")
    for odd in [svg.replace("<g style=", '<g transform="scale(2)" style=', 1),
                svg.replace("<svg ", '<svg fill="red" ', 1),
                svg.replace('style="stroke:none;"', 'style="stroke:red;"', 1)]:
        assert odd != svg
        path = media / "odd.svg"
        path.write_text(odd, encoding="utf-8")
        assert read_pango_svg(str(path)) is None
