"""softmax(QKᵀ/√d_k)V with parts that light up as their step runs; formulas with words in them
(`math_words`), the words in the lesson language.

Example (dimmed, with the scores' parts lit)::

    from attention_explainer.scenes.components import DARK, Formula
    picture = Formula(DARK, size=48)
    picture.lit("Q", "K", "sqrt").set_opacity(1)
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Mapping, Optional

from manim import DOWN, RIGHT, MathTex, VGroup, VMobject

from attention_explainer.narration.locale import current_language
from attention_explainer.narration.words import tr
from attention_explainer.scenes.checking import dimmed as declare_dimmed
from attention_explainer.scenes.components.text import label
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


# ------------------------------------------------------------------- words inside a formula
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_words(text: str) -> str:
    """Plain words as LaTeX text (`\\text{...}`), its special characters escaped."""
    return r"\text{" + "".join(_TEX_SPECIAL.get(c, c) for c in text) + "}"


def latex_draws_words() -> bool:
    """LaTeX here draws Latin letters with their accents (é ñ ç ü ã, utf8 input, composed in OT1)
    but not Devanagari, Chinese or Japanese: those words go beside the formula as Text."""
    return current_language().script == "latin"


def math_words(template: str, theme: Theme, size: float, color: str, tex: Optional[Mapping[str, str]] = None,
               after: str = "", **values: object) -> VMobject:
    """A formula with words in it, the words in the lesson language: `template` is an English
    label whose fields are LaTeX (`tex`: "share of {sigma}", sigma=r"\\Sigma") or plain values
    ({n}). Its translation (narration/words) may put the maths elsewhere ("占 {sigma} 的份额").
    Latin script: one MathTex (English: exactly the formula as written before). Else the maths
    as MathTex pieces and the words as Text labels between them, in reading order. `after`: LaTeX
    put after it all (" = 1.00")."""
    tex = dict(tex or {})
    pieces: list[list] = []  # [is_tex, source]
    for literal, field, _, _ in Formatter().parse(tr(template)):
        words = literal + ("" if field is None or field in tex else str(values[field]))
        if words and pieces and not pieces[-1][0]:
            pieces[-1][1] += words
        elif words:
            pieces.append([False, words])
        if field is not None and field in tex:
            pieces.append([True, tex[field]])
    if after:
        pieces.append([True, after])
    if latex_draws_words():
        source = "".join(s if is_tex else tex_words(s) for is_tex, s in pieces)
        return MathTex(source, font_size=size, color=color)
    mobs = [MathTex(s, font_size=size, color=color) if is_tex else label(s.strip(), theme, size * 0.8, color)
            for is_tex, s in pieces if s.strip()]
    return VGroup(*mobs).arrange(RIGHT, buff=0.12)


def sub_words(base: VMobject, words: str, theme: Theme, size: float, color: str) -> VMobject:
    """`base` (a MathTex such as Σ) with words as its subscript, in a script LaTeX cannot draw:
    a small Text label at its lower right."""
    sub = label(words, theme, size * 0.5, color)
    sub.next_to(base, RIGHT, buff=0.04).align_to(base, DOWN).shift(DOWN * 0.12)
    return VGroup(base, sub)


def maths(tex: str, theme: Theme, size: float, color: str) -> VMobject:
    """MathTex(tex), or, when `tex` is only words (`\\text{tokens}`), those words in the lesson
    language (`math_words`)."""
    words = re.fullmatch(r"\\text\{([^{}\\]*)\}", tex)
    return math_words(words.group(1), theme, size, color) if words else MathTex(tex, font_size=size, color=color)
