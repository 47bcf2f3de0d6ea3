"""What a scene process reads: the config named by the CLI (or the default) and its trace.

Scenes never read YAML or compute attention themselves; they call `scene_input()`.
"""

from __future__ import annotations

import os
from functools import lru_cache

from attention_explainer.core.attention import AttentionTrace, compute_trace
from attention_explainer.config import Config, load_config

CONFIG_ENV = "ATTENTION_EXPLAINER_CONFIG"


@lru_cache(maxsize=1)
def scene_input() -> tuple[Config, AttentionTrace]:
    """The config given in $ATTENTION_EXPLAINER_CONFIG (default: packaged) and its trace."""
    config = load_config(os.environ.get(CONFIG_ENV) or None)
    return config, compute_trace(config)
