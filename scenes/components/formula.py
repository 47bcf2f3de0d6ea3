"""softmax(QKᵀ/√d_k)V with parts that light up as their step runs.

Example (dimmed, with the scores' parts lit)::

    from attention_explainer.scenes.components import DARK, Formula
    picture = Formula(DARK, size=48)
    picture.lit("Q", "K", "sqrt").set_opacity(1)
"""

from __future__ import annotations

from manim import MathTex, VGroup

from attention_explainer.scenes.checking import dimmed as declare_dimmed
from attention_explainer.scenes.components.theme import Theme


class Formula(VGroup):
    """softmax(QKᵀ/√d_k)V with parts that light up as their step runs.

    Parts: "softmax", "Q", "K", "sqrt", "V" (and the brackets go with softmax).
    """

    PARTS = {
        "softmax": (r"\mathrm{softmax}\Big(", r"\Big)"),
        "Q": (r"Q",),
        "K": (r"K^{\top}",),
        "sqrt": (r"/\sqrt{d_k}",),
        "V": (r"V",),
    }

    def __init__(self, theme: Theme, size: float = 40, dimmed: float = 0.3) -> None:
        super().__init__()
        pieces = [r"\mathrm{softmax}\Big(", "Q", r"K^{\top}", r"/\sqrt{d_k}", r"\Big)", "V"]
        self.tex = MathTex(*pieces, font_size=size, color=theme.text)
        colors = {"Q": theme.q, r"K^{\top}": theme.k, "V": theme.v}
        for piece, mob in zip(pieces, self.tex):
            mob.set_color(colors.get(piece, theme.text))
        self._index = {p: i for i, p in enumerate(pieces)}
        self.add(self.tex)
        declare_dimmed(self.tex).set_opacity(dimmed)  # parts waiting for their step: faded on purpose

    def part(self, name: str) -> VGroup:
        return VGroup(*[self.tex[self._index[p]] for p in self.PARTS[name]])

    def lit(self, *names: str) -> VGroup:
        """The parts to pass to an animation, e.g. `self.play(formula.part('Q').animate.set_opacity(1))`."""
        return VGroup(*[self.part(n) for n in names])
