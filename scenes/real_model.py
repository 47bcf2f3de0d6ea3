"""Optional segment real-model ("Inside a Real Model"): the attention of a trained transformer.

Everything comes from the real-model trace (core/real_model, via `real_model_input()`): the
sentence as the model's word pieces (and why; [UNK] pieces said), every head of every layer as a
gallery of small heatmaps (layers × heads, sizes read from the model), three or four heads picked
by measured rules (core/real_model/roles.py) read like the heatmap segment, one row worked out as
softmax(q·k/√d_k) with the model's own q and k (abbreviated: d_k = 32 terms do not fit), the
opening question answered (or not) by the trained heads, and the caution that attention weights
are not an explanation of the output. Lines come from narration/script.yaml (real-model-*),
filled by `self.beat(key=..., fields)`.
"""

from __future__ import annotations

import textwrap
from typing import Optional, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    ArcBetweenPoints,
    Create,
    FadeIn,
    Group,
    Indicate,
    LaggedStart,
    MathTex,
    RoundedRectangle,
    SurroundingRectangle,
    VGroup,
)

from attention_explainer.core.intro_link import intro_pair
from attention_explainer.core.real_model.roles import THRESHOLDS, head_for_link, percent, role_label
from attention_explainer.core.slicing import shown as slice_of
from attention_explainer.production.scene_input import real_model_input
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.components import (
    ui,
    ColorScale,
    Heatmap,
    TokenRow,
    fit,
    fmt,
    heat_color,
    ink_on,
    label,
    short,
    wrap_lines,
)
from attention_explainer.scenes.layout import LINE_W, ROW_W, SAFE
from attention_explainer.scenes.real_model_parts import (
    LABEL_CHARS,
    MAX_KEYS,
    MAX_PIECES,
    MAX_WORDS,
    TERMS,
    Gallery,
    quote,
    signed,
    table_keys,
    zoomed_heads,
)

GALLERY_W = 11.6  # the gallery's width budget (the colour scale goes right of it)
ZOOM = SAFE.inset(x=0.25, top=0.2)  # a zoomed head's heatmap sits at this box's left edge
PANEL_W = 5.4  # its panel (head, verdict, axes) right of it

