"""The sentences and configs `check` must pass for (test_check_corpus.py): hard cases users bring.

Each entry is (name, config dict, scene ids). The default video is checked whole; a variation is
checked in the scenes where it changes what is drawn, so the corpus stays within CI's time."""

from __future__ import annotations

from typing import Any

DEFAULT = ["why-attention", "math", "heatmap", "pipeline", "outro"]
WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen").split()


def words(n: int) -> str:
    """n distinct words (cycling the sixteen with a number after the first round)."""
    return " ".join(WORDS[i % 16] + ("" if i < 16 else str(i // 16)) for i in range(n))


LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconi"[:40]  # 40 letters
assert len(LONG_WORD) == 40

WHY_HEAT = ["why-attention", "heatmap"]  # every token in a row, in the heatmap's labels, in captions
NO_CAPTIONS = {"display": {"captions": False}}  # where only numbers change: captions add time, not cases

CORPUS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("default", {}, DEFAULT),
    ("light-theme", {"display": {"theme": "light"}}, DEFAULT),
    ("1-token", {"sentence": "Hello"}, ["why-attention", "math", "heatmap", "pipeline"]),
    ("8-tokens", {"sentence": words(8), **NO_CAPTIONS}, ["math", "pipeline"]),
    ("16-tokens", {"sentence": words(16)}, ["why-attention", "math", "heatmap", "pipeline"]),
    ("64-tokens", {"sentence": words(64), **NO_CAPTIONS}, ["why-attention", "math", "heatmap"]),
    ("40-letter-word", {"sentence": f"The {LONG_WORD} sat"}, ["why-attention", "math", "heatmap", "pipeline"]),
    ("chinese", {"sentence": "我喜欢吃苹果。"}, WHY_HEAT),
    ("japanese", {"sentence": "私は猫が好きです。"}, WHY_HEAT + ["math"]),
    ("arabic", {"sentence": "جلست القطة على السجادة"}, WHY_HEAT + ["math"]),
    ("devanagari", {"sentence": "बिल्ली चटाई पर बैठी"}, WHY_HEAT),
    ("thai", {"sentence": "แมวนั่งบนเสื่อ"}, WHY_HEAT),
    ("emoji", {"sentence": "I ❤️ my 🐈 👍🏽"}, WHY_HEAT),
    ("numbers-symbols", {"sentence": "Pay $5 + 3.14 % = 42 #1 @ home"}, WHY_HEAT),
    ("d-1", {"model": {"d_model": 1, "d_k": 1, "heads": 1}, **NO_CAPTIONS}, ["math", "pipeline"]),
    ("d-16", {"model": {"d_model": 16, "d_k": 16}, **NO_CAPTIONS}, ["math", "pipeline"]),
    ("precision-0", {"display": {"precision": 0, "captions": False}}, ["math"]),
    ("precision-3", {"display": {"precision": 3, "captions": False}}, ["math"]),
    ("causal", {"model": {"causal": True}}, ["math", "heatmap"]),
    ("captions-off", NO_CAPTIONS, WHY_HEAT),
    ("causal-mask", {}, ["causal-mask"]),
    ("scaling", {}, ["scaling"]),
    ("multi-head", {"model": {"heads": 2}}, ["multi-head"]),
    ("positional-encoding", {"model": {"positional_encoding": True}}, ["positional-encoding", "math"]),
    ("real-model", {}, ["real-model"]),
]


def config_for(entry: dict[str, Any], scenes: list[str]) -> dict[str, Any]:
    """The entry's config with video.scenes set to the scenes checked."""
    cfg = {k: dict(v) if isinstance(v, dict) else v for k, v in entry.items()}
    cfg.setdefault("video", {})["scenes"] = scenes
    return cfg
