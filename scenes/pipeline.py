"""Segment 4, pipeline: the whole computation in one diagram, with the data flowing through it.

    sentence → tokens → X → W_Q, W_K, W_V → Q, K, V → QKᵀ/√d_k → softmax → A → A·V → Z

The top row runs left to right (with the weights and Q, K, V stacked), the bottom row comes back
right to left, ending on Z, under the formula. Every shape is the trace's (n, d_model, d_k). A
pulse travels along each edge in order and lights the node it reaches; the formula lights part
by part and ends fully lit.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    Circumscribe,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    MathTex,
    MoveAlongPath,
    RoundedRectangle,
    Triangle,
    VGroup,
    VMobject,
    interpolate_color,
    ManimColor,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.checking import dimmed
from attention_explainer.scenes.components import (
    Formula,
    Theme,
    TokenRow,
    fit,
    label,
    visible,
)

LEFT_X, RIGHT_X = -6.75, 6.75
TOP_Y = 2.3  # the top row (and the first of the stacked nodes)
STACK_DY = 0.95  # distance between stacked nodes
BOTTOM_Y = -1.75  # the bottom row
BUS_X = 6.5  # Q and K come down to the scores on this vertical line
V_BUS_Y = -0.5  # V goes left to A·V on this line
MIN_GAP = 0.5  # between the nodes of the top row (room for an arrow)
DIM = 0.3  # opacity of what the data has not reached yet


def times(a: int, b: int) -> str:
    return f"{a} × {b}"


def plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def mix(a: str, b: str, t: float) -> ManimColor:
    return interpolate_color(ManimColor(a), ManimColor(b), t)


# ------------------------------------------------------------------------------------- pieces
class Node(VGroup):
    """A labelled box: a name (and a shape like "3 × 4") in a rounded rectangle of a role colour.

    Starts dimmed; `light()` returns the animations that light it.
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
            self.note = label(note, theme, 18, theme.muted)
            self.note.next_to(self.box, DOWN, buff=0.1)
            self.add(self.note)
        self.is_lit = False

    def dimmed(self) -> "Node":
        self.box.set_stroke(self.theme.muted, width=2, opacity=0.5)
        self.content.set_opacity(DIM)
        if self.note is not None:
            self.note.set_opacity(DIM)
        return self

    def light(self) -> list:
        self.is_lit = True
        anims = [self.box.animate.set_stroke(self.role_color, width=4, opacity=1).set_fill(
                     mix(self.theme.panel, self.role_color, 0.22), opacity=1),
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


class Edge(VGroup):
    """A polyline with an arrow tip at its end; `path` is what a pulse travels along."""

    TIP = 0.16

    def __init__(self, points: Sequence[np.ndarray], theme: Theme, color: str) -> None:
        super().__init__()
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


def matrix_node(tex: str, shape: str, color: str, theme: Theme) -> Node:
    name = MathTex(tex, font_size=36, color=color)
    dims = label(shape, theme, 22, theme.text, mono=True)
    node = Node(VGroup(name, dims).arrange(RIGHT, buff=0.22), color, theme)
    node.dims = dims  # the shape as shown (tests read it back)
    return node


def sentence_glyph(sentence: str, theme: Theme, max_width: float, max_height: float) -> VGroup:
    """The sentence as up to three centred lines of plain text, shrunk to fit."""
    words, lines, line = sentence.split(), [], ""
    target = max(12, len(sentence) // 3 + 1) if len(sentence) > 18 else len(sentence)
    for w in words:
        if line and len(line) + 1 + len(w) > target:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    if len(lines) > 3:
        lines = [*lines[:2], " ".join(lines[2:])]
    group = VGroup(*[label(s, theme, 24) for s in lines]).arrange(DOWN, buff=0.08)
    return fit(group, max_width, max_height)


# -------------------------------------------------------------------------------------- scene
class FullPipeline(ExplainerScene):
    scene_id = "pipeline"

    def construct(self) -> None:
        tr, th = self.trace, self.theme
        n, dm, dk = tr.n, tr.d_model, tr.d_k
        nodes = self._nodes()
        self.nodes = nodes
        self.lit_order: list[str] = []  # node keys in the order the data reached them
        self._place(nodes)
        edges = self._edges(nodes)
        self.edges = edges

        formula = Formula(th, size=40)
        z_eq = MathTex("Z =", font_size=40, color=th.accent)
        formula_line = VGroup(z_eq, formula).arrange(RIGHT, buff=0.2)
        fit(formula_line, 5.6, 0.9)
        formula_line.move_to([-3.55, 0.55, 0])
        dimmed(z_eq).set_opacity(DIM)
        self.formula, self.formula_line = formula, formula_line

        heading = self.title("The full self-attention pipeline")
        self.heading = heading
        for node in nodes.values():
            node.dimmed()

        diagram = VGroup(*nodes.values(), *edges.values())
        with self.beat("Here is all of self-attention in one picture. Let's follow the numbers from the "
                       "sentence all the way to the output.", key="overview"):
            self.play(FadeIn(heading), run_time=0.6)
            self.play(FadeIn(diagram), FadeIn(formula_line), run_time=1.2)

        quoted = f" “{self.cfg.sentence}”" if len(self.cfg.sentence) <= 60 else ""
        with self.beat(f"The sentence{quoted} is split into {plural(n, 'token')}.", key="tokens"):
            self.play(*nodes["sentence"].light(), run_time=0.5)
            self.lit_order.append("sentence")
            self._flow(["sentence>tokens"])

        with self.beat(f"Each token becomes an embedding, one row of X: {n} by {dm} numbers.",
                       key="embeddings"):
            self._flow(["tokens>X"])

        with self.beat(f"X is multiplied by three learned weight matrices, for queries, keys and values, "
                       f"each {dm} by {dk}.", key="projections"):
            self._flow(["X>W_Q", "X>W_K", "X>W_V"])

        with self.beat(f"That gives Q, K and V: a query, a key and a value for every token, "
                       f"{n} by {dk} each.", key="qkv"):
            self._flow(["W_Q>Q", "W_K>K", "W_V>V"], formula.lit("Q", "K", "V"))

        with self.beat(f"Every query meets every key: Q times K transposed, over the square root of d_k, "
                       f"gives a {n} by {n} grid of scores.", key="scores"):
            self._flow(["Q>scores", "K>scores"], formula.lit("sqrt"))

        soft_line = ("Softmax turns each row of scores into weights that add up to one: the attention "
                     f"matrix A, {n} by {n}. Rows are queries, columns are keys.")
        if tr.causal:
            soft_line = ("Later tokens are masked, then softmax turns each row into weights that add up to "
                         f"one: the attention matrix A, {n} by {n}. Rows are queries, columns are keys.")
        with self.beat(soft_line, key="softmax"):
            self._flow(["scores>softmax"], formula.lit("softmax"))
            self._flow(["softmax>A"])

        with self.beat(f"A mixes the values: A times V gives the output Z, a new vector of {dk} numbers "
                       "for every token.", key="output"):
            self._flow(["A>AV", "V>AV"])
            self._flow(["AV>Z"], VGroup(z_eq))

        with self.beat("That is the whole pipeline, and the whole formula: Z equals softmax of Q K "
                       "transposed over root d_k, times V.", key="formula"):
            self.play(Circumscribe(formula_line, color=th.accent, buff=0.12),
                      Indicate(nodes["Z"], color=th.accent, scale_factor=1.1), run_time=1.5)

    # --------------------------------------------------------------------------- building
    def _nodes(self) -> dict[str, Node]:
        tr, th = self.trace, self.theme
        n, dm, dk = tr.n, tr.d_model, tr.d_k
        nodes: dict[str, Node] = {}
        glyph = sentence_glyph(self.cfg.sentence, th, 2.0, 0.9)
        nodes["sentence"] = Node(glyph, th.text, th, note="sentence", min_width=1.6)
        shown = visible(n, 4)
        row = TokenRow(list(tr.tokens), th, indices=shown, size=22, buff=0.08, max_width=1.9)
        for a, i in enumerate(row.indices):
            if i is None:  # the ellipsis has an invisible box: drop it, so lighting cannot show it
                row[a].remove(row.boxes[a])
        fit(row, 1.9, 0.5)
        nodes["tokens"] = Node(row, th.text, th, note=plural(n, "token"), min_width=1.6)
        nodes["X"] = matrix_node("X", times(n, dm), th.x, th)
        for name, color in (("Q", th.q), ("K", th.k), ("V", th.v)):
            nodes[f"W_{name}"] = matrix_node(f"W_{name}", times(dm, dk), color, th)
        for name, color in (("Q", th.q), ("K", th.k), ("V", th.v)):
            nodes[name] = matrix_node(name, times(n, dk), color, th)
        nodes["scores"] = matrix_node(r"QK^{\top}\!/\sqrt{d_k}", times(n, n), th.weight, th)
        soft_note = "masked, each row" if tr.causal else "each row"
        nodes["softmax"] = Node(VGroup(label("softmax", th, 26, th.weight)), th.weight, th, note=soft_note)
        nodes["A"] = matrix_node("A", times(n, n), th.weight, th)
        nodes["AV"] = Node(VGroup(MathTex(r"A\cdot V", font_size=36, color=th.v)), th.v, th, min_width=1.1)
        nodes["Z"] = matrix_node("Z", times(n, dk), th.accent, th)
        return nodes

    def _place(self, nodes: dict[str, Node]) -> None:
        # top row, left to right; the weights and Q, K, V stacked (Q on top)
        stacks = {"W": ["W_Q", "W_K", "W_V"], "QKV": ["Q", "K", "V"]}
        top = [["sentence"], ["tokens"], ["X"], stacks["W"], stacks["QKV"]]
        right_edge = BUS_X - 0.75
        widths = [max(nodes[k].box.width for k in col) for col in top]
        short = sum(widths) + MIN_GAP * (len(top) - 1) - (right_edge - LEFT_X)
        if short > 0:  # wide shapes (d_model, d_k up to 16): the sentence and tokens give way
            flexible = widths[0] + widths[1]
            s = max(0.7, (flexible - short) / flexible)
            for key in ("sentence", "tokens"):
                nodes[key].scale(s)
            widths = [max(nodes[k].box.width for k in col) for col in top]
        gap = (right_edge - LEFT_X - sum(widths)) / (len(top) - 1)
        x = LEFT_X
        for col, w in zip(top, widths):
            for a, key in enumerate(col):
                nodes[key].shift(np.array([x + w / 2, TOP_Y - a * STACK_DY, 0]) - nodes[key].box.get_center())
            x += w + gap
        # bottom row, right to left: scores … Z
        bottom = ["scores", "softmax", "A", "AV", "Z"]
        widths = [nodes[k].box.width for k in bottom]
        right, left = BUS_X - 0.35, LEFT_X + 0.5
        gap = (right - left - sum(widths)) / (len(bottom) - 1)
        x = right
        for key, w in zip(bottom, widths):
            nodes[key].shift(np.array([x - w / 2, BOTTOM_Y, 0]) - nodes[key].box.get_center())
            x -= w + gap

    def _edges(self, nodes: dict[str, Node]) -> dict[str, Edge]:
        th = self.theme
        e: dict[str, Edge] = {}

        def straight(a: str, b: str, color: str) -> None:
            e[f"{a}>{b}"] = Edge([nodes[a].right_pt(), nodes[b].left_pt()], th, color)

        straight("sentence", "tokens", th.text)
        straight("tokens", "X", th.x)
        # X fans out to the three weights (an elbow tree)
        mid = (nodes["X"].right_pt()[0] + nodes["W_Q"].left_pt()[0]) / 2
        for w, color in (("W_Q", th.q), ("W_K", th.k), ("W_V", th.v)):
            start, end = nodes["X"].right_pt(), nodes[w].left_pt()
            e[f"X>{w}"] = Edge([start, [mid, start[1], 0], [mid, end[1], 0], end], th, color)
        for name, color in (("Q", th.q), ("K", th.k), ("V", th.v)):
            straight(f"W_{name}", name, color)
        # Q and K down the bus on the right, into the scores from the right
        target = nodes["scores"].right_pt()
        for name in ("Q", "K"):
            start = nodes[name].right_pt()
            e[f"{name}>scores"] = Edge([start, [BUS_X, start[1], 0], [BUS_X, target[1], 0], target], th, th.weight)
        # bottom row, right to left
        for a, b, color in (("scores", "softmax", th.weight), ("softmax", "A", th.weight), ("A", "AV", th.v),
                            ("AV", "Z", th.accent)):
            e[f"{a}>{b}"] = Edge([nodes[a].left_pt(), nodes[b].right_pt()], th, color)
        # V down and left to A·V (between the rows), into its top
        v, av = nodes["V"].bottom_pt(), nodes["AV"].top_pt()
        e["V>AV"] = Edge([v, [v[0], V_BUS_Y, 0], [av[0], V_BUS_Y, 0], av], th, th.v)
        return e

    # ---------------------------------------------------------------------------- animation
    def _flow(self, keys: Sequence[str], formula_parts: Optional[VGroup] = None) -> None:
        """Pulses travel along the edges at once; the edges and the nodes they reach light up."""
        th = self.theme
        dots = [Dot(self.edges[k].path.get_start(), radius=0.08, color=th.accent) for k in keys]
        self.add(*dots)
        self.play(*[MoveAlongPath(d, self.edges[k].path) for d, k in zip(dots, keys)],
                  *[a for k in keys for a in self.edges[k].light()], run_time=1.0)
        targets = list(dict.fromkeys(k.split(">")[1] for k in keys))
        self.lit_order += targets
        anims = [FadeOut(d) for d in dots] + [a for t in targets for a in self.nodes[t].light()]
        if formula_parts is not None:
            anims.append(formula_parts.animate.set_opacity(1))
        self.play(*anims, run_time=0.5)
