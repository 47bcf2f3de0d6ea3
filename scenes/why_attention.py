"""Segment 1, why-attention: why self-attention instead of a recurrent network.

The intro sentence (cfg.video.intro_sentence) is read by an RNN one token at a time, the early
word's influence fading along the chain (an illustration, not computed numbers); then
self-attention links every pair of tokens in one step. The segment ends on the sentence the rest
of the video computes (the trace's tokens).

Which two tokens the segment talks about: `video.intro_link` (the word and the word it refers
to), else a small English guess (core/intro_link.py: a pronoun and the word after a determiner
before it; without a pronoun, the last and the first word of the sentence).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    CubicBezier,
    Dot,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    Square,
    VGroup,
    Write,
)

from attention_explainer.core.intro_link import guess_pair, intro_pair
from attention_explainer.core.slicing import shown
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    Theme,
    TokenRow,
    arrow_line,
    fit,
    label,
    plural,
    short,
    showing,
    subscript,
    visible,
    wrap_lines,
)
from attention_explainer.scenes.layout import LINE_W, SAFE, SUBTITLE_Y

# --------------------------------------------------------------------------- the focus pair rule
DECAY = 0.7  # illustration only: the RNN colour keeps this share per step (stated on screen)
STRONGEST = 0.5  # fill opacity of the key's own hidden state: its name on it keeps 4.5:1
MAX_SHOWN = 16  # at most this many tokens in a row; longer sentences show a slice

# Where the parts go (y of their centres; the title and sub-heading lines are layout's TITLE_Y, SUBTITLE_Y)
SENTENCE_Y, QUESTION_Y = 0.2, 2.0  # 1. the intro sentence, and the question over it
CHAIN_ROW_Y, NOTE_Y = 1.55, -2.35  # 2. the sentence over the RNN chain; the colour note at the bottom
ARCS_ROW_Y = -0.55  # 3. the sentence under its all-pairs arcs, the contrast table under it
INTRO_Y, FINAL_ROW_Y = 2.45, -1.45  # 4. "Let's see …" and the configured sentence, its arcs between
COLUMN_X = (-3.4, 3.4)  # the contrast table's two columns (centres)
SAY_CHARS = 22  # longer tokens are cut (with "…") where a line names them
focus_pair = guess_pair  # the English guess used without video.intro_link (core/intro_link.py)


def focus_indices(n: int, must: Sequence[int], limit: int) -> list[Optional[int]]:
    """At most `limit` places of token indices (None = ellipsis), `must` among them (core.slicing)."""
    return shown(n, limit, must)


def adaptive_row(tokens: Sequence[str], theme: Theme, pick, max_width: float = 13.0,  # type: ignore[no-untyped-def]
                 min_scale: float = 0.7, size: float = 28) -> TokenRow:
    """A TokenRow showing as many tokens (up to MAX_SHOWN) as stay legible in max_width.

    `pick(limit)` gives the indices to show for a limit.
    """
    limit = min(MAX_SHOWN, len(tokens))
    while True:
        row = TokenRow(tokens, theme, indices=pick(limit), size=size, max_width=1000)
        if row.width * min_scale <= max_width or limit <= 4:
            return fit(row, max_width, 1.0)
        limit -= 2


def arc_between(p: np.ndarray, q: np.ndarray, height: float, color: str, width: float,
                opacity: float) -> CubicBezier:
    """A cheap arc over two points (control points raised by height / 0.75 gives peak = height)."""
    lift = UP * height / 0.75
    return CubicBezier(p, p + lift, q + lift, q, stroke_color=color, stroke_width=width,
                       stroke_opacity=opacity)


def all_pairs_arcs(row: TokenRow, theme: Theme, max_height: float, highlight: Optional[tuple[int, int]] = None,
                   ) -> tuple[VGroup, Optional[CubicBezier]]:
    """Arcs above the row between every pair of shown tokens; the highlighted pair separately."""
    slots = [(a, i) for a, i in enumerate(row.indices) if i is not None]
    tops = {i: row[a][0].get_top() for a, i in slots}
    span = max((abs(tops[j][0] - tops[i][0]) for _, i in slots for _, j in slots), default=1.0) or 1.0
    rise = min(0.55, (max_height - 0.2) / span)  # height per unit of distance: near pairs stay low
    pairs = len(slots) * (len(slots) - 1) // 2
    opacity = 0.45 if pairs <= 30 else max(0.18, 0.45 * (30 / pairs) ** 0.5)  # many arcs: lighter
    arcs, special = VGroup(), None
    for x, (_, i) in enumerate(slots):
        for _, j in slots[x + 1:]:
            h = 0.2 + rise * abs(tops[j][0] - tops[i][0])
            if highlight is not None and {i, j} == set(highlight):
                special = arc_between(tops[i], tops[j], h, theme.accent, 5, 1.0)
            else:
                arcs.add(arc_between(tops[i], tops[j], h, theme.muted, 1.5, opacity))
    return arcs, special


# -------------------------------------------------------------------------------------- scene
class WhyAttention(ExplainerScene):
    scene_id = "why-attention"

    def construct(self) -> None:
        th = self.theme
        toks = list(self.input.intro_tokens)
        n = len(toks)
        q, k, is_pronoun = intro_pair(toks, self.cfg.video.intro_link)  # named, or the English guess
        qt, kt = short(toks[q], SAY_CHARS), short(toks[k], SAY_CHARS)
        dist = q - k

        # -- 1. the sentence and the question ------------------------------------------------
        heading = self.title("Why self-attention?")
        row = adaptive_row(toks, th, lambda lim: focus_indices(n, [k, q], lim))
        row.move_to(UP * SENTENCE_Y)
        slice_note = None
        said = showing((row.shown(), n, "tokens"))
        if said:
            slice_note = label(said, th, 20, th.muted)
        with self.beat(key="sentence"):
            self.play(FadeIn(heading), run_time=0.6)
            self.play(LaggedStart(*[FadeIn(m, shift=UP * 0.15) for m in row], lag_ratio=0.08), run_time=1.2)
            if slice_note is not None:
                slice_note.next_to(row, DOWN, buff=0.25)
                self.play(FadeIn(slice_note), run_time=0.4)

        ask = ui(f"What does “{qt}” refer to?") if is_pronoun else ui(f"What does “{qt}” relate to?")
        question = fit(label(ask, th, 34), LINE_W, 0.8).move_to(UP * QUESTION_Y)
        qbox, kbox = row.item(q)[0], row.item(k)[0]
        link = VGroup()
        if dist > 0:
            a, b = kbox.get_top(), qbox.get_top()
            arc = arc_between(a, b, min(1.1, 0.35 + 0.15 * abs(b[0] - a[0])), th.accent, 4, 1.0)
            apart = label(ui(f"{plural(dist, 'token')} apart"), th, 22, th.accent)
            apart.next_to(row, DOWN, buff=0.3 if slice_note is None else 0.75)
            link = VGroup(arc, apart)
        with self.beat(key="long-link", query=q, target=k, dist=dist, pronoun=is_pronoun, far=dist >= 4):
            self.play(Write(question), run_time=0.8)
            self.play(qbox.animate.set_stroke(th.q, width=4), kbox.animate.set_stroke(th.k, width=4), run_time=0.5)
            if len(link):
                self.play(Create(link[0]), FadeIn(link[1]), run_time=0.9)

        # -- 2. a recurrent network reads one token at a time ----------------------------------
        sub = fit(label(ui("A recurrent network (RNN) reads one token at a time"), th, 28, th.muted), LINE_W, 0.6)
        sub.set_y(SUBTITLE_Y)
        fade_out = [question, *link]
        if slice_note is not None:
            fade_out.append(slice_note)
        self.play(*[FadeOut(m) for m in fade_out], row.animate.move_to(UP * CHAIN_ROW_Y), run_time=0.6)
        chain = self._chain(row)
        with self.beat(key="rnn-chain"):
            self.play(FadeIn(sub), run_time=0.5)
            self.play(Create(chain["feeds"]), FadeIn(chain["boxes"]), FadeIn(chain["names"]),
                      Create(chain["arrows"]), run_time=1.4)

        counter = label(ui(f"step 1 of {n}"), th, 26, th.text, mono=True)
        counter.next_to(chain["boxes"], DOWN, buff=0.5).set_x(0)
        pulse = Dot(radius=0.09, color=th.accent)
        slots = [(a, i) for a, i in enumerate(row.indices) if i is not None]
        pulse.move_to(chain["boxes"][slots[0][0]].get_left() + LEFT * 0.25)
        with self.beat(key="rnn-steps"):
            self.play(FadeIn(counter), FadeIn(pulse), run_time=0.4)
            step_time = min(0.45, 5.0 / len(slots))
            for a, i in slots:
                box = chain["boxes"][a]
                counter.become(label(ui(f"step {i + 1} of {n}"), th, 26, th.text, mono=True).move_to(counter))
                influence = DECAY ** (i - k) if i >= k else 0.0
                self.play(pulse.animate.move_to(box.get_top() + UP * 0.2),  # above its name, not on it
                          # at most half-strength orange: the name on it keeps 4.5:1 (white on full orange: 2:1)
                          box.animate.set_fill(th.k, opacity=STRONGEST * influence).set_stroke(th.accent),
                          run_time=step_time)
                box.set_stroke(th.muted)

        note = fit(label(ui(f"colour = what the chain still carries of “{kt}” "
                            "(an illustration, not computed numbers)"), th, 22, th.muted), 12.8, 0.5)
        note.move_to(UP * NOTE_Y)
        with self.beat(key="rnn-fade", query=q, target=k):
            self.play(FadeOut(pulse), FadeIn(note), run_time=0.6)
            focus = [chain["boxes"][row.indices.index(k)]]
            if dist > 0:
                focus.append(chain["boxes"][row.indices.index(q)])
            self.play(*[Indicate(b, color=th.accent, scale_factor=1.15) for b in focus], run_time=1.0)

        # -- 3. self-attention: every pair, one step --------------------------------------------
        sub2 = fit(label(ui("Self-attention: every token looks at every other, in one step"), th, 28, th.muted),
                   LINE_W, 0.6).move_to([0, SUBTITLE_Y, 0])
        self.play(FadeOut(VGroup(*chain.values())), FadeOut(counter), FadeOut(note), FadeOut(sub),
                  row.animate.move_to(UP * ARCS_ROW_Y), run_time=0.7)
        arcs, special = all_pairs_arcs(row, th, max_height=sub2.get_bottom()[1] - 0.2 - row.get_top()[1],
                                       highlight=(k, q) if dist > 0 else None)
        shown = row.shown()
        pairs = shown * (shown - 1) // 2
        with self.beat(key="all-pairs"):
            self.play(FadeIn(sub2), run_time=0.5)
            drawn = VGroup(*arcs, *([special] if special is not None else []))
            if len(drawn):
                self.play(Create(drawn), run_time=1.5)
        if pairs > 1:
            with self.beat(key="pair-count", shown=shown, pairs=pairs):
                self.play(Indicate(arcs, color=th.text, scale_factor=1.0), run_time=1.0)
        if special is not None:
            with self.beat(key="one-hop", query=q, target=k):
                self.play(arcs.animate.set_stroke(opacity=arcs[0].get_stroke_opacity() * 0.5), run_time=0.5)
                self.play(Indicate(special, color=th.accent, scale_factor=1.0),
                          Indicate(qbox, color=th.q), Indicate(kbox, color=th.k), run_time=1.2)

        table = self._contrast_table(n, dist, qt, kt)
        SAFE.keep(table.next_to(row, DOWN, buff=0.35), x=False)
        with self.beat(key="contrast"):
            self.play(FadeIn(table[0]), run_time=0.6)
            self.play(FadeIn(table[1]), run_time=0.6)
            self.play(FadeIn(table[2]), run_time=0.6)
        with self.beat(key="parallel"):
            self.play(Indicate(table[2], color=th.accent, scale_factor=1.05), run_time=1.0)

        # -- 4. the sentence of this video -----------------------------------------------------
        self.play(FadeOut(VGroup(row, arcs, table, sub2, *([special] if special is not None else []))),
                  run_time=0.6)
        self._configured_sentence(heading)

    # ---------------------------------------------------------------------------------- parts
    def _chain(self, row: TokenRow) -> dict[str, VGroup]:
        """Hidden-state boxes h1 … hn under the shown tokens, arrows between them."""
        th = self.theme
        xs = [row[a].get_x() for a in range(len(row.indices))]
        gaps = [b - a for a, b in zip(xs, xs[1:])] or [1.0]
        side = min(0.62, 0.62 * min(gaps))
        y = row.get_bottom()[1] - 0.75 - side / 2
        boxes, names, feeds, arrows = VGroup(), VGroup(), VGroup(), VGroup()
        for a, i in enumerate(row.indices):
            box = Square(side_length=side, stroke_color=th.muted, stroke_width=2.5,
                         fill_color=th.panel, fill_opacity=1).move_to([xs[a], y, 0])
            if i is None:
                box.set_stroke(opacity=0).set_fill(opacity=0)
                name = label("⋯", th, 24, th.muted)
            else:
                name = label(f"h{subscript(i + 1)}", th, 22, th.text)
                feeds.add(arrow_line(row[a][0].get_bottom(), box.get_top(), th.muted, 2))
            fit(name, side * 0.85, side * 0.6).move_to(box)
            boxes.add(box)
            names.add(name)
        for a in range(len(boxes) - 1):
            start, end = boxes[a].get_right(), boxes[a + 1].get_left()
            if end[0] - start[0] > 0.05:
                arrows.add(Arrow(start, end, buff=0.02, stroke_width=2.5, color=th.muted, tip_length=0.12,
                                 max_tip_length_to_length_ratio=0.45, max_stroke_width_to_length_ratio=20))
        return {"feeds": feeds, "boxes": boxes, "names": names, "arrows": arrows}

    def _contrast_table(self, n: int, dist: int, qt: str, kt: str) -> VGroup:
        th = self.theme
        size = 24
        head = VGroup(label(ui("recurrent network"), th, size, th.muted), label(ui("self-attention"), th, size, th.muted))
        steps = VGroup(label(ui(f"{plural(n, 'step')}, in sequence"), th, size),
                       label(ui("1 step, all pairs in parallel"), th, size))
        if dist > 0:
            path = VGroup(
                VGroup(label(ui(f"“{kt}” → “{qt}”: {plural(dist, 'step')}"), th, size), MathTex(r"O(n)", font_size=34, color=th.text)),
                VGroup(label(ui(f"“{kt}” → “{qt}”: 1 step"), th, size), MathTex(r"O(1)", font_size=34, color=th.accent)),
            )
        else:
            path = VGroup(
                VGroup(label(ui("path between distant words:"), th, size), MathTex(r"O(n)", font_size=34, color=th.text)),
                VGroup(label(ui("path between any two words:"), th, size), MathTex(r"O(1)", font_size=34, color=th.accent)),
            )
        for cell in path:
            cell.arrange(RIGHT, buff=0.25)
        col_w = 6.2
        rows = VGroup()
        for pair in (head, steps, path):
            for cell in pair:
                fit(cell, col_w, 0.6)
            rows.add(pair.arrange(RIGHT))  # its two cells on one line
        rows.arrange(DOWN, buff=0.22)
        for pair in rows:
            for cell, x in zip(pair, COLUMN_X):
                cell.set_x(x)
        fit(rows, 13.4, 1.95)
        return rows

    def _configured_sentence(self, heading) -> None:  # type: ignore[no-untyped-def]
        th, tokens = self.theme, list(self.trace.tokens)
        n = len(tokens)
        intro = label(ui("Let's see exactly how it works for:"), th, 30, th.muted).move_to(UP * INTRO_Y)
        sentence = wrap_lines(self.cfg.sentence, th, 34, 12.6, 1.6, max_lines=4)
        sentence.next_to(intro, DOWN, buff=0.25)
        row = adaptive_row(tokens, th, lambda lim: visible(n, lim), min_scale=0.5)
        row.move_to(UP * FINAL_ROW_Y)
        top = sentence.get_bottom()[1] - 0.25
        arcs, _ = all_pairs_arcs(row, th, max_height=top - row.get_top()[1])
        extra = VGroup()
        said = showing((row.shown(), n, "tokens"))
        if said:
            extra = label(said, th, 20, th.muted).next_to(row, DOWN, buff=0.2)
        with self.beat(key="your-sentence"):
            self.play(FadeIn(intro), run_time=0.5)
            self.play(FadeIn(sentence), run_time=0.7)
            self.play(LaggedStart(*[FadeIn(m, shift=UP * 0.15) for m in row], lag_ratio=0.08),
                      *([FadeIn(extra)] if len(extra) else []), run_time=1.0)
        with self.beat(key="compare-all"):
            if len(arcs):
                self.play(Create(arcs), run_time=1.2)
            else:
                self.play(Indicate(row, color=th.accent), run_time=1.0)
