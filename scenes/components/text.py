"""Text on screen: numbers as shown (fmt), labels and titles, words (plural, short, "showing k of
n"), wrapping, and the caption band.

Every label is Manim's `Text` (no markup, no LaTeX), so user tokens are drawn exactly as given;
built as glyphs.GlyphText, which reads Pango's SVG with a glyph cache.

Example (a title, a label and a caption)::

    from manim import DOWN, VGroup
    from attention_explainer.scenes.components import DARK, Caption, fmt, label, showing, title
    heading = title("Scores", DARK)
    value = label(fmt(-0.25, 2), DARK, mono=True)          # "−0.25", with a true minus sign
    note = label(showing((7, 16, "tokens")), DARK, 20, DARK.muted).next_to(value, DOWN)
    caption = Caption("Every query meets every key.", DARK)
    picture = VGroup(heading, value, note, caption)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional, Sequence

from manim import DOWN, RIGHT, UP, Rectangle, Text, VGroup, VMobject

from attention_explainer.core.labels import drawable
from attention_explainer.core.slicing import count_shown, shown
from attention_explainer.narration.locale import (  # noqa: F401 (article, short: re-exported)
    MINUS,
    article,
    count_text,
    number_text,
    parse_number,
    short,
)
from attention_explainer.narration.units import join_units, units
from attention_explainer.narration.words import token_text, tr, ui  # noqa: F401 (ui: re-exported)
from attention_explainer.scenes.components.glyphs import GlyphText
from attention_explainer.scenes.components.theme import FONT, MONO, Theme
from attention_explainer.scenes.layout import CAPTION_FLOOR, CAPTION_Y, TITLE_Y, fit_scale

# ------------------------------------------------------------------------------------- numbers
# Numbers and tokens are written in one place, below the scenes, in the lesson language
# (narration/locale.py): the screen shows what the voice says.
NEG_INF = MINUS + "∞"  # a masked score


def fmt(value: float, decimals: int) -> str:
    """A number as shown on screen: fixed decimals, the language's decimal symbol, a true minus
    sign, never "-0.00"."""
    return number_text(value, decimals)


def fmt_big(value: float, decimals: int = 2) -> str:
    """fmt, but huge numbers (e^s of big scores) in scientific notation so they stay short."""
    return number_text(value, decimals)


def parse_shown(text: str) -> float:
    """Inverse of fmt (for tests that read numbers back off the screen)."""
    return parse_number(text)


def relation(value: float, decimals: int) -> str:
    """'=' when the number shown is exact, '≈' when it is rounded."""
    return "=" if abs(value - round(value, decimals)) <= 1e-9 * max(1.0, abs(value)) else "≈"


def tex_number(text: str) -> str:
    """A shown number or relation (fmt output) inside MathTex: plain ASCII minus, \\approx, a
    decimal comma without the space TeX puts after a comma."""
    return text.replace(MINUS, "-").replace("≈", r"\approx").replace("·10^", r"\cdot 10^").replace(",", "{,}")


def paren(text: str) -> str:
    """A shown number inside a product: negatives in parentheses."""
    return f"({text})" if text.startswith(MINUS) else text


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(k: int) -> str:
    """k in subscript digits: 12 -> "₁₂" (for h₁, k₂ in plain Text)."""
    return str(k).translate(_SUBSCRIPTS)


# ------------------------------------------------------------------------------ slices, words
def visible(n: int, limit: int) -> list[Optional[int]]:
    """Indices to show of n items when at most `limit` fit; None marks the ellipsis (the one
    slicing rule, core.slicing.shown, with nothing to keep)."""
    return shown(n, limit)


def showing(*parts: tuple[int, int, str]) -> Optional[str]:
    """What a slice leaves out, in words: showing((7, 9, "tokens"), (3, 3, "heads")) ->
    "showing 7 of 9 tokens" (in the lesson language); None when every part shows all (k == n)."""
    said = [tr("{k} of {n} " + what, k=k, n=n) for k, n, what in parts if k < n]
    return tr("showing {parts}", parts=", ".join(said)) if said else None


def plural(k: int, word: str) -> str:
    """'1 token', '3 tokens' (in the lesson language: the label "token|tokens")."""
    return count_text(k, tr(f"{word}|{word}s"))


def quoted(tokens: Sequence[str], i: int, limit: int = 22) -> str:
    """Token i for a narration line: in quotes, long ones cut, repeated ones numbered."""
    return token_text(tokens, i, limit=limit)


# -------------------------------------------------------------------------------------- labels
LRM, FSI, PDI = "\u200e", "\u2068", "\u2069"  # invisible bidi controls: no glyphs
_RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI"}


def ltr_paragraph(text: str) -> str:
    """`text` ready for Manim's Text if it holds right-to-left letters (Arabic, Hebrew): each line
    becomes LRM + FSI + line + PDI. Manim's Pango canvas right-aligns a right-to-left paragraph
    past its edge, so a short Arabic or Hebrew word came out blank. The left-to-right mark makes
    the paragraph left-aligned; the first-strong isolate lays the line out exactly as a paragraph
    of its own (right to left, punctuation where an Arabic reader expects it). Other text is
    returned unchanged. A line with more left-to-right letters than right-to-left ones (an
    English caption quoting an Arabic token) is isolated left to right (LRI): first-strong made
    “على” attends most to… a right-to-left line, its full stop at the far left."""
    if not any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return text
    return "\n".join(LRM + _isolate(line) + line + PDI for line in text.split("\n"))


LRI = "\u2066"


def _isolate(line: str) -> str:
    """FSI for a line mostly in a right-to-left script, LRI for one mostly left to right."""
    ltr = sum(unicodedata.bidirectional(ch) == "L" for ch in line)
    rtl = sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line)
    return LRI if ltr > rtl else FSI


def label(text: str, theme: Theme, size: float = 28, color: Optional[str] = None, mono: bool = False,
          on_baseline: bool = True) -> Text:
    """Plain text exactly as given (no markup, no LaTeX): safe for user tokens. `.original_text`
    is `text`; right-to-left words get an invisible direction mark (see ltr_paragraph); a flag
    (🇫🇷) is drawn as ⚑ and its letters (no installed font draws flag emoji; see
    core.labels.drawable). `.descent_ratio` and `.xheight_ratio` (see vertical_metrics) place the
    label on a baseline: `baseline_of`, `put_on_baseline`; `on_baseline=False` leaves them out (they
    cost a second Text of the same words) for text never put on a baseline, like a caption's."""
    font = MONO if mono else FONT
    shown = drawable(text)
    t = GlyphText(ltr_paragraph(shown), font=font, font_size=size, color=color or theme.text)
    t.original_text = text
    t.initial_width = t.width  # with Text's initial_height: the check measures a turned label's size
    if on_baseline:
        t.descent_ratio, t.xheight_ratio = vertical_metrics(shown, font)
    return t


