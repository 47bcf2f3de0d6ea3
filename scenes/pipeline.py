"""Segment 4, pipeline: the whole computation in one diagram, with the data flowing through it.

    sentence → tokens → X → W_Q, W_K, W_V → Q, K, V → QKᵀ/√d_k → softmax → A → A·V → Z

The top row runs left to right (with the weights and Q, K, V stacked), the bottom row comes back
right to left, ending on Z, under the formula. Every shape is the trace's (n, d_model, d_k). A
pulse travels along each edge in order and lights the node it reaches; the formula lights part
by part and ends fully lit.
"""

from __future__ import annotations

from functools import partial
from typing import Optional, Sequence

import numpy as np
from manim import (
    RIGHT,
    Circumscribe,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    MathTex,
    Mobject,
    MoveAlongPath,
    VGroup,
)

from attention_explainer.core.focus import shown_with
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.checking import dimmed, overlay
from attention_explainer.scenes.components import (
    DIM,
    Edge,
    Formula,
    Link,
    Node,
    Theme,
    TokenRow,
    fit,
    label,
    matrix_node,
    plural,
    text_block,
    visible,
    wrap_words,
)
from attention_explainer.scenes.layout import SAFE, Box

LEFT_X, RIGHT_X = SAFE.inset(x=0.1).left, SAFE.inset(x=0.1).right
TOP_Y = 2.3  # the top row (and the first of the stacked nodes)
STACK_DY = 0.95  # distance between stacked nodes
BOTTOM_Y = -1.75  # the bottom row
BUS_X = 6.5  # Q and K come down to the scores on this vertical line
V_BUS_Y = -0.5  # V goes left to A·V on this line
MIN_GAP = 0.5  # between the nodes of the top row (room for an arrow)
FORMULA = Box(left=-6.35, right=-0.75, top=1.0, bottom=0.1)  # Z = softmax(…)V: between the rows, left of V's way down


def times(a: int, b: int) -> str:
    return f"{a} × {b}"


SENTENCE_CHARS = 40  # the sentence node shows at most this much of the sentence


