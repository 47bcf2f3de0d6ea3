"""Keep media/ from only growing: stale work files of interrupted renders, and `clean`.

Under <media_dir>/attention-explainer/ a render leaves, besides its outputs:
  work/<scene>-<key>-<pid>.run.json|.beats.json|.sources.json             per-render files
  work/config-<hash>.yaml, check/work-<pid>-*/                            configs, a check's files
  manim/<scene>/videos|images/.../<scene>-<key>-<pid>.mp4|.png           Manim's output before
                                                                         it moves into the cache
  manim/<scene>/videos/.../partial_movie_files/                          Manim's per-animation files
  .<name>.tmp-<pid>-<hex>.<ext>                                          atomic-write temp files
A render that was killed outright (SIGKILL, power loss, a closed laptop lid) leaves these behind;
`remove_stale_work` deletes the ones whose process is gone, at the start of the next render.
`clean` also removes cached segments that no manifest refers to and the spoken clips no kept
segment plays (or, with everything=True, the whole cache: segments, Manim's folders with the
TeX cache, spoken clips, work files, logs).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from attention_explainer.errors import UserError
from attention_explainer.production.atomic import _TEMP_RE, _alive
from attention_explainer.production.records import Manifest

_PID_NAME = re.compile(r"^[a-z0-9-]+-[0-9a-f]{12}-(\d+)\.")  # <scene>-<key12>-<pid>.<ext>
CONFIG_MAX_AGE = 24 * 3600.0  # work/config-<hash>.yaml unused this long is removed
PARTIAL_MAX_AGE = 6 * 3600.0  # Manim's per-animation files older than this belong to no live render
CACHE_PARTS = ("cache", "manim", "voice", "work", "logs")  # what --all removes (never the outputs)


@dataclass
class Freed:
    """What a clean-up removed (or would remove)."""

    files: int = 0
    bytes: int = 0
    kept: int = 0  # cached segments kept (a manifest refers to them)
    what: dict[str, int] = field(default_factory=dict)  # kind -> files

    def add(self, path: Path, kind: str, dry_run: bool = False) -> None:
        try:
            size = path.stat().st_size if path.is_file() else _tree_size(path)
        except OSError:
            return
        if not dry_run:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        count = _tree_files(path) if dry_run and path.is_dir() else 1
        self.files += count
        self.bytes += size
        self.what[kind] = self.what.get(kind, 0) + count

    def summary(self) -> str:
        parts = ", ".join(f"{n} {kind}" for kind, n in self.what.items()) or "nothing to remove"
        return f"{human_size(self.bytes)} ({parts})"


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _tree_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file())


def _dead_pid_files(folder: Path, pattern: re.Pattern[str]) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = pattern.match(path.name)
        if m and path.is_file() and not _alive(int(m.group(1))):
            found.append(path)
    return found


def live_renders(app_dir: Path) -> list[int]:
    """Process ids of renders running now (their work files exist and the process is alive)."""
    pids = set()
    work = Path(app_dir) / "work"
    if work.is_dir():
        for path in work.iterdir():
            m = _PID_NAME.match(path.name)
            if m and _alive(int(m.group(1))):
                pids.add(int(m.group(1)))
    return sorted(pids)


def remove_stale_work(app_dir: Path, freed: Freed | None = None, dry_run: bool = False,
                      now: float | None = None) -> Freed:
    """Delete what renders that are gone left behind (see the module docstring)."""
    freed = freed or Freed()
    app_dir = Path(app_dir)
    now = time.time() if now is None else now
    work = app_dir / "work"
    for path in _dead_pid_files(work, _PID_NAME):
        freed.add(path, "work files", dry_run)
    for path in _dead_pid_files(work, _TEMP_RE):
        freed.add(path, "work files", dry_run)
    if work.is_dir():
        for path in work.glob("config-*.yaml"):
            if now - path.stat().st_mtime > CONFIG_MAX_AGE:
                freed.add(path, "work files", dry_run)
    manim = app_dir / "manim"
    if manim.is_dir():
        for kind in ("videos", "images"):
            for folder in manim.glob(f"*/{kind}/*/**/"):
                if folder.name == "partial_movie_files":
                    continue
                for path in _dead_pid_files(folder, _PID_NAME):
                    freed.add(path, "unfinished scene files", dry_run)
        for folder in manim.glob("*/videos/*/*/partial_movie_files"):
            for path in folder.rglob("*"):
                if path.is_file() and now - path.stat().st_mtime > PARTIAL_MAX_AGE:
                    freed.add(path, "unfinished scene files", dry_run)
    for folder in (app_dir / "check").glob("work-*") if (app_dir / "check").is_dir() else []:
        pid = folder.name.removeprefix("work-").split("-")[0]  # work-<pid>-<random>
        if pid.isdigit() and not _alive(int(pid)):
            freed.add(folder, "work files", dry_run)  # a check killed outright
    cache = app_dir / "cache"
    if cache.is_dir():
        for folder in cache.glob("*/*/"):
            for path in _dead_pid_files(folder, _TEMP_RE):
                freed.add(path, "work files", dry_run)
    return freed


def manifest_segments(app_dir: Path) -> set[str]:
    """Every segment file a manifest beside the outputs refers to (resolved paths)."""
    used: set[str] = set()
    for path in Path(app_dir).glob("*.manifest.json"):
        try:
            manifest = Manifest.from_file(path)
        except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
            continue  # not ours or damaged: it protects nothing
        used.update(str(Path(s.segment).resolve()) for s in manifest.scenes)
    return used


def clean(app_dir: Path, everything: bool = False, dry_run: bool = False) -> Freed:
    """Remove cached segments no manifest refers to and stale work files; with `everything`,
    the whole cache (CACHE_PARTS). Final outputs (videos, captions, manifests, PNGs) stay."""
    app_dir = Path(app_dir)
    running = live_renders(app_dir)
    if running:
        raise UserError(f"a render is running (process {', '.join(map(str, running))}); "
                        "run clean when it has finished")
    freed = Freed()
    if everything:
        for part in CACHE_PARTS:
            if (app_dir / part).exists():
                freed.add(app_dir / part, f"files in {part}/", dry_run)
        return freed
    remove_stale_work(app_dir, freed, dry_run)
    used = manifest_segments(app_dir)
    cache = app_dir / "cache"
    spoken: set[str] = set()  # the clips the kept segments play
    for meta in sorted(cache.glob("*/*/*.json")) if cache.is_dir() else []:
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            segment = str(Path(data["file"]).resolve())
        except (OSError, ValueError, KeyError, TypeError):
            segment, data = "", {}
        if segment in used:
            freed.kept += 1
            spoken.update(str(Path(b["audio"]).resolve()) for b in data.get("beats", []) if b.get("audio"))
            continue
        for sibling in meta.parent.glob(meta.stem + ".*"):
            freed.add(sibling, "cached segment files", dry_run)
    voice = app_dir / "voice"
    for path in sorted(voice.rglob("*")) if voice.is_dir() else []:
        if path.is_file() and str(path.with_suffix(".wav").resolve()) not in spoken:
            freed.add(path, "spoken clips", dry_run)  # made again when a line is spoken again
    return freed
