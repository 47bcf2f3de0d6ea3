"""Boxes and arrows: a Node (labelled box that lights up), an Edge (polyline with a tip that a
pulse travels along) and the Link naming an edge by its two nodes.

Example (two nodes and the edge between them, then lit)::

    from manim import LEFT, RIGHT, VGroup
    from attention_explainer.scenes.components import DARK, Edge, Link, matrix_node
    x = matrix_node("X", "3 × 4", DARK.x, DARK).shift(LEFT * 2)
    q = matrix_node("Q", "3 × 3", DARK.q, DARK).shift(RIGHT * 2)
    edge = Edge([x.right_pt(), q.left_pt()], DARK, DARK.q, link=Link("X", "Q"))
    picture = VGroup(x, q, edge)
    x.dimmed()
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import numpy as np
from manim import DOWN, RIGHT, Line, ManimColor, MathTex, RoundedRectangle, Triangle, VGroup, VMobject, \
    interpolate_color

from attention_explainer.scenes.checking import dimmed
from attention_explainer.scenes.components.text import label, ui
from attention_explainer.scenes.components.theme import Theme

DIM = 0.3  # opacity of a node the data has not reached yet


class Link(NamedTuple):
    """An edge of a diagram, from node `source` to node `target` (node keys)."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


def mix(a: str, b: str, t: float) -> ManimColor:
    return interpolate_color(ManimColor(a), ManimColor(b), t)


def arrow_line(start: np.ndarray, end: np.ndarray, color: str, width: float = 3) -> Line:
    """A plain connector line (cheaper to draw than an Arrow)."""
    return Line(start, end, color=color, stroke_width=width)


LIT_TINT = 0.07  # share of the role colour in a lit node's fill: its name, in that colour, keeps 4.5:1


class Node(VGroup):
    """A labelled box: a name (and a shape like "3 × 4") in a rounded rectangle of a role colour.

    `dimmed()` greys it out; `light()` returns the animations that light it.
    """

    def __init__(self, content: VGroup, color: str, theme: Theme, note: Optional[str] = None,
                 min_width: float = 1.0) -> None:
        super().__init__()
        self.role_color, self.theme = color, theme
        self.content = content
        self.box = RoundedRectangle(corner_radius=0.1, width=max(content.width + 0.4, min_width),
                                    height=max(content.height + 0.26, 0.62), stroke_color=color,
                                    stroke_width=2.5, fill_color=theme.panel, fill_opacity=1)
        content.move_to(self.box)
        self.add(self.box, content)
        self.note: Optional[VMobject] = None
        if note is not None:
            self.note = label(ui(note), theme, 18, theme.muted)
            self.note.next_to(self.box, DOWN, buff=0.1)
            self.add(self.note)
        self.is_lit = False

    def dimmed(self) -> "Node":
        self.box.set_stroke(self.theme.muted, width=2, opacity=0.5)
        dimmed(self.content).set_opacity(DIM)  # declared: faded on purpose until lit
        if self.note is not None:
            dimmed(self.note).set_opacity(DIM)
        return self

    def light(self) -> list:
        self.is_lit = True
        anims = [self.box.animate.set_stroke(self.role_color, width=4, opacity=1).set_fill(
                     mix(self.theme.panel, self.role_color, LIT_TINT), opacity=1),
                 self.content.animate.set_opacity(1)]
        if self.note is not None:
            anims.append(self.note.animate.set_opacity(1))
        return anims

    # attachment points
    def left_pt(self) -> np.ndarray:
        return self.box.get_left()

    def right_pt(self) -> np.ndarray:
        return self.box.get_right()

    def top_pt(self) -> np.ndarray:
        return self.box.get_top()

    def bottom_pt(self) -> np.ndarray:
        return self.box.get_bottom()


def matrix_node(tex: str, shape: str, color: str, theme: Theme) -> Node:
    """A node for a matrix: its name (TeX) and its shape as text; `.dims` is the shape shown."""
    name = MathTex(tex, font_size=36, color=color)
    dims = label(shape, theme, 22, theme.text, mono=True)
    node = Node(VGroup(name, dims).arrange(RIGHT, buff=0.22), color, theme)
    node.dims = dims  # the shape as shown (tests read it back)
    return node


class Edge(VGroup):
    """A polyline with an arrow tip at its end; `path` is what a pulse travels along."""

    TIP = 0.16

    def __init__(self, points: Sequence[np.ndarray], theme: Theme, color: str, link: Optional[Link] = None) -> None:
        super().__init__()
        self.link = link
        pts = [np.array(p, dtype=float) for p in points]
        end, before = pts[-1], pts[-2]
        direction = (end - before) / max(np.linalg.norm(end - before), 1e-9)
        self.path = VMobject(stroke_color=theme.muted, stroke_width=2.5, stroke_opacity=0.6)
        self.path.set_points_as_corners([*pts[:-1], end - direction * self.TIP * 0.8])
        self.arrow_tip = Triangle(stroke_width=0, fill_color=theme.muted, fill_opacity=0.6)
        self.arrow_tip.scale_to_fit_height(self.TIP).rotate(np.arctan2(direction[1], direction[0]) - np.pi / 2)
        self.arrow_tip.move_to(end - direction * self.TIP / 2)
        self.role_color = color
        self.add(self.path, self.arrow_tip)

    def light(self) -> list:
        return [self.path.animate.set_stroke(self.role_color, width=3.5, opacity=1),
                self.arrow_tip.animate.set_fill(self.role_color, opacity=1)]
