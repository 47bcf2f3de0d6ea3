"""Layout and readability checks run while a scene is built (`attention-explainer check`).

When $ATTENTION_EXPLAINER_CHECK names a file, ExplainerScene makes an `Inspector` that looks at
every mobject on screen at the start and end of every animation and at the end of every beat, and
writes what it found there as JSON when the scene ends. The rules (pixels at 1080p, where the
frame is 8 units high, so 135 px per unit):

- safe area: nothing visible closer than SAFE_MARGIN to the frame's edge;
- captions: inside their band at the bottom, at most 2 lines;
- overlap: no two texts (Text, MathTex), and no text and filled box, or two filled boxes, overlap
  by more than OVERLAP_TOL, unless one is declared an overlay (`overlay(m)`); a text inside a box
  drawn under it sits on that box (fine); nested boxes are fine;
- size: every text's capital-letter height at least MIN_CAP_PX pixels at 1080p;
- contrast: every text at least WCAG AA (4.5:1) against what lies behind its centre (the
  background and every filled shape under it, blended by their opacities), text opacity included,
  unless the text is declared dimmed (`dimmed(m)`);
- time: every beat held at least its reading time (or its speech) and its caption on screen that
  long;
- token rows: the boxes of a row share one height and one centre line, the labels one baseline.
"""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import numpy as np
from manim import Dot, Mobject, VMobject, Wait
from manim.utils.family import extract_mobject_family_members

from attention_explainer.production.records import Finding
from attention_explainer.production.scene_input import run_record
from attention_explainer.scenes.measure import (
    BOX_TYPES,
    FRAME_H,
    FRAME_W,
    OVERLAP_TOL,
    PX,
    TEXT_TYPES,
    baseline,
    blend,
    bounds,
    cap_height_px,
    caption_lines,
    contrast,
    drawn_within,
    glyphs_meet,
    ink_opacity,
    is_cover,
    px_box,
    rgb,
    text_colours,
    text_name,
)


SAFE_MARGIN = 0.1  # units (13.5 px at 1080p) kept free at every edge
CAPTION_BAND = (-3.98, -2.7)  # y range a caption must stay inside
MAX_CAPTION_LINES = 2
MIN_CAP_PX = 14.0  # capital-letter height at 1080p (an em of about 19 px; see README)
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal-size text
MIN_FILL = 0.05  # a shape with less fill opacity is a frame, not a box


# ------------------------------------------------------------------------ what scenes declare
def overlay(*mobs: Mobject) -> Mobject:
    """Declare mobjects that lie over others on purpose (a highlight, a label on a cell, a count
    moving over a matrix): they are left out of the overlap check. Returns the first."""
    for m in mobs:
        m.check_overlay = True
    return mobs[0]


def dimmed(*mobs: Mobject) -> Mobject:
    """Declare text faded on purpose (a formula waiting for its turn, a dropped token): left out
    of the contrast check. Returns the first."""
    for m in mobs:
        m.check_dimmed = True
    return mobs[0]


# ------------------------------------------------------------------------------------ findings
def write_findings(path: str | Path, scene_id: str, findings: Iterable[Finding], seconds: float) -> None:
    data = {"scene": scene_id, "seconds": round(seconds, 3), "findings": [asdict(f) for f in findings]}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_findings(path: str | Path) -> list[Finding]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Finding(**f) for f in data["findings"]]


# ------------------------------------------------------------------------------ the inspector
@dataclass(eq=False)
class _Item:
    mob: Mobject
    kind: str  # "text" or "box"
    lo: np.ndarray
    hi: np.ndarray
    order: int  # drawing order (higher = on top)
    overlay: bool
    dimmed: bool
    opacity: float