@lru_cache(maxsize=4096)
def vertical_metrics(text: str, font: str) -> tuple[float, float]:
    """(depth of the ink below the baseline, height of an "x") as shares of the ink's height.

    Text is cropped to its ink, so "high" (a descender) and "was" (none) set bottom to bottom
    sit on different baselines. Measured once per text and font: the text drawn after an "x",
    whose foot is the baseline. (0, 0) when it cannot be measured (several lines, no ink)."""
    if "\n" in text or not text.strip():
        return 0.0, 0.0
    ref, x = GlyphText(ltr_paragraph("x" + text), font=font, font_size=48), GlyphText("x", font=font, font_size=48)
    if len(ref) < 2 or abs(ref[0].height - x.height) > 0.05 * x.height:
        return 0.0, 0.0  # the first glyph is not the "x" (a shaping surprise): no baseline known
    ink = VGroup(*ref[1:])
    if ink.height <= 1e-6:
        return 0.0, 0.0
    return float((ref[0].get_bottom()[1] - ink.get_bottom()[1]) / ink.height), float(x.height / ink.height)


def baseline_of(mob: VMobject) -> float:
    """y of a label's baseline (its ink's bottom for text that was not measured)."""
    return float(mob.get_bottom()[1] + getattr(mob, "descent_ratio", 0.0) * mob.height)