# ---------------------------------------------------------------------------------------- scene
class RealModel(ExplainerScene):
    scene_id = "real-model"

    def construct(self) -> None:
        rt = real_model_input()
        self.rt = rt  # the scene's input (the real-model trace), read by every step
        self.add(self.title("Inside a real model"))

        self._intro()
        self._pieces()
        self._zoom(self._gallery())
        self._worked_row()
        self._question()
        self._caution()

    # -- 1. the model --------------------------------------------------------------------------
    def _intro(self) -> None:
        rt, th = self.rt, self.theme
        card = VGroup(
            label(rt.model_name, th, 40, th.accent),
            label(ui(f"{rt.layers} layers × {rt.heads} heads · d_model {rt.d_model} · d_k {rt.d_k}"), th, 28),
            label(ui("weights learned in training, not random"), th, 24, th.muted),
        ).arrange(DOWN, buff=0.3)
        fit(card, LINE_W, 3.0).move_to(UP * 0.4)
        with self.beat(key="intro", model=rt.model_name, layers=rt.layers, per_layer=rt.heads):
            self.play(FadeIn(card[0]), run_time=0.6)
            self.play(FadeIn(card[1]), FadeIn(card[2]), run_time=0.6)

    # -- 2. the pieces ---------------------------------------------------------------------------
    def _pieces(self) -> None:
        run, th = self.rt.main, self.theme
        p, words = run.pieces, run.words
        self.change()
        shown = slice_of(p.n, MAX_PIECES)
        row = TokenRow(list(p.texts), th, indices=shown, size=26, max_width=ROW_W)
        row.move_to(UP * 0.7)
        sentence = wrap_lines(short(run.sentence, 110), th, 28, LINE_W, 1.0, max_lines=2, color=th.muted)
        sentence.move_to(UP * 1.9)
        special_ids = [i for i in shown if i is not None and p.special[i]]
        unk = [i for i in p.unknown if i in shown]
        for i in special_ids:
            row.item(i)[0].set_stroke(th.accent)
        for i in unk:
            row.item(i)[0].set_stroke(th.weight, width=4)
        split = [g for g, s in zip(words.groups, words.special) if not s and len(g) > 1]
        ids = VGroup(*[label(str(p.ids[i]), th, 18, th.muted, mono=True) for i in shown if i is not None])
        boxes = [row.item(i) for i in shown if i is not None]
        shrink = min([1.0] + [(b.width + 0.04) / t.width for t, b in zip(ids, boxes)])  # one size for all
        for t, b in zip(ids, boxes):
            t.scale(shrink).next_to(b, DOWN, buff=0.12)
        ids_caption = fit(label(ui("vocabulary ids (rows of vocab.txt)"), th, 20, th.muted), 6, 0.4)
        ids_caption.next_to(ids, DOWN, buff=0.2)
        example = parts = ""
        if split:
            g = split[0]
            a, b = p.offsets[g[0]][0], p.offsets[g[-1]][1]
            example = quote(run.sentence[a:b])
            parts = " ".join(p.texts[i] for i in g)
        with self.beat(key="pieces", pieces=p.n, split=bool(split), example=example, parts=parts):
            self.play(FadeIn(sentence), run_time=0.5)
            self.play(LaggedStart(*[FadeIn(b, shift=DOWN * 0.1) for b in row], lag_ratio=min(0.15, 2.0 / len(row))),
                      run_time=1.2)
            self.play(FadeIn(ids), FadeIn(ids_caption), run_time=0.6)
        if p.unknown:
            first = p.unknown[0]
            a, b = p.offsets[first]
            with self.beat(key="unknown", count=len(p.unknown), example=quote(run.sentence[a:b])):
                if unk:
                    self.play(*[Indicate(row.item(i), color=th.weight, scale_factor=1.15) for i in unk], run_time=1.0)
        if split:
            merged = VGroup()
            for g in split[:3]:
                items = [row.item(i) for i in g if i in shown]
                if items:
                    merged.add(SurroundingRectangle(VGroup(*items), buff=0.08, stroke_color=th.accent, stroke_width=3))
            rule = VGroup(
                label(ui("to a word: the SUM over its pieces"), th, 26),
                label(ui("from a word: the MEAN over its pieces"), th, 26),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
            fit(rule, 12, 1.2).move_to(DOWN * 1.6)
            with self.beat(key="merge"):
                self.play(*[Create(m) for m in merged], run_time=0.6)
                self.play(FadeIn(rule), run_time=0.6)

    # -- 3. the gallery --------------------------------------------------------------------------
    def _gallery(self) -> Gallery:
        rt, run, th = self.rt, self.rt.main, self.theme
        self.change()
        w = min(run.words.n, MAX_WORDS)  # a tile is ~100 px wide: more words would not show
        gallery = Gallery(run.word_attentions[:, :, :w, :w], th, GALLERY_W, SAFE.height - 0.1)
        scale = ColorScale(th, height=2.6, caption="weight")
        if run.words.n > w:
            cut = VGroup(*[label(t, th, 20, th.accent) for t in (f"first {w}", f"of {run.words.n}", "words")]
                         ).arrange(DOWN, buff=0.08)
            scale = VGroup(scale, cut).arrange(DOWN, buff=0.4)
        scale.next_to(gallery, RIGHT, buff=0.35)
        SAFE.align(Group(gallery, scale), ORIGIN)  # centred (Gallery sized itself to fit)
        with self.beat(key="gallery", total=rt.layers * rt.heads, layers=rt.layers, per_layer=rt.heads):
            self.play(FadeIn(gallery), run_time=1.2)
        with self.beat(key="gallery-read"):
            self.play(FadeIn(scale), run_time=0.6)
        return gallery

    # -- 4. zoom into the picked heads -----------------------------------------------------------
    def _zoom(self, gallery: Gallery) -> None:
        run, th = self.rt.main, self.theme
        words = run.words
        w = min(words.n, MAX_WORDS)
        picks = zoomed_heads(run.picks, self.rt.focus)
        frames = VGroup(*[gallery.frame(p.layer, p.head, th.accent) for p in picks])
        with self.beat(key="zoom-read"):
            self.play(LaggedStart(*[Create(f) for f in frames], lag_ratio=0.3), run_time=1.2)
        for k, pick in enumerate(picks):
            self.change()
            matrix = run.word_attentions[pick.layer, pick.head][:w, :w]
            hm = self._heatmap(matrix, [short(t, LABEL_CHARS) for t in words.labels[:w]])
            if k == 0:
                axis_template = VGroup(label(ui("rows = queries (asking)"), th, 22, th.q),
                                       label(ui("columns = keys (looked at)"), th, 22, th.k)
                                       ).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            axis = axis_template.copy()
            focus = self.rt.focus if k == 0 and self.rt.focus is not None else None
            pair = (focus.query, focus.key) if focus else run.scores.link_pairs[pick.layer, pick.head]
            text = role_label(pick.role, pick.score, words.labels, pair)
            name = label(ui(f"layer {pick.layer + 1} · head {pick.head + 1}"), th, 32, th.accent)
            said = ui(text) if pick.labelled else ui(f"no pattern passes the thresholds; largest: {text}")
            verdict = fit(label(textwrap.fill(said, 32), th, 24), 5.2, 1.9)  # one Text, left-aligned lines
            items = [name, verdict, axis]
            if words.n > w:
                items.append(wrap_lines(f"first {w} of {words.n} words shown", th, 20, 5.2, 0.5, color=th.muted))
            panel = VGroup(*items).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
            fit(panel, PANEL_W, SAFE.height)
            ZOOM.align(hm, LEFT)
            panel.next_to(hm, RIGHT, buff=0.6).align_to(hm, UP)
            SAFE.keep(panel, y=False)
            boxes = VGroup()  # after the layout: they follow the moved cells
            for i in range(w):
                j = int(np.argmax(matrix[i]))
                cell = hm.cell(i, j)  # drawn twice (background under accent): shows on every heat colour
                boxes.add(VGroup(SurroundingRectangle(cell, buff=0, stroke_color=th.background, stroke_width=7),
                                 SurroundingRectangle(cell, buff=0, stroke_color=th.accent, stroke_width=3)))
            with self.beat(key=f"head-{k + 1}", line="head", layer=pick.layer + 1, head=pick.head + 1, label=ui(text),
                          labelled=pick.labelled):
                self.play(FadeIn(hm), FadeIn(name), run_time=0.8)
                self.play(FadeIn(verdict), FadeIn(axis), Create(boxes), *(
                    [FadeIn(items[3])] if len(items) > 3 else []), run_time=0.8)

    def _heatmap(self, matrix: np.ndarray, labels: Sequence[str]) -> Heatmap:
        """The zoomed head's words × words Heatmap. The first is built; the others are copies of
        it recoloured, with their numbers copied from one Text per distinct number (the labels
        are the same for every head, and building Text is most of this scene's build time)."""
        template: Optional[Heatmap] = getattr(self, "_zoom_template", None)
        if template is None:
            w = len(labels)
            cell = min(0.9, 5.0 / (w + 1.2), 6.2 / (w + 1.8))
            hm = Heatmap(matrix, labels, self.theme, cell=cell, show_values=cell >= 0.7, uniform_labels=True)
            self._zoom_template, self._numbers = hm.copy(), {}
            return hm
        hm = template.copy()
        hm.values = np.asarray(matrix, dtype=float)
        n = hm.n
        for i in range(n):
            for j in range(n):
                hm.cell(i, j).set_fill(heat_color(hm.values[i, j]))
        for k, old in enumerate(list(hm.numbers)):
            v = hm.values[k // n, k % n]
            key = (fmt(v, 2), ink_on(v))
            if key not in self._numbers:
                self._numbers[key] = label(key[0], self.theme, 22, key[1], mono=True)
            new = self._numbers[key].copy()
            new.scale(old.height / new.height).move_to(old)
            hm.numbers.submobjects[k] = new
        return hm

    # -- 5. one row, worked out -------------------------------------------------------------------
    def _worked_row(self) -> None:
        rt, run, th, d = self.rt, self.rt.main, self.theme, self.rt.demo
        p = run.pieces
        self.change()
        formula = MathTex(r"a_j = \mathrm{softmax}_j\!\left(\frac{q \cdot k_j}{\sqrt{d_k}}\right)", font_size=40,
                          color=th.text)
        dk_note = label(ui(f"d_k = {rt.d_k}:  √{rt.d_k} = {fmt(float(np.sqrt(rt.d_k)), 2)}"), th, 24, th.muted)
        top = VGroup(formula, dk_note).arrange(RIGHT, buff=0.8)
        fit(top, LINE_W, 1.1).move_to(UP * 2.35)
        query = p.source(run.sentence, d.query) if not p.special[d.query] else p.texts[d.query]
        where = label(ui(f"layer {d.layer + 1} · head {d.head + 1} · query piece {quote(p.texts[d.query])}"), th, 26,
                      th.accent)
        fit(where, LINE_W, 0.5).next_to(top, DOWN, buff=0.25)
        top.add(where)
        top_key = int(np.argmax(d.weights))
        keys = table_keys(p.n, top_key, MAX_KEYS)
        terms = " + ".join(f"{signed(a)}×{signed(b)}" for a, b in zip(d.q[:TERMS], d.K[top_key][:TERMS]))
        last = f"{signed(d.q[-1])}×{signed(d.K[top_key][-1])}"
        dot_line = label(f"q·k = {terms} + … + {last} = {fmt(d.dots[top_key], 2)}", th, 24, mono=True)
        dot_caption = label(ui(f"q of {quote(query)} · k of {quote(p.texts[top_key])} ({rt.d_k} terms)"), th, 22,
                            th.muted)
        dots = VGroup(dot_caption, dot_line).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        fit(dots, 12.8, 1.0).next_to(top, DOWN, buff=0.35)
        # the table: key | q·k | ÷√d_k | weight
        head = ["key piece", "q·k", f"÷ √{rt.d_k}", "weight"]
        rows = [[label(ui(h), th, 22, th.muted) for h in head]]
        for j in keys:
            if j is None:
                rows.append([label("⋮", th, 22, th.muted) for _ in head])
                continue
            color = th.accent if j == top_key else th.text
            rows.append([label(short(p.texts[j], 12), th, 22, th.k),
                         label(fmt(d.dots[j], 2), th, 22, color, mono=True),
                         label(fmt(d.scaled[j], 2), th, 22, color, mono=True),
                         label(fmt(d.weights[j], 2), th, 22, color, mono=True)])
        col_w = [max(r[c].width for r in rows) + 0.5 for c in range(4)]
        row_h = 0.36
        table = VGroup()
        for a, r in enumerate(rows):
            x = 0.0
            for c, t in enumerate(r):
                t.move_to([x + col_w[c] / 2, -a * row_h, 0])
                x += col_w[c]
            table.add(VGroup(*r))
        total = label(ui(f"row sum {fmt(float(d.weights.sum()), 2)}  (all {p.n} keys)"), th, 22, th.muted)
        total.next_to(table, DOWN, buff=0.2).align_to(table, RIGHT)
        block = VGroup(table, total)
        SAFE.below(dots, gap=0.3).with_width(LINE_W).place(block, edge=UP)
        with self.beat(key="row", layer=d.layer + 1, head=d.head + 1, query=quote(query)):
            self.play(FadeIn(top), run_time=0.8)
        with self.beat(key="row-dots", width=rt.d_k):
            self.play(FadeIn(dots), run_time=0.8)
            self.play(FadeIn(table[0]), *[FadeIn(VGroup(*r[:2])) for r in table[1:]], run_time=0.8)
        with self.beat(key="row-weights", root=float(np.sqrt(rt.d_k)), target=quote(p.texts[top_key]),
                      weight=fmt(float(d.weights[top_key]), 2)):
            self.play(*[FadeIn(r[2]) for r in table[1:]], run_time=0.6)
            self.play(*[FadeIn(r[3]) for r in table[1:]], FadeIn(total), run_time=0.6)
            if top_key in keys:
                self.play(Indicate(table[1 + keys.index(top_key)], color=th.accent, scale_factor=1.05), run_time=0.6)

    # -- 6. the opening question ------------------------------------------------------------------
    def _question(self) -> None:
        q_run, th = self.rt.question, self.theme
        tokens = list(self.input.intro_tokens)
        if len(tokens) < 2:
            return
        qi, ki, pronoun = intro_pair(tokens, self.cfg.video.intro_link)
        word_of = {t: a for a, t in enumerate(q_run.words.token_index) if t >= 0}
        if qi not in word_of or ki not in word_of:
            return
        qa, ka = word_of[qi], word_of[ki]
        layer, head, share = head_for_link(q_run.word_attentions, qa, ka)
        row = q_run.word_attentions[layer, head, qa]
        picked = share >= THRESHOLDS["link"] and int(np.argmax(row)) == ka
        self.change()
        shown = slice_of(len(tokens), 12, [qi, ki])
        tr = TokenRow(tokens, th, indices=shown, size=30, max_width=ROW_W).move_to(DOWN * 0.6)
        tr.item(qi)[0].set_stroke(th.q, width=4)
        tr.item(ki)[0].set_stroke(th.k, width=4)
        start, end = tr.item(qi).get_top() + UP * 0.1, tr.item(ki).get_top() + UP * 0.1
        arc = ArcBetweenPoints(start, end, angle=1.2 if end[0] < start[0] else -1.2,  # bulging upwards
                               stroke_color=th.accent if picked else th.muted, stroke_width=5)
        arc.set_stroke(width=2 + 6 * share)
        tag = label(ui(f"layer {layer + 1} · head {head + 1}:  {percent(share)}"), th, 28,
                    th.accent if picked else th.muted)
        fit(tag, 12, 0.6).next_to(arc, UP, buff=0.15)
        ask = label(ui(f"What does {quote(tokens[qi])} refer to?") if pronoun else ui("The opening question"), th, 34)
        fit(ask, LINE_W, 0.7).move_to(UP * 2.4)
        with self.beat(key="question", query=quote(tokens[qi]), target=quote(tokens[ki]), layer=layer + 1,
                       head=head + 1, share=percent(share), picked=picked, pronoun=pronoun):
            self.play(FadeIn(ask), FadeIn(tr), run_time=0.8)
            self.play(Create(arc), FadeIn(tag), run_time=1.0)

    # -- 7. the caution -----------------------------------------------------------------------------
    def _caution(self) -> None:
        th = self.theme
        self.change()
        words = VGroup(label(ui("Attention weights show where each head looks,"), th, 30),
                       label(ui("not why the model outputs what it does."), th, 30),
                       label(ui("They are not an explanation of the model's output."), th, 26, th.muted)
                       ).arrange(DOWN, buff=0.25)
        fit(words, 11.5, 2.5)
        box = RoundedRectangle(corner_radius=0.15, width=words.width + 0.8, height=words.height + 0.7,
                               stroke_color=th.accent, stroke_width=3, fill_color=th.panel, fill_opacity=1)
        caution = VGroup(box, words).move_to(UP * 0.3)
        words.move_to(box)
        with self.beat(key="caution"):
            self.play(FadeIn(caution), run_time=0.8)
