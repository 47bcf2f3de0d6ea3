"""The math segment's last two steps, softmax and the output Z = A V, as functions of the scene
(like 3b1b's helpers: they take the scene, play their beats and return what they made).

`scene` is the AttentionMath scene being built (scenes/attention_math.py): its trace, theme,
worked pair (qi, kj), shown rows, matrix views (mat, view) and step changes (StepChanges).
"""

from __future__ import annotations

import math

from typing import Any

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    MathTex,
    Transform,
    TransformFromCopy,
    VGroup,
)

from attention_explainer.core.slicing import shown, top_keys
from attention_explainer.core.worked import softmax_by_hand
from attention_explainer.scenes.components import NEG_INF, MatrixView, SoftmaxRow, WeightedRows, label, slim, ui
from attention_explainer.scenes.math_helpers import SOFTMAX_KEYS, SOFTMAX_PER_LINE, row_targets, slice_note
from attention_explainer.scenes.steps import BOX, GROW, align_rows, place


# -- 6. softmax -------------------------------------------------------------------------------
def step_softmax(scene: Any, S: MatrixView, SC: MatrixView) -> MatrixView:
    """6. softmax: the mask (if causal), one row worked by hand (SoftmaxRow), then A."""
    t, th, qi = scene.trace, scene.theme, scene.qi
    if t.causal:
        masked = [SC.entry(r, c) for r, c in SC.numbers() if t.mask[r, c]]
        infs = VGroup()
        for entry in masked:
            inf = slim(label(NEG_INF, th, 24, th.muted, mono=True))
            inf.scale(SC.scale_factor()).move_to(entry)
            infs.add(inf)
        with scene.beat(key="causal-mask"):
            title = scene.set_title("6 · Softmax: scores to weights", slice_note(t.n, rows=scene.rows))
            scene.play(*title, run_time=0.6)
            if masked:
                scene.play(*[FadeOut(entry) for entry in masked], FadeIn(infs), run_time=1.2)

    r_rect = SC.row_rect(qi)
    with scene.beat(key="softmax", query=qi):
        anims = [] if t.causal else scene.set_title("6 · Softmax: scores to weights", slice_note(t.n, rows=scene.rows))
        scene.play(*anims, Create(r_rect), *scene.light("softmax"), run_time=1.0)

    hand = softmax_by_hand(t.scaled[qi], t.mask[qi], t.precision)  # every number checks by hand
    total, shift = float(hand.total), hand.shift
    table = SoftmaxRow(t.tokens, shown(t.n, SOFTMAX_KEYS, [scene.kj, *top_keys(t.weights[qi], 3)]), hand, th,
                       per_line_max=SOFTMAX_PER_LINE)
    cells = table.cells
    place(table)
    src = list(SC.row(qi))
    targets = row_targets(SC.rows, cells["keys"], cells["s"])
    with scene.beat(key="softmax-row"):
        copies = [e.copy() for e in src]
        scene.add(*copies)
        scene.clear_to(keep=copies, run_time=0.8)
        # the keys come in as the scores move under them (not before: the row's ellipsis,
        # still where the matrix was, would cross a key of the wider table)
        scene.play(*[Transform(c, target) for c, target in zip(copies, targets)], FadeIn(cells["head"]),
                   run_time=1.0)
    with scene.beat(key="softmax-exp", shifted=shift != 0):
        scene.play(FadeIn(cells["e_head"]), LaggedStart(*[FadeIn(e) for e in cells["e"]], lag_ratio=0.1),
                   run_time=1.4)
    with scene.beat(key="softmax-sum", total=total) as line:
        line.wait_until("sum")  # the sum appears on "The sum is ..."
        scene.play(FadeIn(cells["sum"], shift=LEFT * 0.2), run_time=0.8)
    with scene.beat(key="softmax-divide"):
        scene.play(FadeIn(cells["w_head"]), LaggedStart(*[FadeIn(e) for e in cells["w"]], lag_ratio=0.1),
                   run_time=1.4)
        scene.play(FadeIn(cells["total"], shift=LEFT * 0.2), run_time=0.6)
    kj = scene.kj
    with scene.beat(key="softmax-top", query=qi, target=kj, weight=float(hand.w[kj]), itself=kj == qi) as line:
        line.wait_until("weight")  # the cell is framed as its weight is said
        scene.play(Create(scene.frame(cells["w_by_key"][kj])), Indicate(cells["head_by_key"][kj],
                                                                     color=th.accent),
                  *scene.with_provenance(), run_time=1.0)

    A = scene.mat("weights")
    sums = label(ui("each row sums to 1"), th, 22, th.muted)
    body = VGroup(A, sums).arrange(RIGHT, buff=0.6)
    place(body)
    with scene.beat(key="weights-a"):
        scene.clear_to(run_time=0.6)
        scene.reveal(VGroup(A.brackets, A.name, A.row_labels, A.col_labels), run_time=0.6)
        scene.reveal(*A.get_rows(), sums, lag=0.2, run_time=1.6)
        if t.causal:
            masked = VGroup(*[A.entry(r, c) for r in A.rows for c in A.cols
                              if r is not None and c is not None and t.mask[r, c]])
            if len(masked):
                scene.play(Indicate(masked, color=th.accent), run_time=1.0)
    return A