def sentence_glyph(sentence: str, theme: Theme, max_width: float, max_height: float) -> VGroup:
    """The sentence as up to three centred lines of plain text, shrunk to fit; past SENTENCE_CHARS
    it is cut after a word, with an ellipsis (the whole of a 16-word sentence came out 11 px high)."""
    if len(sentence) > SENTENCE_CHARS:
        head = sentence[:SENTENCE_CHARS - 1]
        words = head.rsplit(" ", 1)[0]
        sentence = (words if len(words) >= SENTENCE_CHARS // 2 else head).rstrip() + " …"
    target = max(12, len(sentence) // 3 + 1) if len(sentence) > 18 else len(sentence)
    lines = wrap_words(sentence, target, cut=any(len(w) > target for w in sentence.split()))
    if len(lines) > 3:
        lines = [*lines[:2], " ".join(lines[2:])]
    return text_block(lines, theme, 24, 0.08, max_width, max_height)


# -------------------------------------------------------------------------------------- scene
class FullPipeline(ExplainerScene):
    scene_id = "pipeline"

    def construct(self) -> None:
        th = self.theme
        nodes, focus_box = self._nodes()
        self._place(nodes)
        edges = self._edges(nodes)
        flow = partial(self._flow, nodes, edges)

        formula = Formula(th, size=40)
        z_eq = MathTex("Z =", font_size=40, color=th.accent)
        formula_line = VGroup(z_eq, formula).arrange(RIGHT, buff=0.2)
        FORMULA.place(formula_line)
        dimmed(z_eq).set_opacity(DIM)

        heading = self.title("The full self-attention pipeline")
        for node in nodes.values():
            node.dimmed()

        diagram = VGroup(*nodes.values(), *edges.values())
        with self.beat(key="overview"):
            self.play(FadeIn(heading), run_time=0.6)
            self.play(FadeIn(diagram), FadeIn(formula_line), run_time=1.2)

        with self.beat(key="tokens"):
            self.play(*nodes["sentence"].light(), run_time=0.5)
            flow([Link("sentence", "tokens")])

        with self.beat(key="embeddings"):
            flow([Link("tokens", "X")])

        with self.beat(key="projections"):
            flow([Link("X", "W_Q"), Link("X", "W_K"), Link("X", "W_V")])

        with self.beat(key="qkv"):
            flow([Link("W_Q", "Q"), Link("W_K", "K"), Link("W_V", "V")], formula.lit("Q", "K", "V"))

        with self.beat(key="scores"):
            flow([Link("Q", "scores"), Link("K", "scores")], formula.lit("sqrt"))

        with self.beat(key="softmax"):
            flow([Link("scores", "softmax")], formula.lit("softmax"))
            flow([Link("softmax", "A")])

        with self.beat(key="output"):
            flow([Link("A", "AV"), Link("V", "AV")])
            flow([Link("AV", "Z")], VGroup(z_eq))
            if focus_box is not None:  # the focus token's row of Z is the one worked in the math
                self.play(Indicate(focus_box, color=th.accent, scale_factor=1.3),
                          Indicate(nodes["Z"], color=th.accent, scale_factor=1.05), run_time=1.0)

        with self.beat(key="formula"):
            self.play(Circumscribe(formula_line, color=th.accent, buff=0.12),
                      Indicate(nodes["Z"], color=th.accent, scale_factor=1.1), run_time=1.5)

    # --------------------------------------------------------------------------- building
    def _nodes(self) -> tuple[dict[str, Node], Optional[Mobject]]:
        """The diagram's nodes by key, and the focus token's box in the tokens node (None
        without video.focus)."""
        tr, th = self.trace, self.theme
        n, dm, dk = tr.n, tr.d_model, tr.d_k
        nodes: dict[str, Node] = {}
        glyph = sentence_glyph(self.cfg.sentence, th, 2.0, 0.9)
        nodes["sentence"] = Node(glyph, th.text, th, note="sentence", min_width=1.6)
        focus = self.cfg.focus_index  # video.focus: its token is framed and followed to Z
        # three shown (first, …, last) and words cut at 8 characters: the node is 1.9 wide, and four
        # tokens came out 13.9 px high (the check asks 14)
        shown = visible(n, 3) if focus is None else shown_with(n, 3, focus)
        row = TokenRow(list(tr.tokens), th, indices=shown, size=22, buff=0.08, max_width=1.9, label_chars=8)
        if focus is not None:
            row.item(focus)[0].set_stroke(th.accent, width=3)
        focus_box = row.item(focus)[0] if focus is not None else None
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
        return nodes, focus_box

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

    def _edges(self, nodes: dict[str, Node]) -> dict[Link, Edge]:
        th = self.theme
        e: dict[Link, Edge] = {}

        def edge(a: str, b: str, points: Sequence[np.ndarray], color: str) -> None:
            e[Link(a, b)] = Edge(points, th, color, link=Link(a, b))

        def straight(a: str, b: str, color: str) -> None:
            edge(a, b, [nodes[a].right_pt(), nodes[b].left_pt()], color)

        straight("sentence", "tokens", th.text)
        straight("tokens", "X", th.x)
        # X fans out to the three weights (an elbow tree)
        mid = (nodes["X"].right_pt()[0] + nodes["W_Q"].left_pt()[0]) / 2
        for w, color in (("W_Q", th.q), ("W_K", th.k), ("W_V", th.v)):
            start, end = nodes["X"].right_pt(), nodes[w].left_pt()
            edge("X", w, [start, [mid, start[1], 0], [mid, end[1], 0], end], color)
        for name, color in (("Q", th.q), ("K", th.k), ("V", th.v)):
            straight(f"W_{name}", name, color)
        # Q and K down the bus on the right, into the scores from the right
        target = nodes["scores"].right_pt()
        for name in ("Q", "K"):
            start = nodes[name].right_pt()
            edge(name, "scores", [start, [BUS_X, start[1], 0], [BUS_X, target[1], 0], target], th.weight)
        # bottom row, right to left
        for a, b, color in (("scores", "softmax", th.weight), ("softmax", "A", th.weight), ("A", "AV", th.v),
                            ("AV", "Z", th.accent)):
            edge(a, b, [nodes[a].left_pt(), nodes[b].right_pt()], color)
        # V down and left to A·V (between the rows), into its top
        v, av = nodes["V"].bottom_pt(), nodes["AV"].top_pt()
        edge("V", "AV", [v, [v[0], V_BUS_Y, 0], [av[0], V_BUS_Y, 0], av], th.v)
        return e

    # ---------------------------------------------------------------------------- animation
    def _flow(self, nodes: dict[str, Node], edges: dict[Link, Edge], keys: Sequence[Link],
              formula_parts: Optional[VGroup] = None) -> None:
        """Pulses travel along the edges at once; the edges and the nodes they reach light up."""
        th = self.theme
        dots = [overlay(Dot(edges[k].path.get_start(), radius=0.08, color=th.accent)) for k in keys]
        self.add(*dots)
        self.play(*[MoveAlongPath(d, edges[k].path) for d, k in zip(dots, keys)],
                  *[a for k in keys for a in edges[k].light()], run_time=1.0)
        targets = list(dict.fromkeys(k.target for k in keys))
        anims = [FadeOut(d) for d in dots] + [a for t in targets for a in nodes[t].light()]
        if formula_parts is not None:
            anims.append(formula_parts.animate.set_opacity(1))
        self.play(*anims, run_time=0.5)
