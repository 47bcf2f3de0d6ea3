"""Word pieces (what the model reads) and whole words (what the viewer reads).

A BERT tokenizer cuts text into WordPiece pieces from a fixed vocabulary: common words are one
piece, rarer ones several ("didn't" -> didn ' t), text it has no piece for becomes [UNK]. Every
sentence is wrapped in [CLS] ... [SEP]. Each piece keeps its character span in the sentence.

Words are the video's own tokens (core/tokens.py), so the real model's rows line up with the
rest of the video; [CLS] and [SEP] stay words of their own. A piece belongs to the word whose
characters contain its first character.

Merging a pieces × pieces attention matrix A to words × words (`merge`), the documented rule:
    attention TO a word   = the SUM over its pieces (the share of attention it receives),
    attention FROM a word = the MEAN over its pieces (each piece is one query; a word asks once).
So W[a, b] = mean_{i in a} sum_{j in b} A[i, j], and every row of W still sums to 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from attention_explainer.core.tokens import tokenize

SPECIAL = ("[CLS]", "[SEP]")
UNK = "[UNK]"


@dataclass(frozen=True)
class Pieces:
    """The pieces of one sentence, [CLS] first and [SEP] last."""

    texts: tuple[str, ...]  # as in the vocabulary: "didn", "'", "t"; continuations keep "##"
    ids: tuple[int, ...]  # vocabulary ids (row numbers of vocab.txt)
    offsets: tuple[tuple[int, int], ...]  # (start, end) characters in the sentence; (0, 0) for specials
    special: tuple[bool, ...]  # [CLS] / [SEP]

    @property
    def n(self) -> int:
        return len(self.texts)

    @property
    def unknown(self) -> list[int]:
        """Indices of [UNK] pieces: text outside the vocabulary."""
        return [i for i, t in enumerate(self.texts) if t == UNK]

    def source(self, sentence: str, i: int) -> str:
        """The characters of the sentence piece i stands for (the special name for [CLS]/[SEP])."""
        if self.special[i]:
            return self.texts[i]
        a, b = self.offsets[i]
        return sentence[a:b]


@dataclass(frozen=True)
class Words:
    """Whole words over the pieces: labels and, per word, the indices of its pieces."""

    labels: tuple[str, ...]  # the video's tokens as typed, plus "[CLS]" and "[SEP]"
    groups: tuple[tuple[int, ...], ...]  # piece indices of each word, in order
    special: tuple[bool, ...]
    token_index: tuple[int, ...]  # index of the word in tokenize(sentence); -1 for [CLS]/[SEP]

    @property
    def n(self) -> int:
        return len(self.labels)


def encode(tokenizer: Any, sentence: str) -> Pieces:
    """The sentence as pieces, with [CLS] and [SEP] (tokenizer: padding and truncation off)."""
    enc = tokenizer.encode(sentence)
    specials = [t in SPECIAL and o == (0, 0) for t, o in zip(enc.tokens, enc.offsets)]
    return Pieces(texts=tuple(enc.tokens), ids=tuple(int(i) for i in enc.ids),
                  offsets=tuple((int(a), int(b)) for a, b in enc.offsets), special=tuple(specials))


def token_spans(sentence: str) -> list[tuple[str, int, int]]:
    """The video's tokens with their character spans (tokens are exact substrings, in order)."""
    spans, pos = [], 0
    for tok in tokenize(sentence):
        start = sentence.index(tok, pos)
        spans.append((tok, start, start + len(tok)))
        pos = start + len(tok)
    return spans


def group_words(sentence: str, pieces: Pieces) -> Words:
    """Pieces grouped into the video's tokens (see the module docstring); a token with no piece
    (the tokenizer dropped its characters) is left out."""
    spans = token_spans(sentence)
    owner: list[int] = []  # word slot of each piece
    for i in range(pieces.n):
        if pieces.special[i]:
            owner.append(-1)
            continue
        start = pieces.offsets[i][0]
        k = next((k for k, (_, a, b) in enumerate(spans) if a <= start < b), None)
        if k is None:  # not inside any token: the nearest token starting before it
            k = max([k for k, (_, a, _) in enumerate(spans) if a <= start] or [0])
        owner.append(k)
    labels: list[str] = []
    groups: list[list[int]] = []
    special: list[bool] = []
    token_index: list[int] = []
    current = None
    for i, k in enumerate(owner):
        if k == -1 or k != current:
            labels.append(pieces.texts[i] if k == -1 else spans[k][0])
            groups.append([i])
            special.append(k == -1)
            token_index.append(k)
            current = None if k == -1 else k
        else:
            groups[-1].append(i)
    return Words(labels=tuple(labels), groups=tuple(tuple(g) for g in groups), special=tuple(special),
                 token_index=tuple(token_index))


def merge(attention: np.ndarray, groups: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """(..., n, n) pieces -> (..., w, w) words: to a word = sum over its pieces, from a word =
    mean over its pieces. Rows still sum to 1."""
    n = attention.shape[-1]
    S = np.zeros((n, len(groups)))  # (n, w): piece j -> its word
    M = np.zeros((len(groups), n))  # (w, n): word a <- mean of its pieces
    for a, g in enumerate(groups):
        S[list(g), a] = 1.0
        M[a, list(g)] = 1.0 / len(g)
    return M @ attention @ S  # (..., w, w)