def put_on_baseline(mob: VMobject, y: float) -> VMobject:
    """Move a label up or down so its baseline is at y."""
    return mob.shift(UP * (y - baseline_of(mob)))


def centre_x_height(mob: VMobject, y: float) -> VMobject:
    """Move a label so the band of its lowercase letters (baseline to x-height) is centred on y:
    labels in a column of rows then share one optical centre, descenders or not."""
    xh = getattr(mob, "xheight_ratio", 0.0) * mob.height
    if xh <= 0:
        return mob.set_y(y)
    return put_on_baseline(mob, y - xh / 2)


def title(text: str, theme: Theme) -> Text:
    """The scene's title (written in English, shown in the lesson language), centred on the
    title line, at most 13 wide."""
    t = label(ui(text), theme, size=36)
    t.move_to(UP * TITLE_Y)
    if t.width > 13:
        t.scale_to_fit_width(13)
    return t


MIN_TOKEN_SIZE = 11.0  # a token label is cut (…) rather than shrunk below this font size (15 px capitals at 1080p)


def token_label(token: str, theme: Theme, size: float, max_width: float, max_height: float,
                color: Optional[str] = None, min_size: float = MIN_TOKEN_SIZE) -> Text:
    """A token's label fitted to a box. Where fitting would shrink it below `min_size` (a 40-letter
    word in a matrix's row labels came out 4 px high), its end is cut with an ellipsis instead, as
    little as keeps it readable; `.token` is the whole token."""
    t = fit(label(token, theme, size, color), max_width, max_height)
    keep = len(token)
    while t.font_size < min_size - 1e-6 and keep > 2:
        keep = max(2, min(keep - 1, int(keep * t.font_size / min_size)))
        t = fit(label(token[:keep - 1] + "…", theme, size, color), max_width, max_height)
    t.token = token
    return t


def fit(mob: VMobject, max_width: float, max_height: float) -> VMobject:
    """Shrink (never grow) a mobject to fit max_width × max_height (it does not move)."""
    s = fit_scale(mob, max_width, max_height)
    if s < 1:
        mob.scale(s)
    return mob


def slim(mob: VMobject) -> VMobject:
    """Drop the parsed SVG paths that Text and MathTex glyphs keep after their points are built.

    Nothing reads them once the outline exists, but every animation deep-copies its mobject, and
    copying them made each copy 5-8x slower. ExplainerScene.play applies this to every animation.
    """
    for m in mob.get_family():
        if getattr(m, "path_obj", None) is not None:
            m.path_obj = None
    return mob


def note(text: str, theme: Theme, size: float = 20, color: Optional[str] = None,
         max_width: float = 13.0) -> VGroup:
    """A one-line muted remark (e.g. "showing 8 of 16 tokens"), slimmed and fitted."""
    return slim(VGroup(fit(label(text, theme, size, color or theme.muted), max_width, 0.6)))


def text_line(parts: Sequence[tuple[str, str, bool]], theme: Theme, size: float) -> VGroup:
    """Pieces of text (text, colour, mono) in one line; user tokens stay plain Text."""
    return VGroup(*[label(t, theme, size, color, mono=mono) for t, color, mono in parts]).arrange(RIGHT, buff=0.14)


