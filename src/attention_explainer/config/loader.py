"""YAML -> validated, immutable Config: a safe loader with limits, and one-line messages."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from attention_explainer.config.limits import (
    MAX_ABS_VALUE,
    MAX_CONFIG_BYTES,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)
from attention_explainer.config.models import Config
from attention_explainer.errors import ConfigError, closest, one_line

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


def read_text(path: Path) -> str:
    """A YAML file's text, read with the config's limits (size, UTF-8); one-line ConfigError."""
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
        hint = closest(str(loc[-1]), known)
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


MAX_ERROR_LINES = 10  # config errors reported at once; more are counted on the last line


def validate_config(data: Any, source: str = "<config>") -> Config:
    """Validate parsed YAML into a Config, or raise a ConfigError with one line per problem
    (every problem pydantic finds, up to MAX_ERROR_LINES)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(one_line(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}"))
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        lines: list[str] = []
        fields: set[tuple[Any, ...]] = set()
        for err in e.errors(include_url=False):
            field = tuple(p for p in err["loc"] if not isinstance(p, int))
            if field in fields:  # one line per field: not one per entry of a malformed matrix
                continue
            fields.add(field)
            lines.append(one_line(f"{source}: {_format_error(err)}"))
        if len(lines) > MAX_ERROR_LINES:
            lines[MAX_ERROR_LINES:] = [one_line(f"{source}: ... and {len(lines) - MAX_ERROR_LINES} more problem(s)")]
        raise ConfigError(lines=lines) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a YAML config; None loads the packaged default. The narration's part
    (video.voice, video.narration's lines) is checked by narration/config_check.py."""
    p = Path(path) if path is not None else default_config_path()
    config = validate_config(parse_yaml(read_text(p), str(p)), str(p))
    return _with_model_path(config, p)


def _with_model_path(config: Config, path: Path) -> Config:
    """`real_model.path` is read relative to the config file's folder, like `video.narration`."""
    folder = config.real_model.path
    if folder is None or Path(folder).expanduser().is_absolute():
        return config
    resolved = str((path.parent / Path(folder).expanduser()).resolve())
    return config.model_copy(update={"real_model": config.real_model.model_copy(update={"path": resolved})})


def json_schema() -> dict[str, Any]:
    """JSON Schema of the config file, for editors."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "attention-explainer config"
    return schema
