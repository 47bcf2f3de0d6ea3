"""Segment 2, math: from the raw sentence to the output Z, one step at a time, with real numbers.

    tokens -> X -> Q = X W_Q, K = X W_K, V = X W_V -> Q Kᵀ -> / √d_k -> softmax -> A V = Z

Every number on screen is read from the trace (self.trace) and formatted with fmt(); the scene
computes no attention. What the trace does not store comes from core/worked.py: the products of
one worked cell and the softmax row worked by hand (every written number checks by hand).

The worked examples are picked by a fixed rule, never at random: the query is video.focus, else
the last token, and the key the shown token that query attends to most (`worked_pair`). Up to 10
tokens are shown in full, more as a slice with ellipses (core.slicing.shown, keeping the worked
row and its largest weights in view) and a note saying so; widths above 6 are sliced the same
way. When wide numbers would make a layout tiny, a step switches to a roomier one (Q under X W_Q,
Z on its own after the worked row, the closing text under Z).

Seams: scenes/math_helpers.py holds the rules that need no scene (limits, worked pair, slice
notes); scenes/math_weights.py the last two steps (softmax, Z = A V) as functions of the scene.

Cost: a Text per number and a copy of every glyph per Fade made this scene slow to build. Numbers
are put together from cached glyphs (MonoNumbers, identical outlines), and scene changes and
reveals fade a background-coloured rectangle over or off the content instead of the content.
"""

from __future__ import annotations

import math

from typing import Any, Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    Mobject,
    Transform,
    TransformFromCopy,
    VGroup,
)

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.core.provenance import weights_note
from attention_explainer.scenes.components import (
    ui,
    MatrixView,
    Formula,
    TokenRow,
    WorkedCell,
    fit,
    fmt,
    label,
    relation,
    slim,
    tex_number,
)
from attention_explainer.scenes.components.trace_views import TraceViews
from attention_explainer.scenes.layout import TITLE_Y
from attention_explainer.scenes.steps import BOX, GROW, TOP, WORK_TOP, StepChanges, align_rows, place
from attention_explainer.core.slicing import shown
from attention_explainer.core.worked import cell_products as products
from attention_explainer.scenes.math_helpers import (
    DIM_LIMIT,
    ROW_TOKENS,
    slice_note,
    token_rows,
    worked_pair,
    wrapped,
)
from attention_explainer.scenes.math_weights import step_output, step_softmax

EQN_BOTTOM = -1.5  # "X × W_Q = Q" sits above this line, its worked cell under it

