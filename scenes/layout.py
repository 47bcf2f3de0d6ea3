"""Where things go on the frame (14.2 × 8 units, origin in the middle), in one place.

    y  3.55  TITLE_Y         the title line
       2.90  SAFE.top        content band: everything a scene draws sits in SAFE
      -2.75  SAFE.bottom
      -2.90  CAPTION_TOP     only the caption goes below this line
      -3.45  CAPTION_Y       the caption band (kept above CAPTION_FLOOR)

A scene that wants a little more margin than SAFE says so with `SAFE.inset(...)`, so every
margin is measured from the one safe area. Scene changes fade a background-coloured `cover`
over the content instead of fading the content itself (one rectangle to copy, not every glyph).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from manim import Mobject, Rectangle

FRAME_X = 7.1  # |x| of the frame's usable edge (the frame is 14.22 wide)
TITLE_Y = 3.55  # y of the title line
CAPTION_Y = -3.45  # centre of the caption band
CAPTION_FLOOR = -3.88  # a two-line caption is lifted to stay above this (the check's safe area: 0.1 from the edge)
CAPTION_TOP = -2.9  # nothing but the caption below this line
COVER_TOP = 2.93  # a scene change covers everything below this line (titles above it stay)


@dataclass(frozen=True)
class Box:
    """A rectangle of the frame, by its edges."""

    left: float
    right: float
    top: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def mid_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2

    def inset(self, x: float = 0.0, top: float = 0.0, bottom: float = 0.0) -> "Box":
        """The box with `x` off both sides and `top`/`bottom` off those edges."""
        return Box(self.left + x, self.right - x, self.top - top, self.bottom + bottom)

    def place(self, mob: Mobject, grow: float = 1.0) -> Mobject:
        """Scale `mob` to fit (shrinking as needed, growing at most `grow`) and centre it here."""
        mob.scale(min(grow, self.width / max(mob.width, 1e-6), self.height / max(mob.height, 1e-6)))
        return mob.move_to([self.mid_x, self.mid_y, 0])


SAFE = Box(left=-6.85, right=6.85, top=2.9, bottom=-2.75)  # the content band
OUTSIDE_CAPTION = Box(left=-FRAME_X, right=FRAME_X, top=4.0, bottom=CAPTION_TOP)  # all but the caption stays here
CONTENT_TOP, CONTENT_BOTTOM = SAFE.top, SAFE.bottom
MID_Y = SAFE.mid_y


def cover(background: str, mob: Optional[Mobject] = None, pad: float = 0.05) -> Rectangle:
    """A background-coloured rectangle over `mob` (padded), or over the whole content band below
    COVER_TOP. Fading it in hides what is under it; fading it out reveals it. Looks the same as
    fading the content on the solid background, and copies one rectangle instead of every glyph."""
    if mob is None:
        box = Rectangle(width=15.0, height=COVER_TOP + 4.2).move_to([0, (COVER_TOP - 4.2) / 2, 0])
    else:
        box = Rectangle(width=mob.width + 2 * pad, height=mob.height + 2 * pad).move_to(mob)
    return box.set_stroke(width=0).set_fill(background, opacity=1)
