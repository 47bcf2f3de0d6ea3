"""YAML -> validated, immutable Config.

pydantic v2 models: they give field paths in errors, forbid unknown keys, freeze the result and
emit the JSON Schema that `attention-explainer schema` prints, with one description per field.
Errors surface as one ConfigError line: ``model.d_k: must be a positive integer, got -3``.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from attention_explainer.catalog import DEFAULT_SCENE_IDS, scene_ids
from attention_explainer.tokens import tokenize

# Limits (documented in README.md): beyond these the video cannot show the numbers legibly or
# the config is more likely a mistake than a wish.
MAX_TOKENS = 64
MAX_SENTENCE_CHARS = 500
MAX_DIM = 16
MAX_PRECISION = 3
MAX_ABS_VALUE = 1e6
MAX_CONFIG_BYTES = 256 * 1024  # a full config at the largest sizes is under 60 KB
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 10_000  # values after expanding aliases (a full config has under 2,000)
MAX_YAML_DEPTH = 20  # nesting levels, aliases expanded (a config needs 4)

Quality = Literal["l", "m", "h", "p", "k"]
Matrix = list[list[float]]


class UserError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits 2."""


class ConfigError(UserError):
    """The config file cannot be read or is invalid."""


# Characters shown escaped in messages: controls (a newline would break the one-line promise, an
# ESC could drive the terminal), lone surrogates (cannot be printed), line/paragraph separators and
# invisible format characters such as bidi overrides (except the joiners emoji and scripts need).
_UNPRINTABLE = {"Cc", "Cs", "Zl", "Zp", "Cf"}
_JOINERS = {"\u200c", "\u200d"}


def one_line(text: str) -> str:
    """`text` with every unprintable character escaped (\\n, \\x1b, \\u202e): one safe line."""
    return "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE and ch not in _JOINERS else ch
        for ch in text
    )


def _check_text(v: str) -> str:
    """Refuse characters that cannot be shown: controls other than tab and newline, and lone
    surrogates (possible through YAML escapes such as "\\x1b" or "\\ud800")."""
    for i, ch in enumerate(v):
        cat = unicodedata.category(ch)
        if cat == "Cc" and ch not in "\t\n\r":
            raise ValueError(f"contains the control character U+{ord(ch):04X} at position {i + 1}; remove it")
        if cat == "Cs":
            raise ValueError(f"contains U+{ord(ch):04X} at position {i + 1}, half of a surrogate pair, "
                             "which is not text; remove it")
    return v


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _closest(word: str, known: list[str]) -> list[str]:
    """The known name closest to word, ignoring case (`w_q` -> `W_Q`), as a list of 0 or 1."""
    by_lower = {k.lower(): k for k in known}
    return [by_lower[m] for m in difflib.get_close_matches(word.lower(), list(by_lower), n=1)]


def _check_matrix(name: str, value: Optional[Matrix]) -> Optional[Matrix]:
    if value is None:
        return None
    if not value:
        raise ValueError("must not be empty")
    width = len(value[0])
    for i, row in enumerate(value):
        if len(row) != width:
            raise ValueError(f"row {i} has {len(row)} numbers but row 0 has {width}")
        for j, x in enumerate(row):
            if not math.isfinite(x):
                raise ValueError(f"entry [{i}][{j}] must be a finite number, got {x}")
            if abs(x) > MAX_ABS_VALUE:
                raise ValueError(f"entry [{i}][{j}] = {x:g} is beyond the limit of ±{MAX_ABS_VALUE:g}")
    return value


