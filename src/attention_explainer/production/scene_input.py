"""What a scene process reads: the config named by the CLI (or the default) and its trace.

Scenes never read YAML or compute attention themselves; they call `scene_input()`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from attention_explainer.core.attention import AttentionTrace, compute_trace
from attention_explainer.config import Config, load_config

if TYPE_CHECKING:
    from attention_explainer.core.real_model.trace import RealModelTrace

CONFIG_ENV = "ATTENTION_EXPLAINER_CONFIG"


@lru_cache(maxsize=1)
def scene_input() -> tuple[Config, AttentionTrace]:
    """The config given in $ATTENTION_EXPLAINER_CONFIG (default: packaged) and its trace."""
    config = load_config(os.environ.get(CONFIG_ENV) or None)
    return config, compute_trace(config)


def real_model_input() -> "RealModelTrace":
    """The real-model trace of the same config (the pretrained model's attention). Only the
    real-model scene calls it: loading the model takes ~0.3 s and ~200 MB, which the other scenes
    never pay. A missing model or bad real_model.path is a one-line UserError."""
    config, _ = scene_input()
    return _real_trace(config.model_dump_json())


@lru_cache(maxsize=1)
def _real_trace(config_json: str) -> "RealModelTrace":
    from attention_explainer.core.real_model.trace import compute_real_trace

    return compute_real_trace(Config.model_validate_json(config_json))


def check_real_model(config: Config) -> None:
    """Before rendering: when the config lists the real-model segment, load the model and run the
    sentence once, so a missing model, a bad real_model.path or a too-long sentence is one line
    before any scene starts (the result is cached for this process)."""
    if REAL_MODEL_ID in config.video.scenes:
        _real_trace(config.model_dump_json())


REAL_MODEL_ID = "real-model"
