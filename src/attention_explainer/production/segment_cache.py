"""The render cache: a scene's segment is reused while nothing it depends on has changed.

A segment's key (`scene_key`) hashes what is known before the render: the scene (id, class, file
and that file's bytes), its narration (its own effective lines, `narration.script.scene_lines`,
and the global values and conditions those lines use), the quality, still-or-video, the voice
(its spec and what it would say: espeak-ng's version, the recordings' bytes...), the x264 preset
and the versions of this package, Manim, PyAV and Python. Next to the segment, its meta JSON
lists what the scene process turned out to depend on: every source file it imported from this
project (scenes/base.py, scenes/components/, the attention maths, ...) and data file it read (a
real model's weights) with their digests, and every config key it read with a digest of its
value (config_reads). A lookup hits only if all of them are unchanged. So editing one scene's
code re-renders it alone, an edit to components.py every scene that imports it, overriding one
line the scene that says it, and changing `video.intro_sentence` the scenes that read it.
Entries of one key with different config values live side by side (named by both).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Optional

from attention_explainer import __version__
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.narration.script import Context, scene_lines
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.config_reads import digests as config_digests, value_digest
from attention_explainer.production.records import SegmentMeta
from attention_explainer.production.formats import X264_OPTIONS
from attention_explainer.production.sources import file_digest

CACHE_FORMAT = 2  # bump when the layout or the meaning of a key changes
KEEP_PER_SCENE = 8  # entries kept per scene and quality (least recently used go first)


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def narration_key(scene_id: str, config: dict[str, Any], context: Optional[Context]) -> dict[str, Any]:
    """A scene's narration: its effective lines, and the global fields and conditions of
    `context` (narration.script.context_for) that those lines name."""
    video = config.get("video", {})
    overrides = video.get("narration")
    lines = scene_lines(scene_id, overrides if isinstance(overrides, dict) else None, video.get("language"))
    text = json.dumps(lines, sort_keys=True, ensure_ascii=False)
    used: dict[str, Any] = {}
    if context is not None and lines:
        for name, value in {**context.values, **context.flags}.items():
            if re.search(rf"\b{re.escape(name)}\b", text):
                used[name] = value
    return {"lines": lines, "context": used}


def scene_key(info: SceneInfo, narration: dict[str, Any], quality: str, still: bool,
              voice: Optional[str], encoder: Optional[str] = None,
              animations: Optional[tuple[int, int]] = None) -> str:
    """Hex key of everything a scene's output depends on that is known before rendering it,
    except the config values it reads (see SegmentCache.lookup). `animations`: a preview of
    that range only."""
    path = Path(info.path).resolve()
    payload = {
        "cache_format": CACHE_FORMAT,
        "scene": {"id": info.id, "cls": info.cls, "file": str(path), "sha256": file_digest(path)},
        "narration": narration,
        "quality": quality,
        "still": still,
        "voice": voice,
        "encoder": [encoder, *(f"{k}={v}" for k, v in X264_OPTIONS)] if encoder else encoder,
        "animations": list(animations) if animations else None,
        "versions": {"attention_explainer": __version__, "manim": _version("manim"), "av": _version("av"),
                     "python": platform.python_version()},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


class SegmentCache:
    """<root>/<scene>/<variant>/<name>.mp4|.png with <name>.json (variant: '480p15', 'still-480p15',
    'check'); <name> hashes the key and the config values the entry was made from."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, scene_id: str, variant: str) -> Path:
        return self.root / scene_id / variant

    def lookup(self, scene_id: str, variant: str, key: str, config: dict[str, Any]) -> Optional[SegmentMeta]:
        """The stored meta (with its file) of an entry for this key whose config values read
        (in `config`, the effective config as JSON data) and sources are unchanged. A meta that
        does not read as a SegmentMeta (an older format) is a miss."""
        folder = self._dir(scene_id, variant)
        for meta_path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) \
                if folder.is_dir() else []:
            try:
                meta = SegmentMeta.from_file(meta_path)
            except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
                continue
            if meta.key != key or meta.config is None or not meta.file or not Path(meta.file).is_file():
                continue
            if any(value_digest(config, k) != d for k, d in meta.config.items()):
                continue
            if any(d is None or file_digest(path) != d for path, d in meta.sources.items()):
                continue
            now = time.time()
            os.utime(meta_path, (now, now))  # recently used: kept by prune()
            return meta
        return None

    def store(self, scene_id: str, variant: str, key: str, produced: Path, meta: SegmentMeta,
              config: dict[str, Any], keys_read: Optional[list[str]]) -> SegmentMeta:
        """Move a freshly made file into the cache and record its meta (file first, meta last).
        `keys_read`: the config keys the scene read (None: all of them)."""
        read = config_digests(config, keys_read if keys_read is not None else [""])
        name = hashlib.sha256(json.dumps([key, read], sort_keys=True).encode("utf-8")).hexdigest()[:32]
        folder = self._dir(scene_id, variant)
        folder.mkdir(parents=True, exist_ok=True)
        media = folder / f"{name}{produced.suffix}"
        meta = meta.model_copy(update={"file": str(media.resolve()), "config": read})
        meta_path = folder / f"{name}.json"
        meta_path.unlink(missing_ok=True)  # no moment where an old meta describes the new file
        os.replace(produced, media)
        with AtomicFiles() as files:
            meta.to_file(meta_path, files, indent=1)
            files.commit()
        return meta

    def latest(self, scene_id: str, variant: str, field: str) -> Optional[float]:
        """A number from the scene's most recent render, e.g. 'animations' (for a progress bar)
        or 'render_seconds' (to start the slowest scenes first)."""
        if field not in SegmentMeta.model_fields:
            raise KeyError(f"SegmentMeta has no field {field!r}")
        folder = self._dir(scene_id, variant)
        metas = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
        for path in metas:
            try:
                value = getattr(SegmentMeta.from_file(path), field)
            except (OSError, ValueError):
                continue
            if value:
                return float(value)
        return None

    def prune(self, scene_id: str, variant: str, keep: int = KEEP_PER_SCENE) -> None:
        folder = self._dir(scene_id, variant)
        if not folder.is_dir():
            return
        metas = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in metas[keep:]:
            for sibling in folder.glob(path.stem + ".*"):
                sibling.unlink(missing_ok=True)
