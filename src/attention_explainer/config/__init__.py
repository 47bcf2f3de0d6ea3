"""The config: YAML -> validated, frozen Config (models, loader with limits, JSON Schema)."""

from attention_explainer.config.limits import (
    MAX_ABS_VALUE,
    MAX_CONFIG_BYTES,
    MAX_DIM,
    MAX_PRECISION,
    MAX_SENTENCE_CHARS,
    MAX_TOKENS,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)
from attention_explainer.config.loader import (
    default_config_path,
    json_schema,
    load_config,
    parse_yaml,
    validate_config,
)
from attention_explainer.config.models import (
    Config,
    DisplayConfig,
    Matrix,
    ModelConfig,
    Quality,
    VideoConfig,
)
from attention_explainer.errors import ConfigError, UserError, one_line

__all__ = [
    "Config", "ConfigError", "DisplayConfig", "Matrix", "ModelConfig", "Quality", "UserError",
    "VideoConfig", "default_config_path", "json_schema", "load_config", "one_line", "parse_yaml",
    "validate_config", "MAX_ABS_VALUE", "MAX_CONFIG_BYTES", "MAX_DIM", "MAX_PRECISION",
    "MAX_SENTENCE_CHARS", "MAX_TOKENS", "MAX_YAML_ALIASES", "MAX_YAML_DEPTH", "MAX_YAML_NODES",
]
