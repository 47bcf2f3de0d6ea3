"""Where things go on the frame (14.2 × 8 units, origin in the middle), in one place.

    y  3.55  TITLE_Y         the title line (every scene's title, and the math steps' titles)
       2.90  SAFE.top        content band: everything a scene draws sits in SAFE
       2.55  SUBTITLE_Y      a sub-heading under the title (inside SAFE)
      -2.75  SAFE.bottom
      -2.90  CAPTION_TOP     only the caption goes below this line
      -3.45  CAPTION_Y       the caption band (kept above CAPTION_FLOOR)

A scene asks a `Box` (a region of the frame) to place a part, and takes regions from the one safe
area instead of computing edges by hand:

    SAFE.place(grid, grow=1.3)                  # scale to fit (grow at most 1.3×) and centre
    SAFE.inset(x=0.2).place(panel, edge=RIGHT)  # ... against the right edge
    left, right = SAFE.split_x(1.5, gap=0.4)    # two regions side by side
    SAFE.below(title, gap=0.3).place(table)     # what is left under a part
    SAFE.best_fit({"row": wide, "grid": tall})  # the arrangement that fits largest (Fit.rule)
    SAFE.keep(panel)                            # shift (not scale) back inside

Scene changes fade a background-coloured `cover` over the content instead of fading the content
itself (one rectangle to copy, not every glyph).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np
from manim import Mobject, Rectangle

FRAME_X = 7.1  # |x| of the frame's usable edge (the frame is 14.22 wide)
TITLE_Y = 3.55  # y of the title line
SUBTITLE_Y = 2.55  # a line under the title, at the top of SAFE: a sub-heading, a formula moved aside
CAPTION_Y = -3.45  # centre of the caption band
CAPTION_FLOOR = -3.88  # a two-line caption is lifted to stay above this (the check's safe area: 0.1 from the edge)
CAPTION_TOP = -2.9  # nothing but the caption below this line
LINE_W = 12.5  # a line of text across the content band (a question, a sub-heading, a table)
ROW_W = 12.8  # a row of token boxes across the content band
COVER_TOP = 2.93  # a scene change covers everything below this line (titles above it stay)


def fit_factor(width: float, height: float, max_width: float, max_height: float, grow: float = 1.0) -> float:
    """The factor that makes a width × height thing fit max_width × max_height: shrinking as
    needed, growing at most `grow`. The one fit-to-box rule (Box.place, components.fit)."""
    return min(grow, max_width / max(width, 1e-6), max_height / max(height, 1e-6))


def fit_scale(mob: Mobject, width: float, height: float, grow: float = 1.0) -> float:
    """The factor that makes `mob` fit width × height (fit_factor of its size)."""
    return fit_factor(mob.width, mob.height, width, height, grow)


class Fit(NamedTuple):
    """What `Box.best_fit` chose: the rule (candidate name), the mobject placed, and its scale."""

    rule: str
    mob: Mobject
    scale: float


Edge = Union[np.ndarray, Sequence[float]]


@dataclass(frozen=True)
class Box:
    """A rectangle of the frame, by its edges."""

    left: float
    right: float
    top: float
    bottom: float

    # -- measures ------------------------------------------------------------------------------
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

    @property
    def center(self) -> np.ndarray:
        return np.array([self.mid_x, self.mid_y, 0.0])

    # -- regions -------------------------------------------------------------------------------
    def inset(self, x: float = 0.0, top: float = 0.0, bottom: float = 0.0, y: float = 0.0) -> "Box":
        """The box with `x` off both sides, `y` off top and bottom, and `top`/`bottom` more off
        those edges."""
        return Box(self.left + x, self.right - x, self.top - top - y, self.bottom + bottom + y)

    def with_width(self, width: float, mid_x: Optional[float] = None) -> "Box":
        """A box `width` wide (at most this one's), as high, centred on this one (or on x = mid_x)."""
        w, x = min(width, self.width), self.mid_x if mid_x is None else mid_x
        return Box(x - w / 2, x + w / 2, self.top, self.bottom)

    def with_height(self, height: float, mid_y: Optional[float] = None) -> "Box":
        """A box `height` high (at most this one's), as wide, centred on this one (or on y = mid_y)."""
        h, y = min(height, self.height), self.mid_y if mid_y is None else mid_y
        return Box(self.left, self.right, y + h / 2, y - h / 2)

    def split_x(self, at: float, gap: float = 0.0) -> tuple["Box", "Box"]:
        """(left, right): the box cut at x = `at`, with `gap` between the two."""
        return (Box(self.left, at - gap / 2, self.top, self.bottom),
                Box(at + gap / 2, self.right, self.top, self.bottom))

    def split_y(self, at: float, gap: float = 0.0) -> tuple["Box", "Box"]:
        """(upper, lower): the box cut at y = `at`, with `gap` between the two."""
        return (Box(self.left, self.right, self.top, at + gap / 2),
                Box(self.left, self.right, at - gap / 2, self.bottom))

    def left_part(self, width: float) -> "Box":
        """The leftmost `width` of the box."""
        return Box(self.left, self.left + width, self.top, self.bottom)

    def right_part(self, width: float) -> "Box":
        """The rightmost `width` of the box."""
        return Box(self.right - width, self.right, self.top, self.bottom)

    def below(self, mob: Mobject, gap: float = 0.0) -> "Box":
        """The part of the box under `mob` (and `gap` below it)."""
        return Box(self.left, self.right, min(self.top, mob.get_bottom()[1] - gap), self.bottom)

    def above(self, mob: Mobject, gap: float = 0.0) -> "Box":
        """The part of the box over `mob` (and `gap` above it)."""
        return Box(self.left, self.right, self.top, max(self.bottom, mob.get_top()[1] + gap))

    def right_of(self, mob: Mobject, gap: float = 0.0) -> "Box":
        """The part of the box right of `mob` (and `gap` from it)."""
        return Box(max(self.left, mob.get_right()[0] + gap), self.right, self.top, self.bottom)

    def left_of(self, mob: Mobject, gap: float = 0.0) -> "Box":
        """The part of the box left of `mob` (and `gap` from it)."""
        return Box(self.left, min(self.right, mob.get_left()[0] - gap), self.top, self.bottom)

    # -- placing -------------------------------------------------------------------------------
    def scale_for(self, mob: Mobject, grow: float = 1.0) -> float:
        """The factor `place` would scale `mob` by."""
        return fit_scale(mob, self.width, self.height, grow)

    def fit(self, mob: Mobject) -> Mobject:
        """Shrink (never grow) `mob` to fit the box's size; it does not move."""
        s = self.scale_for(mob)
        return mob.scale(s) if s < 1 else mob

    def place(self, mob: Mobject, grow: float = 1.0, edge: Optional[Edge] = None) -> Mobject:
        """Scale `mob` to fit (shrinking as needed, growing at most `grow`) and centre it here,
        or put it against `edge` (a Manim direction: LEFT, UP + RIGHT, ...) of the box."""
        mob.scale(self.scale_for(mob, grow))
        mob.move_to(self.center)
        return self.align(mob, edge) if edge is not None else mob

    def align(self, mob: Mobject, edge: Edge) -> Mobject:
        """Move `mob` (not scaled) against `edge` of the box (a Manim direction), centred on the
        other axis when the direction is 0 there."""
        ex, ey = float(edge[0]), float(edge[1])
        x = self.mid_x if ex == 0 else (self.left + mob.width / 2 if ex < 0 else self.right - mob.width / 2)
        y = self.mid_y if ey == 0 else (self.bottom + mob.height / 2 if ey < 0 else self.top - mob.height / 2)
        return mob.shift(np.array([x, y, 0.0]) - mob.get_center())

    def keep(self, mob: Mobject, x: bool = True, y: bool = True) -> Mobject:
        """Shift (not scale) `mob` the least that brings it inside the box (across if `x`, up or
        down if `y`); on an axis where it is larger than the box it is centred."""
        dx = _into(mob.get_left()[0], mob.get_right()[0], self.left, self.right) if x else 0.0
        dy = _into(mob.get_bottom()[1], mob.get_top()[1], self.bottom, self.top) if y else 0.0
        return mob.shift(np.array([dx, dy, 0.0]))

    def best_fit(self, candidates: Union[Mapping[str, Arrangement], Sequence[tuple[str, Arrangement]]],
                 grow: float = 1.0, edge: Optional[Edge] = None) -> Fit:
        """Of several arrangements (name → mobject, or name → a function that arranges the parts
        and returns them: the same parts can be tried several ways), place the one that fits at
        the greatest scale (measured before the `grow` cap, so the roomiest wins; ties: the first
        given) and say which: `Fit(rule, mob, scale applied)`."""
        items = list(candidates.items()) if isinstance(candidates, Mapping) else list(candidates)
        if not items:
            raise ValueError("best_fit needs at least one arrangement")
        room = [self.scale_for(_arranged(a), math.inf) for _, a in items]
        k = max(range(len(items)), key=lambda i: (room[i] * (1 - 1e-9 * i)))
        rule, chosen = items[k]
        mob = _arranged(chosen)  # (arranged again: a later candidate may have moved the parts)
        self.place(mob, grow, edge)
        return Fit(rule, mob, min(grow, room[k]))


Arrangement = Union[Mobject, Callable[[], Mobject]]


def _arranged(a: Arrangement) -> Mobject:
    return a if isinstance(a, Mobject) else a()


def _into(low: float, high: float, lo: float, hi: float) -> float:
    """The shift that brings [low, high] inside [lo, hi] (centred when it is wider)."""
    if high - low > hi - lo:
        return (lo + hi) / 2 - (low + high) / 2
    if low < lo:
        return lo - low
    if high > hi:
        return hi - high
    return 0.0


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