# ----------------------------------------------------------------------------------------- scene
class AttentionMath(StepChanges, ExplainerScene):
    """Tokens -> X -> Q, K, V -> scores -> scaled -> softmax -> Z, each step worked on screen."""

    scene_id = "math"

    def construct(self) -> None:
        t = self.trace
        focus = self.cfg.focus_index  # video.focus (None: the last token)
        self.rows = token_rows(t.weights, focus)  # a long sentence keeps the focus row and its top keys
        self.dm = shown(t.d_model, DIM_LIMIT)
        self.dk = shown(t.d_k, DIM_LIMIT)
        self.qi, self.kj = worked_pair(t.weights, self.rows, focus)
        self.p = t.precision
        self.kit = TraceViews(t, self.theme, self.rows, self.dm, self.dk)  # each matrix built once
        self.title_mob: Optional[Mobject] = None
        self.note_mob: Optional[Mobject] = None
        self.formula = slim(Formula(self.theme, size=34))
        BOX.align(self.formula, RIGHT).set_y(TITLE_Y)  # right, on the title line

        self.step_tokens()
        self.step_weights()
        self.step_queries()
        self.step_keys_values()
        self.step_scores()
        S, SC = self.step_scale()
        A = step_softmax(self, S, SC)  # scenes/math_weights.py
        step_output(self, A)

    # -- small tools ----------------------------------------------------------------------------
    def tok(self, i: int) -> str:
        """A token as said in a caption; repeated tokens get their position."""
        toks = self.trace.tokens
        name = f"“{toks[i]}”"
        return f"{name} (token {i + 1})" if toks.count(toks[i]) > 1 else name

    def mat(self, key: str, hide: Sequence[str] = ()) -> MatrixView:
        """A fresh copy of the view of trace matrix `key` (TraceViews.mat)."""
        return self.kit.mat(key, hide)

    def view(self, key: str, values: np.ndarray, decimals: int, color: str, **kwargs: Any) -> MatrixView:
        """A view of other values, drawn as the trace's matrices are (TraceViews.view)."""
        return self.kit.view(key, values, decimals, color, **kwargs)

    def with_provenance(self) -> list:
        """Animations that add where the numbers come from (random and seeded, or the config's;
        not a trained model) to the note under the title: said wherever the narration reads
        meaning into a score or a weight."""
        th, short = self.theme, ui(weights_note(self.cfg.model))
        before = getattr(self.note_mob, "original_text", None) if self.note_mob is not None else None
        if before and short in before:
            return []  # said already
        text = f"{before} · {short}" if before else ui(weights_note(self.cfg.model, long=True))
        new = self.note_line(text, th.text, self.beside_formula().width)
        anims: list = [FadeIn(new)]
        if self.note_mob is not None:
            anims.append(FadeOut(self.note_mob))
        self.note_mob = new
        return anims

    # -- 1. sentence -> tokens -> X --------------------------------------------------------------
    def step_tokens(self) -> None:
        t, th = self.trace, self.theme
        sentence = slim(wrapped(self.cfg.sentence, th, 34, 12.4))
        sentence.move_to(UP * 1.6)
        with self.beat(key="intro"):
            self.play(*self.set_title("1 · From words to numbers"), FadeIn(self.formula), FadeIn(sentence))

        row = slim(TokenRow(t.tokens, th, indices=shown(t.n, ROW_TOKENS, [self.qi]), max_width=13.2))
        row.next_to(sentence, DOWN, buff=0.7)
        with self.beat(key="tokens"):
            self.play(LaggedStart(*[FadeIn(item, shift=DOWN * 0.2) for item in row], lag_ratio=0.12),
                      run_time=1.2)

        X = self.mat("X")
        shape = VGroup(label(f"{t.n} × {t.d_model}", th, 28),
                       label(ui("tokens × d_model"), th, 20, th.muted)).arrange(DOWN, buff=0.12)
        body = VGroup(X, shape).arrange(RIGHT, buff=0.6)
        place(body, BOX.inset(top=0.9))  # (the token row above)
        body.shift(RIGHT * max(0.0, min(-X.get_x(), BOX.right - body.get_right()[0])))  # X towards the centre
        row_target = row.copy()
        fit(row_target.scale(0.8), 13.2, 0.6).move_to([0, TOP - 0.3, 0])
        with self.beat(key="embeddings"):
            self.play(FadeOut(sentence), Transform(row, row_target), run_time=0.8)
            self.play(FadeIn(X.brackets), FadeIn(X.name),
                      *[TransformFromCopy(row.item(r)[1], X.row_labels[a])
                        for a, r in enumerate(X.rows) if r is not None and r in row.indices],
                      *[FadeIn(X.row_labels[a]) for a, r in enumerate(X.rows)
                        if r is None or r not in row.indices],
                      run_time=1.0)
            self.reveal(*X.get_rows(), lag=0.2, run_time=1.2)
        note = slice_note(t.n, d_model=t.d_model, rows=self.rows)
        with self.beat(key="x-matrix"):
            self.play(FadeIn(shape, shift=LEFT * 0.2), *self.set_title("1 · From words to numbers", note))
        if getattr(self.cfg.model, "positional_encoding", False):
            with self.beat(key="positions"):
                self.play(Indicate(X.entries, color=th.accent, scale_factor=1.03))

    # -- 2. the three weight matrices ------------------------------------------------------------
    def step_weights(self) -> None:
        t, th = self.trace, self.theme
        roles = (("W_Q", th.q, "query:", "what I am looking for"),
                 ("W_K", th.k, "key:", "what I offer"),
                 ("W_V", th.v, "value:", "what I pass on"))
        columns, descs, mats = [], [], []
        for key, color, word, meaning in roles:
            W = self.mat(key)
            size = label(f"{t.d_model} × {t.d_k}", th, 20, th.muted).next_to(W, DOWN, buff=0.2)
            desc = VGroup(label(ui(word), th, 24, color), label(ui(meaning), th, 22)).arrange(DOWN, buff=0.1)
            desc.next_to(size, DOWN, buff=0.3)
            columns.append(VGroup(W, size, desc))
            descs.append(desc)
            mats.append(VGroup(W, size))
        body = VGroup(*columns).arrange(RIGHT, buff=0.9, aligned_edge=UP)
        place(body)
        with self.beat(key="w-matrices"):
            self.clear_to("2 · Three learned weight matrices", slice_note(1, t.d_model, t.d_k))
            self.reveal(*mats, lag=0.3, run_time=1.5)
        for part, desc, col in zip("qkv", descs, columns):
            with self.beat(key=f"w-{part}-role"):
                self.play(FadeIn(desc, shift=UP * 0.15), Indicate(col[0].name, color=th.accent), run_time=0.9)
        with self.beat(key="w-source"):
            self.play(*[Indicate(m[0].entries, color=th.accent, scale_factor=1.02) for m in mats], run_time=1.2)

    # -- 3. Q = X W_Q, one cell worked -----------------------------------------------------------
    def step_queries(self) -> None:
        t, th, qi, p = self.trace, self.theme, self.qi, self.p
        X, W = self.mat("X"), self.mat("W_Q")
        Q = self.mat("Q", hide=("row_labels",))  # in one line its rows line up with X's labels
        times, eq = MathTex(r"\times", color=th.muted), MathTex("=", color=th.muted)
        eqn = VGroup(X, times, W, eq, Q).arrange(RIGHT, buff=0.35)
        align_rows([X, W, Q], 0)
        times.set_y(0), eq.set_y(0)
        upper = BOX.split_y(EQN_BOTTOM)[0]  # the worked cell goes under it
        arrangements = {"one line": slim(eqn)}
        if upper.scale_for(eqn, math.inf) < 0.8:  # wide: try "X × W_Q" over "= Q"
            Q2 = self.mat("Q")
            stacked = VGroup(VGroup(X.copy(), times.copy(), W.copy()), VGroup(eq.copy(), Q2))
            stacked[0].arrange(RIGHT, buff=0.35)
            stacked[1].arrange(RIGHT, buff=0.35)
            arrangements["stacked"] = slim(stacked.arrange(DOWN, buff=0.3))
        if upper.best_fit(arrangements, grow=GROW).rule == "stacked":
            (X, times, W), (eq, Q) = stacked[0], stacked[1]

        with self.beat(key="queries"):
            self.clear_to("3 · Queries", slice_note(t.n, t.d_model, t.d_k, rows=self.rows))
            frame = VGroup(*[m for m in (Q.brackets, Q.name, Q.row_labels) if m in Q.submobjects])
            self.reveal(X, W, times, eq, frame, anims=self.light("Q"), run_time=1.2)

        c = 0
        x_rect, w_rect, q_rect = X.row_rect(qi, th.accent), W.col_rect(c, th.accent), Q.cell_rect(qi, c)
        with self.beat(key="q-cell", query=qi):
            self.play(Create(x_rect), Create(w_rect), Create(q_rect), run_time=1.0)

        work = WorkedCell(t.X[qi], t.W_Q[:, c], self.dm, t.Q[qi, c], p, 2 * p, th, (th.x, th.q),
                          products=products(t.X, t.W_Q, qi, c))
        line1, line2, total = work.lines[0], work.lines[1], work.value
        place(work, BOX.split_y(WORK_TOP)[1], grow=1.1)
        with self.beat(key="q-products"):
            self.play(LaggedStart(*[FadeIn(part) for part in line1.parts], lag_ratio=0.08), run_time=1.6)
            self.play(FadeIn(line2), run_time=0.8)
        with self.beat(key="q-sum") as line:
            self.play(Indicate(total, color=th.accent), run_time=0.8)
            line.wait_until("cell")  # the number lands in Q as the narration names the cell
            self.play(TransformFromCopy(total, Q.entry(qi, c)), run_time=1.0)
        with self.beat(key="q-fill"):
            self.play(FadeOut(x_rect), FadeOut(w_rect), FadeOut(q_rect), FadeOut(work), run_time=0.5)
            rest = Q.entries_except({(qi, c)})
            self.reveal(*rest, lag=0.05, run_time=1.8)

    # -- 3b. K and V -----------------------------------------------------------------------------
    def step_keys_values(self) -> None:
        t, th, qi = self.trace, self.theme, self.qi
        Q = self.mat("Q")
        K = self.mat("K", hide=("row_labels",))
        V = self.mat("V", hide=("row_labels",))
        group = VGroup(Q, K, V).arrange(RIGHT, buff=0.9)
        align_rows([Q, K, V], 0)
        place(group)
        with self.beat(key="keys-values"):
            self.clear_to("3 · Keys and values", slice_note(t.n, d_k=t.d_k, rows=self.rows))
            self.reveal(Q, run_time=0.5)
            self.reveal(K, V, lag=0.4, run_time=1.4)
        rects = [m.row_rect(qi, c) for m, c in ((Q, th.q), (K, th.k), (V, th.v))]
        with self.beat(key="qkv-per-token", query=qi):
            self.play(LaggedStart(*[Create(r) for r in rects], lag_ratio=0.3), run_time=1.2)

    # -- 4. scores = Q Kᵀ ------------------------------------------------------------------------
    def step_scores(self) -> None:
        t, th, qi, kj = self.trace, self.theme, self.qi, self.kj
        Q, KT = self.mat("Q"), self.mat("K.T")
        # Q's labels name the rows and Kᵀ's the columns: the grid between them needs none.
        S = self.mat("scores", hide=("row_labels", "col_labels", "name"))
        KT.shift(S.grid.get_center() - KT.grid.get_center())
        KT.shift(UP * (S.grid.height / 2 + KT.grid.height / 2 + 0.3))
        Q.shift(S.grid.get_left() - Q.grid.get_right() + LEFT * 0.55)
        Q.shift(UP * (S.grid.get_top()[1] - Q.grid.get_top()[1]))
        eq = MathTex("=", color=th.muted).move_to((Q.grid.get_right() + S.grid.get_left()) / 2)
        legend = VGroup(label(ui("rows: queries"), th, 22, th.q), label(ui("columns: keys"), th, 22, th.k))
        legend.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        fit(legend, max(Q.width, 1.0), 1.0)
        low = Q.get_top()[1] + 0.2 + legend.height / 2  # above Q's name
        legend.move_to([Q.get_center()[0], max(KT.grid.get_center()[1], low), 0])
        name = MathTex(r"QK^{\top}", font_size=36, color=th.text).next_to(S.brackets, RIGHT, buff=0.25)
        layout = VGroup(Q, KT, S, eq, legend, name)
        # long numbers: the sum on two lines
        work = WorkedCell(t.Q[qi], t.K[kj], self.dk, t.scores[qi, kj], 2 * self.p, 2, th, (th.q, th.k),
                          max_chars=70, buff=0.15)
        parts = work.parts
        bottom = -2.0 if len(work.lines) == 1 else -1.65
        upper, lower = BOX.split_y(bottom - 0.1, gap=0.2)
        place(layout, upper)
        place(work, lower, grow=1.1)

        with self.beat(key="scores"):
            self.clear_to("4 · Scores: queries against keys", slice_note(t.n, d_k=t.d_k, rows=self.rows))
            self.reveal(Q, KT, S.brackets, eq, name, anims=self.light("K"), run_time=1.2)
        with self.beat(key="rows-cols"):
            self.play(FadeIn(legend), Indicate(Q.row_labels, color=th.q), Indicate(KT.col_labels, color=th.k),
                      run_time=1.2)

        q_rect, k_rect, s_rect = Q.row_rect(qi, th.q), KT.col_rect(kj, th.k), S.cell_rect(qi, kj)
        with self.beat(key="score-pair", query=qi, target=kj):
            self.play(Create(q_rect), Create(k_rect), Create(s_rect), run_time=1.0)

        with self.beat(key="dot-product") as line:
            self.play(LaggedStart(*[FadeIn(part) for part in parts], lag_ratio=0.06), run_time=1.6)
            line.wait_until("score")  # the score reaches its cell on the word
            self.play(TransformFromCopy(parts[-1], S.entry(qi, kj)), run_time=1.0)

        with self.beat(key="scores-fill"):
            self.play(FadeOut(work), FadeOut(k_rect), FadeOut(s_rect), run_time=0.5)
            for r, row in zip(S.rows, S.get_rows()):
                cells = VGroup(*[e for c, e in zip(S.cols, row) if (r, c) != (qi, kj)])
                moves = [] if r is None else [q_rect.animate.move_to(Q.row_rect(r).get_center())]
                self.reveal(*cells, lag=0.1, anims=moves, run_time=0.5)
            self.play(FadeOut(q_rect), run_time=0.3)
        row = t.scores[qi]
        best = max((c for c in S.cols if c is not None), key=lambda j: (row[j], -j))
        with self.beat(key="score-best", query=qi, best=best) as line:
            self.play(Create(S.cell_rect(qi, best)), *self.with_provenance(), run_time=0.8)

    # -- 5. scale by √d_k ------------------------------------------------------------------------
    def step_scale(self) -> None:
        t, th = self.trace, self.theme
        S, SC = self.mat("scores"), self.mat("scaled")
        root = t.sqrt_d_k
        panel = VGroup(
            MathTex(r"\div \sqrt{d_k}", font_size=48, color=th.accent),
            MathTex(rf"\sqrt{{{t.d_k}}} {tex_number(relation(root, 2))} {tex_number(fmt(root, 2))}",
                    font_size=40, color=th.text),
        ).arrange(DOWN, buff=0.35)
        why = VGroup(label(ui("keeps scores small,"), th, 22, th.muted),
                     label(ui("so softmax does not saturate"), th, 22, th.muted)).arrange(DOWN, buff=0.1)
        side = VGroup(panel, why).arrange(DOWN, buff=0.6)
        body = VGroup(S, side).arrange(RIGHT, buff=1.0)
        place(body)
        SC.scale(S.grid.width / SC.grid.width)  # same size and place: the numbers change in place
        SC.shift(S.grid.get_center() - SC.grid.get_center())
        SC.name.align_to(S.name, DOWN)
        with self.beat(key="scale"):
            self.clear_to("5 · Scaling the scores", slice_note(t.n, rows=self.rows))
            self.reveal(S, panel[0], anims=self.light("sqrt"), run_time=1.2)
        with self.beat(key="scale-dk") as line:
            line.wait_until("divide")  # the divisor appears as it is said
            self.play(FadeIn(panel[1], shift=DOWN * 0.2), run_time=0.8)
            cover = self._cover(S.entries)  # the numbers fade out, change, and fade back in
            self.add(cover)
            self.play(FadeIn(cover), FadeOut(S.name), FadeIn(SC.name), run_time=0.6)
            self.remove(S.entries)
            self.add(SC.entries, cover)
            self.play(FadeOut(cover), run_time=0.6)
        with self.beat(key="scale-why"):
            self.play(FadeIn(why, shift=UP * 0.2), run_time=0.8)
        return S, SC