# -- 7. Z = A V ------------------------------------------------------------------------------
def step_output(scene: Any, A: MatrixView) -> None:
    """7. Z = A V: the worked row as a weighted sum of V's rows, then the whole Z."""
    t, th, qi = scene.trace, scene.theme, scene.qi
    V = scene.mat("V")
    z_row = scene.view("Z.row", t.Z[qi:qi + 1], 2, th.text, rows=[0], cols=scene.dk, min_cell_width=V.cell_w)
    Z = scene.mat("Z")
    left = WeightedRows(V, t.weights[qi], z_row, t.tokens[qi], th)  # the worked row of Z = A V
    head, coefs, times, rule, z_lab, sigma = left.head, left.coefs, left.times, left.rule, left.name_label, left.sigma
    eq = MathTex("=", color=th.muted)
    body = VGroup(left, eq, Z).arrange(RIGHT, buff=0.6)
    align_rows([Z], V.grid.get_y())
    eq.set_y(V.grid.get_y())
    # Wide values (many decimals, d_k up to 6) make "V … = Z" tiny: then Z gets the screen to
    # itself once the worked row is done.
    together, apart = BOX.scale_for(body, math.inf), BOX.scale_for(left, math.inf)
    split = together < 0.75 and apart > 1.2 * together
    if split:
        place(left)
        place(Z)
    else:
        place(body)
    with scene.beat(key="output"):
        src = VGroup(*[A.entry(qi, r) for r in A.cols if r is not None])
        dst = VGroup(*[c for c, r in zip(coefs, V.rows) if r is not None])
        scene.play(*scene.set_title("7 · The output: mixing the values", slice_note(t.n, d_k=t.d_k, rows=scene.rows)),
                   Create(A.row_rect(qi)), *scene.light("V"), run_time=0.8)
        scene.clear_to(anims=[TransformFromCopy(s, d) for s, d in zip(src, dst)], run_time=1.2)
        z_frame = [] if split else [eq, VGroup(Z.brackets, Z.name, Z.row_labels)]
        scene.reveal(head, V, times, VGroup(*[c for c, r in zip(coefs, V.rows) if r is None]), *z_frame,
                     run_time=1.0)
    with scene.beat(key="output-scale", query=qi):
        pairs = [VGroup(coefs[a], V.row_rect(r, th.v)) for a, r in enumerate(V.rows) if r is not None]
        scene.play(LaggedStart(*[Create(p[1]) for p in pairs], lag_ratio=0.2), run_time=1.2)
        scene.play(Indicate(coefs[V.rows.index(scene.kj)], color=th.accent), run_time=0.8)
        scene.play(*[FadeOut(p[1]) for p in pairs], run_time=0.4)
    with scene.beat(key="output-row", query=qi):
        scene.play(Create(rule), FadeIn(sigma), FadeIn(z_lab), FadeIn(z_row.brackets), run_time=0.6)
        scene.play(FadeIn(z_row.entries), run_time=0.8)
        if not split:
            scene.play(TransformFromCopy(z_row.entries, Z.row(qi)), run_time=1.0)
    with scene.beat(key="output-fill"):
        if split:
            scene.clear_to(anims=[TransformFromCopy(z_row.entries, Z.row(qi))],
                           run_time=1.2)
            scene.reveal(VGroup(Z.brackets, Z.name, Z.row_labels), run_time=0.6)
        rest = [a for a, r in enumerate(Z.rows) if r != qi]
        scene.reveal(*[Z.get_rows()[a] for a in rest], lag=0.25, run_time=max(0.6, 0.3 * len(rest)))

    final = VGroup(label(ui("each token's new representation,"), th, 26),
                   label(ui("a blend of the values it attends to"), th, 26)).arrange(DOWN, buff=0.15)
    slim(final)
    with scene.beat(key="output-meaning"):
        scene.add(Z)  # Z's parts were added one by one; now the whole view, so it can move
        scene.clear_to(keep=[Z], run_time=0.8)
        target = slim(VGroup(Z.copy(), final))  # the line beside Z, or under it: whichever is larger
        BOX.best_fit({"beside": lambda: target.arrange(RIGHT, buff=0.8),
                      "below": lambda: target.arrange(DOWN, buff=0.5)}, grow=GROW)
        scene.play(Z.animate.scale(target[0].width / Z.width).move_to(target[0]), FadeIn(final),
                   scene.formula.animate.set_opacity(1), run_time=1.2)
