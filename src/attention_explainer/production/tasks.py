"""The production line as a graph of typed tasks, run by an executor (executor.py): a local
process pool, or a Dask cluster whose workers have this package installed.

    RenderScene    one scene of one lesson: its segment, from the cache or rendered as chunks
    AssembleVideo  one lesson's video: its segments stitched, with captions, chapters, manifest

A task is a frozen dataclass: picklable, so a worker elsewhere runs it, and named by `key`, a
hash of what it makes. Lessons that share work (the same intro scene, the same lines) get tasks
of one key, which a graph holds once. A scene task's key is its segment's cache key plus the
values of the config keys that scene read when last rendered (unknown: the whole config); the
assembly re-checks the cache, so a merge that was wrong only costs time, never a wrong video.
All files live under the settings' media dir: a folder every worker sees (`--cache-dir`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Sequence

from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.script import context_for
from attention_explainer.narration.voice import make_voice
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.config_reads import value_digest
from attention_explainer.narration.locale import use_language
from attention_explainer.production.page import post_steps
from attention_explainer.production.progress import Silent, expected_seconds
from attention_explainer.production.records import SegmentMeta
from attention_explainer.production.segment_cache import SegmentCache, narration_key, scene_key
from attention_explainer.production.segments import render_segments
from attention_explainer.production.settings import RenderSettings, voice_spec
from attention_explainer.production.video import render_video


@dataclass(frozen=True)
class Done:
    """What a task made: its key, the file, whether it was there already, the seconds it took."""

    key: str
    file: str
    reused: bool
    seconds: float
    worker: str = field(default_factory=lambda: f"pid {os.getpid()}")
    files: tuple[str, ...] = ()  # a video's: it, its captions, chapters, manifest (and page, clips)
    duration: float = 0.0  # a video's length in seconds
    notes: tuple[str, ...] = ()  # for the user: a scene's chunks rendered and reused, a video's warnings


@dataclass(frozen=True)
class Task:
    key: str
    deps: tuple[str, ...]
    cost: float  # expected seconds (one core)
    lessons: tuple[str, ...]  # the lessons it is part of (merged tasks: several)

    @property
    def label(self) -> str:
        return self.key[:8]

    def run(self) -> Done:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class RenderScene(Task):
    """One scene's segment for one lesson's settings (its chunks one after another: a worker is
    one core)."""

    settings: RenderSettings = None  # type: ignore[assignment]
    scene: SceneInfo = None  # type: ignore[assignment]

    @property
    def label(self) -> str:
        return f"{self.scene.id} ({', '.join(self.lessons)})"

    def run(self) -> Done:
        t0 = time.monotonic()
        use_language(self.settings.config.video.language)  # chapter titles in the lesson's language
        notes = _Notes()
        segment = render_segments([self.scene], self.settings, progress=notes)[0]
        return Done(self.key, str(segment.video), segment.reused, time.monotonic() - t0, notes=tuple(notes.said))


@dataclass(frozen=True)
class AssembleVideo(Task):
    """One lesson's video at `output`: its segments (all in the cache once its scene tasks ran)."""

    settings: RenderSettings = None  # type: ignore[assignment]
    scenes: tuple[SceneInfo, ...] = ()
    output: str = ""
    fmt: Optional[str] = None  # mp4, webm, gif (None: the output's suffix)
    check: bool = False  # the layout check of the scenes first (cached per scene); refuse what would show
    page: bool = False  # also the lesson page beside the video
    chapter_clips: bool = False  # also one MP4 per chapter

    @property
    def label(self) -> str:
        return f"video of {', '.join(self.lessons)}"

    def run(self) -> Done:
        t0 = time.monotonic()
        use_language(self.settings.config.video.language)
        Path(self.output).parent.mkdir(parents=True, exist_ok=True)
        result = render_video(self.scenes, self.settings, Path(self.output), self.fmt, check=self.check,
                              post=post_steps(self.page, self.chapter_clips))
        return Done(self.key, str(result.video), False, time.monotonic() - t0,
                    files=tuple(str(f) for f in result.assembly.files), duration=result.assembly.duration,
                    notes=tuple(result.notes))


def scene_task(info: SceneInfo, settings: RenderSettings, lesson: str) -> RenderScene:
    """The task that makes `info`'s segment under `settings` (keyed as the module docstring says)."""
    cfg = settings.effective_config()
    data = cfg.model_dump(mode="json")
    voice = make_voice(voice_spec(settings), settings.app_dir / "voice")
    narration = narration_key(info.id, data, context_for(cfg, compute_trace(cfg.attention_spec())))
    key = scene_key(info, narration, settings.q, False, voice.fingerprint(info.id) if voice else None,
                    settings.x264_preset)
    cache = SegmentCache(settings.app_dir / "cache")
    read = keys_read(cache, info.id)
    values = {k: value_digest(data, k) for k in read} if read is not None else data
    task_key = "scene-" + _hash([key, values])
    cost = cache.latest(info.id, settings.resolution_dir, "render_seconds") or expected_seconds(info.id, settings.q)
    return RenderScene(task_key, (), cost, (lesson,), settings=settings, scene=info)


def video_task(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Path, deps: Sequence[str],
               lesson: str, fmt: Optional[str] = None, check: bool = False, page: bool = False,
               chapter_clips: bool = False) -> AssembleVideo:
    extras = [fmt, check, page, chapter_clips]
    key = "video-" + _hash([str(Path(output).resolve()), list(deps)] + ([extras] if any(extras) else []))
    return AssembleVideo(key, tuple(deps), 1.0, (lesson,), settings=settings, scenes=tuple(scenes),
                         output=str(output), fmt=fmt, check=check, page=page, chapter_clips=chapter_clips)


def lesson_tasks(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Path, lesson: str,
                 **video: Any) -> list[Task]:
    """One video's tasks: a RenderScene per scene, then the AssembleVideo that needs them all
    (`video`: video_task's fmt, check, page, chapter_clips). `course` makes these per lesson,
    `render --scheduler` for its one video."""
    mine: list[Task] = [scene_task(info, settings, lesson) for info in scenes]
    return [*mine, video_task(scenes, settings, output, [t.key for t in mine], lesson, **video)]


class _Notes(Silent):
    """A task's progress: silent (a worker has no terminal), the notes kept for its Done."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def note(self, text: str) -> None:
        self.said.append(text)


def keys_read(cache: SegmentCache, scene_id: str) -> Optional[list[str]]:
    """The config keys `scene_id` read in its latest cached render or check (None: never seen)."""
    folder = cache.root / scene_id
    metas = sorted(folder.glob("*/*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    for path in metas:
        try:
            meta = SegmentMeta.from_file(path)
        except (OSError, ValueError):
            continue
        if meta.config is not None and "" not in meta.config:
            return sorted(meta.config)
    return None


def merge(tasks: Sequence[Task]) -> dict[str, Task]:
    """The graph: tasks by key, those of one key merged into one (their lessons joined)."""
    graph: dict[str, Task] = {}
    for task in tasks:
        old = graph.get(task.key)
        if old is None:
            graph[task.key] = task
            continue
        lessons = old.lessons + tuple(x for x in task.lessons if x not in old.lessons)
        graph[task.key] = _with_lessons(old, lessons)
    return graph


def _with_lessons(task: Task, lessons: tuple[str, ...]) -> Task:
    return replace(task, lessons=lessons)


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:24]
