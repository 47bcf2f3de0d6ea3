"""The real-model trace: a sentence through a pretrained BERT, everything the segment shows.

`compute_real_trace(spec)` runs the spec's sentence (the config's real_model.sentence, default the
main sentence) and, for the closing of the opening question, its intro_sentence (video.intro_sentence);
the scene only reads this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from attention_explainer.core.attention import softmax_rows
from attention_explainer.core.real_model.focus import FocusLink, focus_link, focus_word
from attention_explainer.core.real_model.forward import forward
from attention_explainer.core.real_model.loader import BertModel, load_model
from attention_explainer.core.real_model.pieces import Pieces, Words, encode, group_words, merge
from attention_explainer.core.real_model.roles import HeadScores, Pick, head_scores, labels_of, pick_heads
from attention_explainer.core.spec import RealModelSpec
from attention_explainer.errors import UserError


@dataclass(frozen=True)
class RealRun:
    """One sentence through the model."""

    sentence: str
    pieces: Pieces
    words: Words
    attentions: np.ndarray  # (layers, heads, n, n) over pieces; rows = queries, sum to 1
    queries: np.ndarray  # (layers, heads, n, d_k)
    keys: np.ndarray  # (layers, heads, n, d_k)
    word_attentions: np.ndarray  # (layers, heads, w, w), merged (pieces.merge)
    scores: HeadScores
    picks: tuple[Pick, ...]  # heads to zoom into (roles.pick_heads)

    def labels(self, layer: int, head: int) -> list[str]:
        """The labels a head earns for this sentence (roles passing their thresholds)."""
        return labels_of(self.scores, layer, head, self.words.labels)


@dataclass(frozen=True)
class RowDemo:
    """One head's row worked out as softmax(q·k / √d_k), the toy example's formula, with the
    model's own q and k. Rule (`row_demo`): the head picked for a long-range link, its query
    word's first piece; else the first picked head and the sentence's last piece."""

    layer: int
    head: int
    query: int  # piece index of the query row
    q: np.ndarray  # (d_k,) the query's q
    K: np.ndarray  # (n, d_k) every key's k
    dots: np.ndarray  # (n,) = K q, the scores q·k
    scaled: np.ndarray  # (n,) = dots / √d_k
    weights: np.ndarray  # (n,) = softmax(scaled): the head's attention row


def row_demo(run: "RealRun", focus: Optional[FocusLink] = None) -> RowDemo:
    """The worked row of a run (see RowDemo); with a focus link, the focus word's first piece in
    the head that links it furthest (core/real_model/focus.py)."""
    pick = next((p for p in run.picks if p.role == "link" and p.labelled), run.picks[0])
    if focus is not None:
        pick = Pick(focus.layer, focus.head, "link", focus.share, True)
        query = run.words.groups[focus.query][0]
    elif pick.role == "link" and pick.labelled:
        query = run.words.groups[int(run.scores.link_pairs[pick.layer, pick.head, 0])][0]
    else:
        content = [i for i in range(run.pieces.n) if not run.pieces.special[i]]
        query = content[-1] if content else 0
    q = run.queries[pick.layer, pick.head, query]  # (d_k,)
    K = run.keys[pick.layer, pick.head]  # (n, d_k)
    dots = K @ q  # (n,)
    scaled = dots / np.sqrt(q.shape[0])  # (n,)
    weights = softmax_rows(scaled[None, :])[0]  # (n,)
    return RowDemo(pick.layer, pick.head, query, q, K, dots, scaled, weights)


@dataclass(frozen=True)
class RealModelTrace:
    """The model's sizes and the runs the real-model segment shows."""

    model_name: str
    model_path: Path
    layers: int
    heads: int
    d_model: int
    d_k: int
    max_positions: int
    main: RealRun  # real_model.sentence, default the main sentence
    question: RealRun  # video.intro_sentence (the opening question); `main` when the same text
    demo: RowDemo  # one row of `main` worked out
    focus: Optional[FocusLink] = None  # video.focus in `main`, and the head linking it furthest

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the model, the main run's pieces, offsets, attentions and head scores."""
        r = self.main
        return {
            "model": self.model_name, "path": str(self.model_path), "layers": self.layers,
            "heads": self.heads, "d_model": self.d_model, "d_k": self.d_k, "sentence": r.sentence,
            "pieces": list(r.pieces.texts), "ids": list(r.pieces.ids),
            "offsets": [list(o) for o in r.pieces.offsets],
            "words": list(r.words.labels), "word_pieces": [list(g) for g in r.words.groups],
            "attention_axes": "layer, head, query piece, key piece (0-based; each row sums to 1)",
            "attention": r.attentions.tolist(), "head_scores": r.scores.to_dict(),
            "picked_heads": [{"layer": p.layer, "head": p.head, "role": p.role, "score": p.score,
                              "labelled": p.labelled} for p in r.picks],
        }


def run_sentence(model: BertModel, sentence: str, field: str = "real_model.sentence") -> RealRun:
    """Tokenize, check the length, run the model, merge to words, score the heads."""
    pieces = encode(model.tokenizer, sentence)
    limit = model.config.max_positions
    if pieces.n > limit:
        raise UserError(f"{field}: {pieces.n} word pieces with [CLS] and [SEP]; {model.config.name} "
                        f"reads at most {limit} (max_position_embeddings in config.json)")
    if max(pieces.ids) >= model.config.vocab_size:
        raise UserError(f"{model.path}: the tokenizer gives id {max(pieces.ids)}, beyond vocab_size "
                        f"{model.config.vocab_size} in config.json")
    out = forward(model, list(pieces.ids))
    words = group_words(sentence, pieces)
    word_attn = merge(out.attentions, words.groups)
    word_attn.setflags(write=False)
    scores = head_scores(out.attentions, pieces.special, word_attn, words.labels, words.special)
    return RealRun(sentence=sentence, pieces=pieces, words=words, attentions=out.attentions,
                   queries=out.queries, keys=out.keys, word_attentions=word_attn, scores=scores,
                   picks=tuple(pick_heads(scores)))


def compute_real_trace(spec: RealModelSpec, model: Optional[BertModel] = None) -> RealModelTrace:
    """RealModelSpec -> RealModelTrace (loads the model at spec.path unless given one)."""
    if model is None:
        model = load_model(spec.path)
    sentence = spec.sentence
    main = run_sentence(model, sentence, spec.sentence_field)
    intro = spec.intro_sentence
    question = main if intro == sentence else run_sentence(model, intro, "video.intro_sentence")
    word = focus_word(main.words, spec.main_tokens, spec.focus_index, sentence == spec.main_sentence)
    link = None if word is None else focus_link(main.word_attentions, main.words, word)
    c = model.config
    return RealModelTrace(model_name=c.name, model_path=model.path, layers=c.layers, heads=c.heads,
                          d_model=c.d_model, d_k=c.d_k, max_positions=c.max_positions, main=main,
                          question=question, demo=row_demo(main, link), focus=link)