class ModelConfig(_Section):
    """Sizes and numbers of the single attention head."""

    d_model: int = Field(4, description=f"Width of each token embedding (1 to {MAX_DIM}).")
    d_k: int = Field(3, description=f"Width of queries, keys and values (1 to {MAX_DIM}).")
    seed: int = Field(0, description="Seed for the embeddings and weights that are not given.")
    causal: bool = Field(False, description="Mask future tokens (decoder-style attention).")
    embeddings: Optional[Matrix] = Field(
        None, description="Optional X: one row of d_model numbers per token."
    )
    W_Q: Optional[Matrix] = Field(None, description="Optional query weights, d_model rows × d_k columns.")
    W_K: Optional[Matrix] = Field(None, description="Optional key weights, d_model rows × d_k columns.")
    W_V: Optional[Matrix] = Field(None, description="Optional value weights, d_model rows × d_k columns.")
    heads: int = Field(
        2,
        description=(
            "Heads of the optional multi-head segment (1 to d_model); each head is d_model/heads "
            "wide, so heads must divide d_model."
        ),
    )
    positional_encoding: bool = Field(
        False,
        description=(
            "Add the sin/cos positional encoding to X before the projections, in every segment "
            "(the math segment then shows X = embeddings + positions)."
        ),
    )

    @field_validator("d_model", "d_k")
    @classmethod
    def _dimension(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"must be a positive integer, got {v}")
        if v > MAX_DIM:
            raise ValueError(f"must be at most {MAX_DIM} (larger cannot be shown), got {v}")
        return v

    @field_validator("seed")
    @classmethod
    def _seed(cls, v: int) -> int:
        if v < 0:
            raise ValueError(f"must be a non-negative integer, got {v}")
        return v

    @field_validator("heads")
    @classmethod
    def _heads(cls, v: int) -> int:
        if not 1 <= v <= MAX_DIM:
            raise ValueError(f"must be an integer from 1 to {MAX_DIM}, got {v}")
        return v

    @field_validator("embeddings", "W_Q", "W_K", "W_V")
    @classmethod
    def _matrix(cls, v: Optional[Matrix], info: Any) -> Optional[Matrix]:
        return _check_matrix(info.field_name, v)


class DisplayConfig(_Section):
    """How the numbers and the frame look."""

    precision: int = Field(
        1,
        description=(
            "Decimals of X and the weights (0 to 3). Generated inputs are rounded to it, so "
            "Q, K, V (shown with twice as many decimals) are exact products a viewer can check."
        ),
    )
    theme: Literal["dark", "light"] = Field("dark", description="Colour theme of the video.")
    captions: bool = Field(True, description="Show the narration as on-screen captions.")

    @field_validator("precision")
    @classmethod
    def _precision(cls, v: int) -> int:
        if not 0 <= v <= MAX_PRECISION:
            raise ValueError(f"must be an integer from 0 to {MAX_PRECISION}, got {v}")
        return v


class VideoConfig(_Section):
    """Which segments, in which order, at which quality."""

    scenes: list[str] = Field(
        list(DEFAULT_SCENE_IDS),
        description="Scene ids in video order (see `attention-explainer scenes`).",
    )
    quality: Quality = Field("h", description="Manim quality letter: l=480p15 m=720p30 h=1080p60 p=1440p60 k=2160p60.")
    intro_sentence: str = Field(
        "The animal didn't cross the street because it was too tired",
        description="Sentence of the why-attention segment, where a long-range link matters.",
    )
    closing_line: str = Field(
        "Attention is all you need, and now you know how it works.",
        description="Last line of the outro.",
    )

    @field_validator("scenes")
    @classmethod
    def _scenes(cls, v: list[str]) -> list[str]:
        known = scene_ids()
        if not v:
            raise ValueError("must list at least one scene")
        for s in v:
            if s not in known:
                hint = _closest(s, known)
                tip = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                raise ValueError(f"unknown scene '{s}'{tip}")
        if len(set(v)) != len(v):
            raise ValueError("lists a scene twice")
        return v

    @field_validator("intro_sentence", "closing_line")
    @classmethod
    def _line(cls, v: str, info: Any) -> str:
        if not tokenize(v):  # blank, or invisible characters only
            raise ValueError("must not be empty")
        if len(v) > MAX_SENTENCE_CHARS:
            raise ValueError(f"must be at most {MAX_SENTENCE_CHARS} characters, got {len(v)}")
        _check_text(v)
        if info.field_name == "intro_sentence":  # read token by token, like the sentence
            n = len(tokenize(v))
            if n > MAX_TOKENS:
                raise ValueError(f"has {n} tokens; the limit is {MAX_TOKENS}")
        return v


