"""StepChanges: the scene changes of a scene told in numbered steps (the math segment).

A step title sits top left with a note under it (what a slice leaves out), a formula top right
lights part by part; the content below them changes from step to step. Fading a matrix copies
every glyph of it (three times per Fade); fading a background-coloured cover over it, or off it,
looks the same on the solid background and copies one rectangle, so scene changes (`clear_to`)
and reveals (`reveal`) use covers (layout.cover).

Mix into an ExplainerScene that sets `formula` (a components.Formula) before its first step.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from manim import LEFT, UP, FadeIn, FadeOut, LaggedStart, Mobject, Rectangle

from attention_explainer.scenes.components import Theme, fit, label, slim, ui
from attention_explainer.scenes.layout import SAFE, TITLE_Y, Box, cover
from attention_explainer.scenes.narrated import Narrator

# the step title and the formula share the title line (layout.TITLE_Y)
NOTE_Y = 3.08  # the note: under the title, above the content
TITLE_SIZE, NOTE_SIZE = 34, 18
BOX = SAFE.inset(top=0.05, bottom=0.03)  # the steps' content keeps clear of the note above
LEFT_X, RIGHT_X, TOP, BOTTOM = BOX.left, BOX.right, BOX.top, BOX.bottom
GROW = 1.3  # how much `place` may enlarge a small matrix
FORMULA_GAP = 0.4  # between the formula (top right) and the title or note left of it
WORK_TOP = -1.75  # a worked cell's line goes under this (the matrices above)


def place(mob: Mobject, box: Box = BOX, grow: float = GROW) -> Mobject:
    """Slim `mob`, then `box.place` it (small matrices read better larger: grow at most GROW)."""
    return box.place(slim(mob), grow)


def align_rows(views: Sequence[Any], y: float) -> None:
    """Put the grids of several MatrixViews on one horizontal centre line."""
    for v in views:
        v.shift(UP * (y - v.grid.get_y()))


class StepChanges:
    """Title and note swaps, covers, reveals and highlight frames for a stepwise scene."""

    theme: Theme
    formula: Any
    mobjects: list[Mobject]
    narrator: Narrator  # the scene's (ExplainerScene): persistent() keeps its caption
    title_mob: Optional[Mobject] = None
    note_mob: Optional[Mobject] = None

    def set_title(self, text: str, note: Optional[str] = None) -> list:
        """Animations that swap the step title (top left) and the note under it."""
        new = slim(label(ui(text), self.theme, size=TITLE_SIZE))
        fit(new, self.beside_formula().width, 0.6)
        BOX.align(new, LEFT).set_y(TITLE_Y)
        anims: list = [FadeIn(new)]
        if self.title_mob is not None:
            anims.append(FadeOut(self.title_mob))
        self.title_mob = new
        if self.note_mob is not None:
            anims.append(FadeOut(self.note_mob))
            self.note_mob = None
        if note:
            self.note_mob = self.note_line(ui(note))
            anims.append(FadeIn(self.note_mob))
        return anims

    def note_line(self, text: str, color: Optional[str] = None, max_width: float = 9.0) -> Mobject:
        """A note placed under the title (muted unless `color`), at most `max_width` wide."""
        note = slim(label(text, self.theme, size=NOTE_SIZE, color=color or self.theme.muted))
        fit(note, max_width, 0.3)
        return BOX.align(note, LEFT).set_y(NOTE_Y)

    def beside_formula(self) -> Box:
        """The part of the content box left of the formula (the title line's room)."""
        return BOX.left_of(self.formula, gap=FORMULA_GAP)

    def persistent(self) -> list[Mobject]:
        """What stays through scene changes: formula, title, note, caption."""
        keep = [self.formula, self.title_mob, self.note_mob, self.narrator.caption]
        return [m for m in keep if m is not None]

    def others(self, *keep: Mobject) -> list[Mobject]:
        """What is on screen but title, note, formula, caption and `keep`. By family: animating
        a part of the formula splits it into its parts in the scene's list; re-adding it whole
        gathers them again."""
        self.add(self.formula)  # type: ignore[attr-defined]
        family = {id(f) for m in [*self.persistent(), *keep] for f in m.get_family()}
        return [m for m in self.mobjects if id(m) not in family]

    def _cover(self, mob: Optional[Mobject] = None) -> Rectangle:
        """A cover over `mob`, or over the content band (title, note and formula stay)."""
        return cover(self.theme.background, mob)

    def clear_to(self, title: Optional[str] = None, note: Optional[str] = None, keep: Sequence[Mobject] = (),
                 anims: Sequence[Any] = (), run_time: float = 0.7) -> None:
        """Fade the content to the background (the title changes meanwhile) and drop it; `keep`
        stays in front, and mobjects that `anims` introduce come in above the cover."""
        old = self.others(*keep)
        band = self._cover()
        self.add(band)  # type: ignore[attr-defined]
        self.bring_to_front(*keep)  # type: ignore[attr-defined]
        titles = self.set_title(title, note) if title is not None else []
        self.play(FadeIn(band), *titles, *anims, run_time=run_time)  # type: ignore[attr-defined]
        self.remove(*old, band)  # type: ignore[attr-defined]

    def reveal(self, *mobs: Mobject, lag: float = 0.0, anims: Sequence[Any] = (), run_time: float = 1.0) -> None:
        """Fade mobs in: each is added under its own cover, and the covers fade out (staggered
        by `lag`). Only where nothing else is on screen under the covers."""
        mobs = tuple(m for m in mobs if len(m.get_family()) > 0)
        covers = [self._cover(m) for m in mobs]
        self.add(*mobs)  # type: ignore[attr-defined]
        self.add(*covers)  # type: ignore[attr-defined]
        fades = [FadeOut(c) for c in covers]
        played = [LaggedStart(*fades, lag_ratio=lag)] if lag and fades else fades
        self.play_or_wait(*played, *anims, run_time=run_time)

    def frame(self, mob: Mobject, color: Optional[str] = None) -> Rectangle:
        """A highlight frame around `mob`."""
        return Rectangle(width=mob.width + 0.16, height=mob.height + 0.12,
                         stroke_color=color or self.theme.accent, stroke_width=3).move_to(mob)

    def play_or_wait(self, *anims: Any, run_time: float) -> None:
        """Play, or hold as long when there is nothing to animate (one token, one column)."""
        if anims:
            self.play(*anims, run_time=run_time)  # type: ignore[attr-defined]
        else:
            self.wait(run_time)  # type: ignore[attr-defined]

    def light(self, *parts: str) -> list:
        """Animations that light parts of the formula."""
        return [self.formula.part(p).animate.set_opacity(1) for p in parts]

