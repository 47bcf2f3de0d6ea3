"""The video: the segments stitched into one file, with captions, chapters and a manifest beside
it (see assemble.py), then the post-steps (a course page, chapter clips...) on the result.

`render_video(scenes, settings, output, fmt, check=..., post=[...])` runs, counted in
`VideoResult.seconds`: the layout check of the scenes that changed (when asked) beside the
segments (its children and the render's share the cores; the video is not assembled when the
check finds what would show), the assembly, then each post-step `step(result)` (whose notes
join the result's).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from attention_explainer.errors import UserError
from attention_explainer.narration.chapters import Chapter, youtube_warnings
from attention_explainer.narration.voice import WavDirVoice, make_voice
from attention_explainer.production.assemble import Assembly, Segment, assemble, sidecar
from attention_explainer.production.atomic import remove_stale_temps
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.check import CheckResult, check_scenes, refuse_visible
from attention_explainer.production.child import SignalsRaise
from attention_explainer.production.progress import Progress, make_progress
from attention_explainer.production.records import Manifest
from attention_explainer.production.segments import render_segments
from attention_explainer.production.settings import (
    RenderSettings,
    config_file,
    default_output,
    resolve_format,
    voice_spec,
)


@dataclass
class VideoResult:
    """What render_video made: the assembly (video and its files), the segments, the time it all
    took (check and post-steps included), notes for the user and the check's result."""

    assembly: Assembly
    segments: list[Segment]
    seconds: float
    notes: list[str] = field(default_factory=list)
    check: Optional[CheckResult] = None

    @property
    def video(self) -> Path:
        return self.assembly.video


PostStep = Callable[[VideoResult], Optional[Sequence[str]]]  # runs after assembly; may return notes


def render_video(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Optional[Path] = None,
                 fmt: Optional[str] = None, check: bool = False, post: Sequence[PostStep] = ()) -> VideoResult:
    """Check (with `check`: the scenes that changed; stop on what would show), render (or reuse)
    every scene, in order, stitch them into one video (fmt: see resolve_format), then run each
    post-step on the result."""
    fmt = resolve_format(output, fmt)
    t0 = time.monotonic()
    output = Path(output) if output is not None else default_output(settings, fmt)
    if output.is_dir():
        raise UserError(f"{output}: is a directory; give a file name for the video")
    with SignalsRaise():  # SIGTERM while stitching: temp files removed, old video kept
        progress = make_progress(settings.quiet, parallel=settings.parallel)
        try:
            checking = _BackgroundCheck(scenes, settings, progress) if check else None
            try:
                segments = render_segments(scenes, settings, progress=progress)
            except BaseException:
                if checking is not None:
                    checking.cancel()
                raise
            checked = checking.wait() if checking is not None else None
        finally:
            progress.close()
        if checked is not None:
            refuse_visible(checked, lambda line: print(line, file=sys.stderr, flush=True))  # even with --quiet
        result = _assemble(segments, settings, output, fmt, t0)
        result.check = checked
        for step in post:
            result.notes.extend(step(result) or ())
        result.seconds = time.monotonic() - t0
    return result


class _BackgroundCheck:
    """The layout check in a thread while the segments render (its progress beside theirs)."""

    def __init__(self, scenes: Sequence[SceneInfo], settings: RenderSettings, progress: Progress) -> None:
        self.stop = threading.Event()
        self.result: Optional[CheckResult] = None
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(scenes, settings, progress), daemon=True)
        self.thread.start()

    def _run(self, scenes: Sequence[SceneInfo], settings: RenderSettings, progress: Progress) -> None:
        try:
            self.result = check_scenes(scenes, settings.effective_config(), settings.media_dir, settings.jobs,
                                       progress=progress, stop=self.stop)
        except BaseException as e:  # noqa: BLE001 - raised in the main thread by wait()
            self.error = e

    def wait(self) -> CheckResult:
        """The check's result once it is done; its error if it failed."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def cancel(self) -> None:
        """Stop the check (its children too) and wait for it."""
        self.stop.set()
        self.thread.join()


def _assemble(segments: list[Segment], settings: RenderSettings, output: Path, fmt: str,
              t0: float) -> VideoResult:
    remove_stale_temps(output.parent if output.parent != Path("") else Path("."))
    effective = settings.effective_config()
    extra = {
        "quality": settings.q,
        "config": {"name": settings.name, "effective": str(config_file(settings)),
                   "sha256": hashlib.sha256(json.dumps(effective.model_dump(mode="json"),
                                                       sort_keys=True).encode()).hexdigest()},
        "burned_captions": effective.display.captions,
        "voice": voice_spec(settings),
        "theme": effective.display.theme,  # the lesson page's colours and language
        "language": getattr(effective.video, "language", None),
    }
    voice = make_voice(voice_spec(settings), settings.app_dir / "voice") if voice_spec(settings).startswith("wav-dir:") \
        else None
    if isinstance(voice, WavDirVoice):  # which line came from a recording, which from the voice after '+'
        extra["line_sources"] = {b.id: voice.source(b.id) for s in segments for b in s.beats}
    kept = unchanged_video(output, segments, fmt, extra)
    if kept is not None:  # the same segments stitched the same way: the video there is this one
        return VideoResult(kept, segments, time.monotonic() - t0, list(youtube_warnings(kept.chapters)))
    replaced = describe_existing(output)
    assembly = assemble(segments, output, fmt, extra, soundtrack_cache=settings.app_dir / "cache" / "soundtrack")
    notes = list(youtube_warnings(assembly.chapters))
    if replaced:
        notes.append(f"replaced the earlier {output} ({replaced})")
    return VideoResult(assembly, segments, time.monotonic() - t0, notes)


def unchanged_video(output: Path, segments: Sequence[Segment], fmt: str, extra: dict[str, object]) -> Optional[Assembly]:
    """The Assembly of the video at `output` when its manifest says it was made of these very
    segments, as `fmt`, with these render settings, and it and its files are as written then."""
    path = sidecar(output, ".manifest.json")
    try:
        manifest = Manifest.from_file(path)
        made = path.stat().st_mtime
        files = [output, Path(manifest.captions["srt"]), Path(manifest.captions["vtt"]), Path(manifest.chapters),
                 *[Path(f) for f in (manifest.transcript, manifest.chapters_vtt) if f], path]
        if any(not f.is_file() or f.stat().st_mtime > made + 1.0 for f in files):
            return None  # gone, or changed after the manifest was written
    except (OSError, ValueError, KeyError):
        return None
    same = (manifest.video == str(output) and manifest.format == fmt
            and [(s.segment, s.cache_key) for s in manifest.scenes] == [(str(s.video), s.key) for s in segments]
            and manifest.model_dump(mode="json", include=set(extra)) == extra)
    if not same:
        return None
    starts = [s.start for s in manifest.scenes]
    durations = [s.duration for s in manifest.scenes]
    chapters = [Chapter(s.title, s.start, s.start + s.duration) for s in manifest.scenes]
    return Assembly(output, manifest.duration, starts, durations, files, chapters, manifest)


def describe_existing(output: Path) -> str:
    """'' when `output` is new; else what the file there was (its manifest's voice and time)."""
    if not output.is_file():
        return ""
    made = time.strftime("%Y-%m-%d %H:%M", time.localtime(output.stat().st_mtime))
    try:
        voice = Manifest.from_file(sidecar(output, ".manifest.json")).voice or "none"
    except (OSError, ValueError):
        return f"made {made}"
    return f"made {made}, voice {voice}"