class Config(_Section):
    """Everything the video depends on. Build with `load_config` or `Config.model_validate`."""

    sentence: str = Field("The cat sat", description="The sentence whose attention the video computes.")
    model: ModelConfig = Field(default_factory=ModelConfig)
    display: DisplayConfig = Field(default_factory=DisplayConfig)
    video: VideoConfig = Field(default_factory=VideoConfig)

    @field_validator("sentence")
    @classmethod
    def _sentence(cls, v: str) -> str:
        if len(v) > MAX_SENTENCE_CHARS:
            raise ValueError(f"must be at most {MAX_SENTENCE_CHARS} characters, got {len(v)}")
        _check_text(v)
        n = len(tokenize(v))
        if n == 0:
            raise ValueError("has no tokens; write at least one word")
        if n > MAX_TOKENS:
            raise ValueError(f"has {n} tokens; the limit is {MAX_TOKENS}")
        return v

    @model_validator(mode="after")
    def _shapes(self) -> "Config":
        n, d_model, d_k = len(self.tokens), self.model.d_model, self.model.d_k
        expected = {
            "embeddings": (n, d_model, "tokens × d_model"),
            "W_Q": (d_model, d_k, "d_model × d_k"),
            "W_K": (d_model, d_k, "d_model × d_k"),
            "W_V": (d_model, d_k, "d_model × d_k"),
        }
        for name, (rows, cols, meaning) in expected.items():
            m = getattr(self.model, name)
            if m is not None and (len(m), len(m[0])) != (rows, cols):
                raise ValueError(
                    f"model.{name}: expected shape {rows}×{cols} ({meaning}), "
                    f"got {len(m)}×{len(m[0])}"
                )
        return self

    @model_validator(mode="after")
    def _head_size(self) -> "Config":
        # Checked when heads is set or the multi-head segment is on (the default of 2 heads must
        # not reject an odd d_model for a video that has no multi-head segment).
        m = self.model
        if m.d_model % m.heads and ("heads" in m.model_fields_set or "multi-head" in self.video.scenes):
            divisors = ", ".join(str(k) for k in range(1, m.d_model + 1) if m.d_model % k == 0)
            raise ValueError(
                f"model.heads: {m.heads} heads cannot split d_model = {m.d_model} into equal heads "
                f"(d_model / heads must be a whole number); use one of {divisors}"
            )
        return self

    @property
    def tokens(self) -> list[str]:
        return tokenize(self.sentence)


