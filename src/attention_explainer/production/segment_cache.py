"""The render cache: a scene's segment is reused while nothing it depends on has changed.

A segment is stored under a key (`scene_key`) hashing everything known before the render:
the scene (id, class, file and that file's bytes), the effective config (every value, with this
render's quality and captions), the quality, still-or-video, the voice (its spec and what it
would say: espeak-ng's version, the recordings' bytes...), the x264 preset and the versions of this package,
Manim, PyAV and Python. Next to the segment, its meta JSON lists every source file the scene
process actually imported from this project (scenes/base.py, scenes/components/, the
attention maths, ...) with their sha256; a lookup hits only if all of them are unchanged.
So editing one scene's code re-renders it alone, while an edit to components.py re-renders every
scene that imports it. Of the narration script, the key holds the scene's own effective lines
only (`narration.script.scene_lines`), so overriding one line re-renders the scene that says it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Optional

from attention_explainer import __version__
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.narration.script import scene_lines
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.records import SegmentMeta
from attention_explainer.production.sources import file_digest

CACHE_FORMAT = 1  # bump when the layout or the meaning of a key changes
KEEP_PER_SCENE = 8  # entries kept per scene and quality (least recently used go first)


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def scene_key(info: SceneInfo, config: dict[str, Any], quality: str, still: bool,
              voice: Optional[str], encoder: Optional[str] = None) -> str:
    """Hex key of everything a scene's output depends on that is known before rendering it."""
    path = Path(info.path).resolve()
    video = dict(config.get("video", {}))
    overrides = video.pop("narration", None)  # only this scene's effective lines count
    payload = {
        "cache_format": CACHE_FORMAT,
        "scene": {"id": info.id, "cls": info.cls, "file": str(path), "sha256": file_digest(path)},
        "config": {**config, "video": video},
        "narration": scene_lines(info.id, overrides if isinstance(overrides, dict) else None),
        "quality": quality,
        "still": still,
        "voice": voice,
        "encoder": encoder,
        "versions": {"attention_explainer": __version__, "manim": _version("manim"), "av": _version("av"),
                     "python": platform.python_version()},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


class SegmentCache:
    """<root>/<scene>/<variant>/<key>.mp4|.png with <key>.json (variant: '480p15', 'still-480p15')."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, scene_id: str, variant: str) -> Path:
        return self.root / scene_id / variant

    def _meta_path(self, scene_id: str, variant: str, key: str) -> Path:
        return self._dir(scene_id, variant) / f"{key[:32]}.json"

    def lookup(self, scene_id: str, variant: str, key: str) -> Optional[SegmentMeta]:
        """The stored meta (with its file) if a segment for this key exists and its sources are
        unchanged. A meta that does not read as a SegmentMeta (an older format) is a miss."""
        meta_path = self._meta_path(scene_id, variant, key)
        try:
            meta = SegmentMeta.from_file(meta_path)
        except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
            return None
        media = Path(meta.file)
        if meta.key != key or not meta.file or not media.is_file():
            return None
        for path, digest in meta.sources.items():
            if digest is None or file_digest(path) != digest:
                return None
        now = time.time()
        os.utime(meta_path, (now, now))  # recently used: kept by prune()
        return meta

    def store(self, scene_id: str, variant: str, key: str, produced: Path, meta: SegmentMeta) -> SegmentMeta:
        """Move a freshly rendered file into the cache and record its meta (file first, meta last)."""
        folder = self._dir(scene_id, variant)
        folder.mkdir(parents=True, exist_ok=True)
        media = folder / f"{key[:32]}{produced.suffix}"
        meta = meta.model_copy(update={"file": str(media.resolve())})
        meta_path = self._meta_path(scene_id, variant, key)
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
