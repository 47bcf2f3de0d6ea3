"""The video: the segments stitched into one file, with captions, chapters and a manifest beside
it (see assemble.py), then the post-steps (a course page, chapter clips...) on the result.

`render_video(scenes, settings, output, fmt, check=..., post=[...])` runs, in order and counted
in `VideoResult.seconds`: the layout check of the scenes that changed (when asked), the
segments, the assembly, then each post-step `step(result)` (whose notes join the result's).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from attention_explainer.errors import UserError
from attention_explainer.narration.chapters import youtube_warnings
from attention_explainer.production.assemble import Assembly, Segment, assemble, sidecar
from attention_explainer.production.atomic import remove_stale_temps
from attention_explainer.production.catalog import SceneInfo
from attention_explainer.production.check import CheckResult, check_scenes, refuse_visible
from attention_explainer.production.child import SignalsRaise
from attention_explainer.production.progress import make_progress
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
        checked = _check(scenes, settings) if check else None
        result = _render_video(scenes, settings, output, fmt, t0)
        result.check = checked
        for step in post:
            result.notes.extend(step(result) or ())
        result.seconds = time.monotonic() - t0
    return result


def _check(scenes: Sequence[SceneInfo], settings: RenderSettings) -> CheckResult:
    """The layout check as the render's first step, with its own progress lines."""
    progress = make_progress(settings.quiet, parallel=settings.parallel, verb="check")
    try:
        result = check_scenes(scenes, settings.effective_config(), settings.media_dir, settings.jobs, progress=progress)
    finally:
        progress.close()
    refuse_visible(result, lambda line: print(line, file=sys.stderr, flush=True))  # even with --quiet
    return result


def _render_video(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Path, fmt: str,
                  t0: float) -> VideoResult:
    segments = render_segments(scenes, settings)
    remove_stale_temps(output.parent if output.parent != Path("") else Path("."))
    effective = settings.effective_config()
    extra = {
        "quality": settings.q,
        "config": {"name": settings.name, "effective": str(config_file(settings)),
                   "sha256": hashlib.sha256(json.dumps(effective.model_dump(mode="json"),
                                                       sort_keys=True).encode()).hexdigest()},
        "burned_captions": effective.display.captions,
        "voice": voice_spec(settings),
    }
    replaced = describe_existing(output)
    assembly = assemble(segments, output, fmt, extra, soundtrack_cache=settings.app_dir / "cache" / "soundtrack")
    notes = list(youtube_warnings(assembly.chapters))
    if replaced:
        notes.append(f"replaced the earlier {output} ({replaced})")
    return VideoResult(assembly, segments, time.monotonic() - t0, notes)


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