# --------------------------------------------------------------------------------------- loading


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses alias bombs and runaway nesting before anything is expanded.

    Aliases share nodes, so a few dozen of them can stand for billions of values ("billion
    laughs"); the size and depth each node would have once expanded are tallied as it is composed.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._nodes = 0  # composed so far: stops a long flat list early (PyYAML is slow per value)
        self._expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) expanded

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        expanded = self._expanded
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise ConfigError(f"more than {MAX_YAML_ALIASES} YAML aliases; refusing to expand")
            node = super().compose_node(parent, index)
            if id(node) not in expanded:
                raise ConfigError("a YAML alias refers to the value that contains it; refusing to expand")
            return node
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise ConfigError(f"YAML nested more than {MAX_YAML_DEPTH} levels deep")
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise ConfigError(f"YAML expands to more than {MAX_YAML_NODES} values; refusing to expand")
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [c for pair in node.value for c in pair]
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
        size = 1 + sum(expanded[id(c)][0] for c in children)
        depth = 1 + max((expanded[id(c)][1] for c in children), default=0)
        if size > MAX_YAML_NODES:
            raise ConfigError(f"YAML expands to more than {MAX_YAML_NODES} values; refusing to expand")
        if depth > MAX_YAML_DEPTH:
            raise ConfigError(f"YAML nested more than {MAX_YAML_DEPTH} levels deep")
        expanded[id(node)] = (size, depth)
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        """A scalar PyYAML cannot convert (`!!float abc`, an integer of 5,000 digits, the date
        2001-99-99) is a YAML error at its line, not a crash."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as e:
            kind = str(node.tag).rsplit(":", 1)[-1]
            detail = " (too many digits)" if "digits" in str(e) else (f" ({e})" if kind == "timestamp" else "")
            raise yaml.constructor.ConstructorError(
                None, None, f"{_describe(node.value)} is not a valid {kind}{detail}", node.start_mark
            ) from None


# YAML 1.1 reads 1e7 and 2.5e3 (no dot, or no sign after the e) as strings; YAML 1.2 and every
# user read them as numbers.
_LimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def default_config_path() -> Path:
    """The packaged configs/default.yaml."""
    return Path(str(resources.files("attention_explainer.configs") / "default.yaml"))


def _read_text(path: Path) -> str:
    try:
        return _read_text_unchecked(path)
    except ConfigError as e:
        raise ConfigError(one_line(str(e))) from None


def _read_text_unchecked(path: Path) -> str:
    limit = f"a config is at most {MAX_CONFIG_BYTES} ({MAX_CONFIG_BYTES // 1024} KB)"
    try:
        if not path.exists():
            raise ConfigError(f"{path}: no such file")
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory, not a YAML file")
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {size} bytes; {limit}")
        with path.open("rb") as f:  # bounded: a device or pipe (/dev/zero) has no size
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror or e})") from None
    except ValueError as e:  # a NUL byte in the name
        raise ConfigError(f"{path}: not a usable file name ({e})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: more than {MAX_CONFIG_BYTES} bytes; {limit}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start})") from None


def parse_yaml(text: str, source: str = "<config>") -> Any:
    """Parse YAML safely; syntax errors become one ConfigError line with line and column."""
    try:
        return yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except ConfigError as e:  # from _LimitedLoader
        raise ConfigError(one_line(f"{source}: {e}")) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(one_line(f"{source}: YAML error at {where}{e.problem or e.context}")) from None
    except yaml.YAMLError as e:
        raise ConfigError(one_line(f"{source}: YAML error: {str(e).splitlines()[0]}")) from None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Config
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = field.annotation
    return list(getattr(model, "model_fields", {}))


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        known = _fields_at(loc[:-1])
        hint = _closest(str(loc[-1]), known)
        tip = f"; did you mean '{hint[0]}'?" if hint else (f"; allowed: {', '.join(known)}" if known else "")
        return f"{path}: unknown key{tip}"
    if kind == "invalid_key":  # YAML keys such as 1, ~ or 2001-12-14 are not names
        parent = ".".join(str(p) for p in loc[:-1])
        return f"{parent or 'config'}: the key {_describe(value)} is not a name; keys are words such as 'sentence'"
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        return msg if not path else f"{path}: {msg}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{path}: must be an integer, got {_describe(value)}"
    if kind == "float_type" and isinstance(value, int) and not isinstance(value, bool):  # beyond a float
        return f"{path}: {str(value)[:12]}... ({len(str(value))} digits) is beyond the limit of ±{MAX_ABS_VALUE:g}"
    if kind in {"float_type", "float_parsing"}:
        return f"{path}: must be a number, got {_describe(value)}"
    if kind == "bool_type":
        return f"{path}: must be true or false, got {_describe(value)}"
    if kind == "string_type":
        return f"{path}: must be a string (quote it), got {_describe(value)}"
    if kind in {"list_type", "model_type", "dict_type"}:
        want = {"list_type": "a list", "model_type": "a mapping", "dict_type": "a mapping"}[kind]
        return f"{path or 'config'}: must be {want}, got {_describe(value)}"
    if kind == "literal_error":
        return f"{path}: {msg.lower()}, got {_describe(value)}"
    return f"{path}: {msg}" if path else msg


def validate_config(data: Any, source: str = "<config>") -> Config:
    """Validate parsed YAML into a Config, or raise one ConfigError line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(one_line(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}"))
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        raise ConfigError(one_line(f"{source}: {_format_error(first)}")) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a YAML config; None loads the packaged default."""
    p = Path(path) if path is not None else default_config_path()
    return validate_config(parse_yaml(_read_text(p), str(p)), str(p))


def json_schema() -> dict[str, Any]:
    """JSON Schema of the config file, for editors."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "attention-explainer config"
    return schema
