"""Render scenes with Manim in parallel child processes, reuse unchanged ones, assemble the video.

Public entry points take the scenes as SceneInfo objects (the CLI passes the catalog's; tests and
the benchmark pass their own, e.g. `scene_from_file`):

- `render_segments(scenes, settings)`: one MP4 (or last-frame PNG) per scene (segments.py).
- `render_video(scenes, settings, output, fmt, check, post)`: the check, the segments stitched
  into one video with captions, chapters and a manifest, then the post-steps (video.py).
- `render_scene(info, settings, still, fmt, output, beat)`: one scene (or one beat of it), for review.
- `render_storyboard(scenes, settings)`, `render_beat_storyboards(...)`: contact sheets.

Where the work lives: settings.py (what is asked, output names), child.py (one child process:
run record, signals, logs, clean-up; shared with check.py), scheduler.py (children `parallel`
at once), segments.py (the cache and the scene children), speech.py (the voice server and the
lines made ahead), video.py (assembly and post-steps).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Optional, Sequence

from attention_explainer.errors import UserError
from attention_explainer.narration.beats import Beat
from attention_explainer.production.assemble import Segment, probe, stitch
from attention_explainer.production.atomic import AtomicFiles, temp_path
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.check import check_scenes
from attention_explainer.production.child import Interrupted, SignalsRaise, failure_line
from attention_explainer.production.formats import convert
from attention_explainer.production.segments import RenderError, cached_plays, render_segments
from attention_explainer.production.settings import (
    APP_DIR,
    RESOLUTION_DIR,
    RenderSettings,
    default_output,
    resolve_format,
    scene_from_file,
    voice_spec,
    voice_tag,
)
from attention_explainer.production.soundtrack import encoded_track
from attention_explainer.production.storyboard import beat_sheet, contact_sheet
from attention_explainer.production.video import PostStep, VideoResult, render_video

__all__ = ["APP_DIR", "RESOLUTION_DIR", "Interrupted", "PostStep", "RenderError", "RenderSettings", "VideoResult",
           "default_output", "failure_line", "render_beat_storyboards", "render_scene", "render_segments",
           "render_storyboard", "render_video", "resolve_format", "scene_from_file", "voice_tag"]


def render_scene(info: SceneInfo, settings: RenderSettings, still: bool = False, fmt: Optional[str] = None,
                 output: Optional[Path] = None, beat: Optional[str] = None) -> Path:
    """Render (or reuse) one scene and copy it to `output` (default under media/attention-explainer/).
    The sound is the sample-exact narration track, as in the full video. `beat`: only that beat
    of the scene, from the state before it (Manim skips the animations before it)."""
    fmt = resolve_format(output, fmt, still)
    if output is None:
        output = default_output(settings, fmt, info.id, still)
        output = output.with_name(f"{output.stem}_{beat}{output.suffix}") if beat is not None else output
    output = Path(output)
    if output.is_dir():
        raise UserError(f"{output}: is a directory; give a file name")
    with SignalsRaise(), AtomicFiles() as files:
        if beat is None:
            segment = render_segments([info], settings, still=still)[0]
            start = 0.0
        else:
            plays = beat_animations(info, settings, beat)
            segment = render_segments([info], settings, still=still, animations={info.id: plays})[0]
            start = next(b.start for b in segment.beats if b.id == beat)
        tmp = files.temp_for(output)
        if still:
            convert(segment.video, tmp, "mp4")  # a still's segment is the PNG: copied
        else:
            _with_soundtrack(segment, start, tmp, fmt, settings.app_dir / "cache" / "soundtrack")
        files.commit()
    return output


def beat_animations(info: SceneInfo, settings: RenderSettings, beat: str) -> tuple[int, int]:
    """Manim's animation range (first, last) of one beat: from the scene's cached video, else
    (silent) its check build, where animations are skipped; with a voice the beats' waits follow
    the speech, so the whole scene is rendered once first (later beats are then instant to find)."""
    plays = cached_plays(info, settings)
    if plays is None and voice_spec(settings) != "none":
        render_segments([info], settings)
        plays = cached_plays(info, settings)
    if plays is None:
        plays = check_scenes([info], settings.effective_config(), settings.media_dir, 1).plays.get(info.id, {})
    if beat not in plays:
        known = ", ".join(plays) or "none"
        raise UserError(f"--beat {beat}: scene '{info.id}' has no such beat; its beats: {known}")
    first, end = plays[beat]
    if end <= first:
        raise UserError(f"--beat {beat}: the beat has no animation to render")
    return first, end - 1


def _with_soundtrack(segment: Segment, start: float, out: Path, fmt: str, cache: Path) -> None:
    """The segment's picture with the narration track made from its beats (from `start`, for a
    beat rendered alone), as `fmt`; a silent segment is copied."""
    info = probe(segment.video)
    track = None
    if info.audio is not None:
        beats = [_shifted(b, start) for b in segment.beats if b.start >= start - 1e-6]
        track = encoded_track([(segment.video, 0.0, info.duration, beats)], cache)
    if fmt == "mp4":
        stitch([segment.video], out, None, [info], track)
        return
    joined = temp_path(out.with_suffix(".mp4"))
    try:
        stitch([segment.video], joined, None, [info], track)
        convert(joined, out, fmt)
    finally:
        joined.unlink(missing_ok=True)


def _shifted(beat: Beat, by: float) -> Beat:
    return replace(beat, start=round(beat.start - by, 4), end=round(beat.end - by, 4))


def render_storyboard(scenes: Sequence[SceneInfo], settings: RenderSettings,
                      output: Optional[Path] = None) -> Path:
    """One PNG with every scene's last frame, labelled with its title."""
    if output is None:
        output = settings.app_dir / f"{settings.name}_{settings.resolution_dir}_storyboard.png"
    resolve_format(output, None, still=True)  # a PNG: refuse any other name
    with SignalsRaise(), AtomicFiles() as files:
        segments = render_segments(scenes, settings, still=True)
        contact_sheet([(f"{i}. {s.title}", s.video) for i, s in enumerate(segments, start=1)],
                      files.temp_for(Path(output)), theme=settings.config.display.theme)
        files.commit()
    return Path(output)


def render_beat_storyboards(scenes: Sequence[SceneInfo], settings: RenderSettings,
                            output: Optional[Path] = None) -> list[Path]:
    """Render the scenes (or reuse them) and write one sheet per scene: <stem>_<scene id>.png
    beside `output` (default <media>/attention-explainer/<config>_<quality>_storyboard.png)."""
    if output is None:
        output = settings.app_dir / f"{settings.name}_{settings.resolution_dir}_storyboard.png"
    output = Path(output)
    fps = float(settings.resolution_dir.split("p")[1])
    segments = render_segments(scenes, settings)
    written = []
    work = Path(tempfile.mkdtemp(prefix="beats-", dir=settings.app_dir))
    try:
        with AtomicFiles() as files:
            for seg in segments:
                if not seg.beats:
                    continue
                out = output.with_name(f"{output.stem}_{seg.scene_id}.png")
                beat_sheet(seg.video, seg.beats, fps, files.temp_for(out), work / seg.scene_id,
                           theme=settings.config.display.theme)
                written.append(out)
            files.commit()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written
