"""What a scene process reads: one SceneInput, computed by the core from the config named by the
CLI (or the packaged default, under a plain `manim render`).

Scenes never read YAML or compute numbers themselves; they read `scene_input()`: the config, the
main trace, the intro sentence's tokens and the numbers of each optional segment.
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from typing import Any, Iterator

from attention_explainer.core.attention import AttentionTrace, compute_trace
from attention_explainer.core.multihead import MultiHeadTrace, compute_multihead
from attention_explainer.core.real_model.trace import RealModelTrace, compute_real_trace
from attention_explainer.core.tokens import tokenize
from attention_explainer.core.variants import (
    CausalComparison,
    OrderDemo,
    ScalingDemo,
    causal_comparison,
    order_demo,
    realistic_d_k,
    scaling_demo,
)
from attention_explainer.config import Config
from attention_explainer.narration.config_check import load_checked_config

CONFIG_ENV = "ATTENTION_EXPLAINER_CONFIG"


class SceneInput:
    """Everything the scenes draw, from one config.

    `config`, `trace` (the main computation) and `intro_tokens` (the why-attention sentence) are
    computed at once; the optional segments' numbers (`multihead`, `causal`, `scaling`, `order`)
    at once when the config lists their segment, else on first use (a scene rendered on its own).
    `config, trace = scene_input()` still works (iterating gives those two).
    """

    OPTIONAL = {"multi-head": "multihead", "causal-mask": "causal", "scaling": "scaling",
                "positional-encoding": "order"}  # segment id -> attribute

    def __init__(self, config: Config) -> None:
        self.config = config
        self.trace: AttentionTrace = compute_trace(config.attention_spec())
        self.intro_tokens: tuple[str, ...] = tuple(tokenize(config.video.intro_sentence))
        for scene_id, name in self.OPTIONAL.items():
            if scene_id in config.video.scenes:
                getattr(self, name)

    @cached_property
    def multihead(self) -> MultiHeadTrace:
        """The multi-head segment's heads, on the main trace's X."""
        return compute_multihead(self.config.attention_spec(), self.trace)

    @cached_property
    def causal(self) -> CausalComparison:
        """The causal-mask segment's softmax without and with the mask."""
        return causal_comparison(self.trace)

    @cached_property
    def scaling(self) -> ScalingDemo:
        """The scaling segment's random vectors at a realistic width."""
        return scaling_demo(self.config.model.seed, realistic_d_k(self.trace.d_k))

    @cached_property
    def order(self) -> OrderDemo:
        """The positional-encoding segment's sentence and its reordering, with and without PE."""
        return order_demo(self.trace, self.config.model.positional_encoding)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.config, self.trace))


@lru_cache(maxsize=1)
def scene_input() -> SceneInput:
    """The SceneInput of the config in $ATTENTION_EXPLAINER_CONFIG (default: the packaged one)."""
    return SceneInput(load_checked_config(os.environ.get(CONFIG_ENV) or None))


def real_model_input() -> RealModelTrace:
    """The real-model trace of the same config (the pretrained model's attention). Only the
    real-model scene calls it: loading the model takes ~0.3 s and ~200 MB, which the other scenes
    never pay. A missing model or bad real_model.path is a one-line UserError."""
    return _real_trace(scene_input().config.model_dump_json())


@lru_cache(maxsize=1)
def _real_trace(config_json: str) -> RealModelTrace:
    return compute_real_trace(Config.model_validate_json(config_json).real_model_spec())


def check_real_model(config: Config) -> None:
    """Before rendering: when the config lists the real-model segment, load the model and run the
    sentence once, so a missing model, a bad real_model.path or a too-long sentence is one line
    before any scene starts (the result is cached for this process)."""
    if REAL_MODEL_ID in config.video.scenes:
        _real_trace(config.model_dump_json())


REAL_MODEL_ID = "real-model"