# ------------------------------------------------------------------------------------ wrapping
def wrap_words(text: str, chars: int, cut: bool = True) -> list[str]:
    """Greedy wrapping at spaces into lines of at most `chars` characters. A word longer than a
    line is cut into pieces (cut=True) or left whole on a line of its own (cut=False)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while cut and len(word) > chars:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:chars])
            word = word[chars:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= chars:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def chars_per_line(width: float, size: float) -> int:
    """A rough count of characters of the sans font at `size` that fit in `width`."""
    return max(8, int(width / (size * 0.0115)))


def text_block(lines: Sequence[str], theme: Theme, size: float, buff: float, max_width: float,
               max_height: float, color: Optional[str] = None) -> VGroup:
    """Lines of plain text, centred under each other, shrunk to fit the box."""
    group = VGroup(*[label(line, theme, size, color) for line in lines]).arrange(DOWN, buff=buff)
    return fit(group, max_width, max_height)


def wrap_lines(text: str, theme: Theme, size: float, max_width: float, max_height: float,
               max_lines: int = 3, color: Optional[str] = None, min_size: float = 20) -> VGroup:
    """User text as centred lines (Text only), wrapped at spaces; the font steps down from `size`
    (to `min_size` at least) until the lines fit the box, then the group is shrunk if still needed."""
    if len(text) <= 60:
        one = label(text, theme, size, color)
        if one.width <= max_width and one.height <= max_height:
            return VGroup(one)
    # Measure on a sample: Pango itself wraps a very long Text at a width that depends on the
    # render quality, so the whole line cannot be measured reliably.
    sample = label(text[:60].strip() or text, theme, size, color)
    per_char = sample.width / max(len(text[:60].strip()), 1) / size  # per unit of font size
    line_h = sample.height / size * 1.3  # line pitch per unit of font size (with the gap)
    s = size
    while True:
        lines = wrap_words(text, max(8, int(max_width / (per_char * s))))
        if (len(lines) <= max_lines and len(lines) * line_h * s <= max_height) or s <= min_size:
            break
        s = max(min_size, s * 0.9)
    return text_block(lines, theme, s, 0.3 * line_h * s, max_width, max_height, color)


def narration_chunks(text: str, max_words: int = 20) -> list[str]:
    """Split a long user line into caption-sized pieces: whole sentences joined while they fit in
    max_words; a longer sentence cut into equal parts."""
    pieces: list[str] = []
    joinable = False  # whether the last piece is whole sentences (so another may join it)
    for sent in (p for p in re.split(r"(?<=[.!?…])\s+", text.strip()) if p):
        words = sent.split()
        if len(words) <= max_words:
            if joinable and len(pieces[-1].split()) + len(words) <= max_words:
                pieces[-1] += " " + sent
            else:
                pieces.append(sent)
            joinable = True
            continue
        parts = -(-len(words) // max_words)
        size = -(-len(words) // parts)
        pieces += [" ".join(words[k:k + size]) for k in range(0, len(words), size)]
        joinable = False
    return pieces or [text]


def halves(text: str) -> list[str]:
    """Two lines split at the space (between characters in Chinese and Japanese) nearest the
    middle of the text (one line if it cannot be split)."""
    parts = units(text)
    if len(parts) < 2:
        return [text]
    best = min(range(1, len(parts)), key=lambda k: abs(len(join_units(parts[:k])) - len(text) / 2))
    return [join_units(parts[:best]), join_units(parts[best:])]


# ------------------------------------------------------------------------------------- caption
class Caption(VGroup):
    """One narration line at the bottom of the frame, on a translucent band."""

    def __init__(self, text: str, theme: Theme, size: float = 24) -> None:
        super().__init__()
        words = label(text, theme, size, on_baseline=False)
        if words.width > 12.6:  # wrap into two lines at the word nearest the middle
            words = VGroup(*[label(line, theme, size, on_baseline=False) for line in halves(text)])
            words.arrange(DOWN, buff=0.1)
            fit(words, 12.6, 0.82)  # the band then spans CAPTION_FLOOR to about CAPTION_TOP
        band = Rectangle(width=min(words.width + 0.5, 14.2), height=words.height + 0.24, stroke_width=0,
                         fill_color=theme.caption_bg, fill_opacity=0.55)
        self.add(band, words)
        self.move_to([0, CAPTION_Y, 0])
        if self.get_bottom()[1] < CAPTION_FLOOR:
            self.shift(UP * (CAPTION_FLOOR - self.get_bottom()[1]))
