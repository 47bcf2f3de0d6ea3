"""Limits of the config (documented in README.md): beyond these the video cannot show the
numbers legibly or the config is more likely a mistake than a wish."""

MAX_TOKENS = 64
MAX_SENTENCE_CHARS = 500
MAX_DIM = 16
MAX_PRECISION = 3
MAX_ABS_VALUE = 1e6
MAX_CONFIG_BYTES = 256 * 1024  # a full config at the largest sizes is under 60 KB
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 10_000  # values after expanding aliases (a full config has under 2,000)
MAX_YAML_DEPTH = 20  # nesting levels, aliases expanded (a config needs 4)
