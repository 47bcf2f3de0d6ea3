"""Which config values a scene reads, so its cached segment depends on those alone.

In the scene process, `Recorder(config)` stands in for the Config: reading a field through it
records its dotted path ('video.intro_sentence'); a nested model records nothing until a value
inside it is read; a pydantic method on a model (model_dump, model_copy...) records the whole
model ('' for the root). The parent stores each recorded key's `value_digest` with the segment
and reuses the segment while every one of them is unchanged (segment_cache.SegmentCache).

So changing `video.intro_sentence` re-renders the scenes that show it, not the math scene.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import types
from typing import Any, Iterable, Mapping, Optional

from pydantic import BaseModel

ROOT = ""  # the key of a scene that read the whole config
NARRATION = "video.narration"  # a scene's own lines are in its cache key already (script.scene_lines)


class Recorder:
    """A read-only view of a pydantic model that records the fields read (see the module docstring)."""

    __slots__ = ("_model", "_path", "_reads")

    def __init__(self, model: BaseModel, path: str = "", reads: Optional[set[str]] = None) -> None:
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_reads", reads if reads is not None else set())

    @property  # isinstance(recorder, Config) holds, so code that checks types still works
    def __class__(self) -> type:  # type: ignore[override]
        return type(object.__getattribute__(self, "_model"))

    def __getattr__(self, name: str) -> Any:
        model, path, reads = self._model, self._path, self._reads
        value = getattr(model, name)
        if name in type(model).model_fields:
            key = f"{path}.{name}" if path else name
            if isinstance(value, BaseModel):
                return Recorder(value, key, reads)
            reads.add(key)
            return value
        found = inspect.getattr_static(type(model), name, None)
        if isinstance(found, property) and found.fget is not None:
            return found.fget(self)  # the property's own reads are recorded
        if inspect.isfunction(found) and not name.startswith(("model_", "_")):
            return types.MethodType(found, self)  # our own method: its reads are recorded
        if not name.startswith("__"):
            reads.add(path)  # pydantic's methods (model_dump...) may look at anything in the model
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the scene's config is read-only")

    def __eq__(self, other: Any) -> bool:
        self._reads.add(self._path)
        return bool(self._model == (other._model if isinstance(other, Recorder) else other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._reads.add(self._path)
        return repr(self._model)

    @property
    def recorded(self) -> set[str]:
        """The dotted keys read so far (shared by every view of one config)."""
        return set(self._reads)


def unwrap(config: Any) -> Any:
    """The real model behind a Recorder (reading through it records nothing)."""
    return object.__getattribute__(config, "_model") if type.__instancecheck__(Recorder, config) else config


def minimal_keys(keys: Iterable[str]) -> list[str]:
    """The keys without those inside another one ('video' covers 'video.focus'), sorted."""
    out: list[str] = []
    for key in sorted(set(keys), key=lambda k: (k.count("."), k)):
        if not any(key == k or k == ROOT or key.startswith(k + ".") for k in out):
            out.append(key)
    return sorted(out)


def value_at(data: Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key in a config dumped as JSON data (None when absent)."""
    value: Any = data
    for part in key.split(".") if key else []:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def value_digest(data: Mapping[str, Any], key: str) -> str:
    """A short hash of one key's value (the whole config, for ROOT, without the narration
    overrides: a scene's own lines are in its key already)."""
    value = value_at(data, key)
    if key == ROOT or key == "video":
        value = _without_narration(value, key)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def digests(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, str]:
    return {k: value_digest(data, k) for k in minimal_keys(keys) if k != NARRATION and not k.startswith(NARRATION + ".")}


def _without_narration(value: Any, key: str) -> Any:
    if not isinstance(value, Mapping):
        return value
    if key == ROOT and isinstance(value.get("video"), Mapping):
        return {**value, "video": {k: v for k, v in value["video"].items() if k != "narration"}}
    if key == "video":
        return {k: v for k, v in value.items() if k != "narration"}
    return value