class Inspector:
    """Collects the findings of one scene (see the module docstring)."""

    def __init__(self, scene: Any, out: str) -> None:
        self.scene, self.out = scene, out
        self.scene_id: str = scene.scene_id or type(scene).__name__
        self.findings: dict[tuple[str, str, str], Finding] = {}
        self.seconds = 0.0
        self._caps: dict[int, tuple[weakref.ref[Mobject], tuple[float, ...], Optional[float]]] = {}

    # -- hooks called by ExplainerScene ---------------------------------------------------------
    def before_play(self, animations: tuple[Any, ...]) -> None:
        if not _only_waits(animations):
            self.inspect()

    def after_play(self, animations: tuple[Any, ...]) -> None:
        if not _only_waits(animations):
            self.inspect()

    def beat_end(self, beat_id: str, text: str, start: float, end: float, needed: float,
                 caption_shown: Optional[float]) -> None:
        """At the end of a beat: its layout, and whether it (and its caption) lasted long enough."""
        self.inspect()
        held = end - start
        if held < needed - 1e-3:
            self._add("timing", f"beat held {held:.2f} s, its line needs {needed:.2f} s", "whole beat", beat_id)
        if caption_shown is not None and caption_shown < needed - 1e-3:
            self._add("timing", f"caption shown {caption_shown:.2f} s, its line needs {needed:.2f} s",
                      "caption", beat_id)

    def finish(self) -> None:
        write_findings(self.out, self.scene_id, self.findings.values(), self.seconds)

    # -- one look at the screen -----------------------------------------------------------------
    def current_beat(self) -> str:
        line = self.scene.narrator.line
        return line.id if line is not None else f"{self.scene_id}-start"

    def _add(self, kind: str, what: str, where: str, beat: Optional[str] = None) -> None:
        beat = beat or self.current_beat()
        key = (beat, kind, what)
        if key not in self.findings:
            self.findings[key] = Finding(self.scene_id, beat, kind, what, where)

    def inspect(self) -> None:
        t0 = time.perf_counter()
        mobjects = list(self.scene.mobjects)
        order = {id(m): i for i, m in enumerate(
            extract_mobject_family_members(mobjects, use_z_index=True, only_those_with_points=True))}
        items = _uncovered(list(self._items(mobjects, order)), rgb(self.scene.camera.background_color))
        self._check_frame(items)
        self._check_caption()
        self._check_overlaps(items)
        self._check_text(items)
        self._check_token_rows(mobjects)
        self.seconds += time.perf_counter() - t0

    def _items(self, mobjects: list[Mobject], order: dict[int, int]) -> Iterator[_Item]:
        def walk(m: Mobject, over: bool, dim: bool) -> Iterator[_Item]:
            over = over or bool(getattr(m, "check_overlay", False))
            dim = dim or bool(getattr(m, "check_dimmed", False))
            if isinstance(m, TEXT_TYPES):
                fam = [f for f in m.get_family() if f.has_points()]
                if not fam:
                    return
                opacity = max(ink_opacity(f) for f in fam)
                if opacity <= 0.01:
                    return
                pts = np.concatenate([f.points for f in fam])
                yield _Item(m, "text", pts.min(0), pts.max(0), min(order.get(id(f), 0) for f in fam),
                            over, dim, opacity)
                return
            if isinstance(m, BOX_TYPES) and not isinstance(m, Dot) and m.has_points():  # dots: markers, not boxes
                fill = float(m.get_fill_opacity())
                if fill >= MIN_FILL:
                    yield _Item(m, "box", m.points.min(0), m.points.max(0), order.get(id(m), 0), over, dim, fill)
            for sub in m.submobjects:
                yield from walk(sub, over, dim)

        for m in mobjects:
            yield from walk(m, False, False)

    def _check_frame(self, items: list[_Item]) -> None:
        background = rgb(self.scene.camera.background_color)
        x_lim, y_lim = FRAME_W / 2 - SAFE_MARGIN, FRAME_H / 2 - SAFE_MARGIN
        for m in self.scene.mobjects:
            family = [f for f in m.get_family() if isinstance(f, VMobject) and f.has_points()]
            if not family:
                continue
            every = np.concatenate([f.points for f in family])
            lo, hi = every.min(0), every.max(0)
            if lo[0] >= -x_lim and hi[0] <= x_lim and lo[1] >= -y_lim and hi[1] <= y_lim:
                continue  # all of it inside (most of the screen, most of the time): no part is out
            for f in family:
                if ink_opacity(f) <= 0.01 or is_cover(f, background):
                    continue  # invisible, or looks like the background: nothing to see off screen
                lo, hi = f.points.min(0), f.points.max(0)
                if lo[0] < -x_lim or hi[0] > x_lim or lo[1] < -y_lim or hi[1] > y_lim:
                    owner = next((i.mob for i in items if f in i.mob.get_family()), f)
                    olo, ohi = bounds(owner)
                    self._add("off-screen", f"{text_name(owner)} outside the safe area", px_box(olo, ohi))
                    break

    def _check_caption(self) -> None:
        cap = self.scene.narrator.caption
        if cap is None or cap not in self.scene.mobjects:
            return
        lo, hi = bounds(cap)
        if lo[1] < CAPTION_BAND[0] or hi[1] > CAPTION_BAND[1]:
            self._add("caption", "caption outside its band", px_box(lo, hi))
        lines = caption_lines(cap)
        if lines > MAX_CAPTION_LINES:
            self._add("caption", f"caption of {lines} lines (at most {MAX_CAPTION_LINES})", px_box(lo, hi))

    def _check_overlaps(self, items: list[_Item]) -> None:
        live = [i for i in items if not i.overlay]
        if len(live) < 2:
            return
        lo = np.array([i.lo[:2] for i in live])
        hi = np.array([i.hi[:2] for i in live])
        # overlap extent of every pair along x and y
        ox = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
        oy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
        hits = np.argwhere(np.triu((ox > OVERLAP_TOL) & (oy > OVERLAP_TOL), k=1))
        for a, b in hits:
            A, B = live[a], live[b]
            if A.kind == "box" and B.kind == "box":
                if _inside(A, B) or _inside(B, A):
                    continue
            elif A.kind != B.kind:
                box, text = (A, B) if A.kind == "box" else (B, A)
                if _inside(text, box) and box.order < text.order:
                    continue  # the text sits on the box
            if A.mob in B.mob.get_family() or B.mob in A.mob.get_family():
                continue
            if A.kind == B.kind == "text" and not glyphs_meet(A.mob, B.mob):
                continue  # their boxes overlap but no glyph touches another (scattered glyphs)
            if A.kind == B.kind == "text" and (drawn_within(A.mob, B.mob) or drawn_within(B.mob, A.mob)):
                continue  # the same glyphs twice in the same place (a Transform's target): looks like one
            where = px_box(np.maximum(A.lo, B.lo), np.minimum(A.hi, B.hi))  # where they overlap
            self._add("overlap", f"{text_name(A.mob)} overlaps {text_name(B.mob)}", where)

    def _check_text(self, items: list[_Item]) -> None:
        background = rgb(self.scene.camera.background_color)
        boxes = sorted((i for i in items if i.kind == "box"), key=lambda i: i.order)
        box_lo = np.array([b.lo[:2] for b in boxes]).reshape(-1, 2)
        box_hi = np.array([b.hi[:2] for b in boxes]).reshape(-1, 2)
        box_order = np.array([b.order for b in boxes])
        for t in (i for i in items if i.kind == "text"):
            cap = self._cap_height(t)
            if cap is not None and cap < MIN_CAP_PX - 0.05:
                self._add("text-size", f"{text_name(t.mob)} is {cap:.1f} px high (at least {MIN_CAP_PX:.0f})",
                          px_box(t.lo, t.hi))
            colours = text_colours(t.mob, lit_only=t.dimmed)
            if not colours:
                continue  # faded on purpose (declared with dimmed()); checked again once lit
            centre = ((t.lo + t.hi) / 2)[:2]
            behind = background
            under = (box_order < t.order) & np.all(box_lo <= centre, axis=1) & np.all(centre <= box_hi, axis=1)
            for k in np.flatnonzero(under):  # the boxes drawn before it around its centre, bottom up
                behind = blend(rgb(boxes[k].mob.get_fill_color()), behind, boxes[k].opacity)
            worst = min(contrast(blend(c, behind, o), behind) for c, o in colours)
            if worst < MIN_CONTRAST:
                self._add("contrast", f"{text_name(t.mob)} contrast {worst:.2f}:1 (at least {MIN_CONTRAST})",
                          px_box(t.lo, t.hi))

    def _cap_height(self, t: _Item) -> Optional[float]:
        """cap_height_px of a text, measured again only when its ink box changed size (it depends
        on the size alone; most texts stand still from one look to the next)."""
        dims = (float(t.hi[0] - t.lo[0]), float(t.hi[1] - t.lo[1]))
        seen = self._caps.get(id(t.mob))
        if seen is not None and seen[0]() is t.mob and seen[1] == dims:
            return seen[2]
        cap = cap_height_px(t.mob)
        self._caps[id(t.mob)] = (weakref.ref(t.mob), dims, cap)  # a weak reference: texts gone stay gone
        return cap

    def _check_token_rows(self, mobjects: list[Mobject]) -> None:
        for m in mobjects:
            for row in m.get_family():
                if not (hasattr(row, "boxes") and hasattr(row, "labels") and hasattr(row, "indices")):
                    continue
                boxes = [b for b in row.boxes if b.has_points() and ink_opacity(b) > 0.01]
                if len(boxes) < 2:
                    continue
                heights = [b.height for b in boxes]
                centres = [b.get_y() for b in boxes]
                lo, hi = bounds(row)
                tol = 1.0 / PX
                if max(heights) - min(heights) > tol:
                    self._add("token-row", f"token boxes of {min(heights) * PX:.0f}-{max(heights) * PX:.0f} px "
                              "heights in one row", px_box(lo, hi))
                if max(centres) - min(centres) > tol:
                    self._add("token-row", f"token boxes offset by {(max(centres) - min(centres)) * PX:.0f} px "
                              "in one row", px_box(lo, hi))
                bases = [baseline(t) for t in row.labels if t.has_points() or t.submobjects]
                bases = [b for b in bases if b is not None]
                if bases and max(bases) - min(bases) > tol:
                    self._add("token-row", f"token labels on baselines {(max(bases) - min(bases)) * PX:.0f} px "
                              "apart in one row", px_box(lo, hi))


# ---------------------------------------------------------------------------------- helpers
def _uncovered(items: list[_Item], background: np.ndarray) -> list[_Item]:
    """The items without background-coloured opaque boxes (covers: they look like the empty
    background) and without what lies entirely under such a cover (hidden)."""
    covers = [i for i in items if i.kind == "box" and is_cover(i.mob, background)]
    if not covers:
        return items
    ids = {id(c) for c in covers}
    return [i for i in items if id(i) not in ids
            and not any(c.order > i.order and _inside(i, c) for c in covers)]


def _only_waits(animations: tuple[Any, ...]) -> bool:
    return bool(animations) and all(isinstance(a, Wait) for a in animations)


def _inside(a: _Item, b: _Item) -> bool:
    """a's box inside b's (with the overlap tolerance)."""
    return bool(np.all(a.lo[:2] >= b.lo[:2] - OVERLAP_TOL) and np.all(a.hi[:2] <= b.hi[:2] + OVERLAP_TOL))


def inspector_from_env(scene: Any) -> Optional[Inspector]:
    """An Inspector writing where the run record's `check` says, or None when not checking."""
    run = run_record()
    out = run.check if run is not None else None
    return Inspector(scene, out) if out else None
