"""Render scenes with Manim in parallel child processes, reuse unchanged ones, assemble the video.

Public entry points take the scenes as SceneInfo objects (the CLI passes the catalog's; tests and
the benchmark pass their own, e.g. `scene_from_file`):

- `render_segments(scenes, settings)`: one MP4 (or last-frame PNG) per scene, from the cache when
  nothing it depends on changed, else from a `manim render` child process (up to settings.jobs at
  once). Used by all the others.
- `render_video(scenes, settings, output, fmt)`: the segments stitched into one video, with
  captions, chapters and a manifest beside it (see assemble.py).
- `render_scene(info, settings, still, fmt)`: one scene, for review.
- `render_storyboard(scenes, settings)`: a contact sheet of every scene's last frame.

Files under <media_dir>/attention-explainer/:
  <name>_<480p15...>.mp4 (+ .srt .vtt .chapters.txt .manifest.json)   final outputs
  cache/<scene>/<480p15|still-480p15>/<key>.mp4|.png + .json        reusable segments
  logs/<name>_<scene>_<480p15>.log                                    the last Manim log
  manim/<scene>/                                                      Manim's media dir (TeX
                                                                      cache; its per-animation
                                                                      cache is off)
  voice/  work/                                                       spoken clips, temp files
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, TextIO

import yaml

from attention_explainer.production.assemble import Assembly, Segment, assemble
from attention_explainer.production.atomic import AtomicFiles, remove_stale_temps
from attention_explainer.narration.beats import BEATS_ENV
from attention_explainer.narration.chapters import chapter_title
from attention_explainer.production.catalog import SceneInfo
from attention_explainer.config import Config
from attention_explainer.config.quality import RESOLUTION
from attention_explainer.errors import UserError
from attention_explainer.production.formats import DEFAULT_X264_PRESET, FORMATS, convert
from attention_explainer.production.housekeeping import human_size, remove_stale_work
from attention_explainer.system.preflight import explain_failure
from attention_explainer.production.progress import Progress, make_progress
from attention_explainer.production.records import BeatsFile, LoadedSources, Manifest, SegmentMeta
from attention_explainer.production.scene_input import CONFIG_ENV
from attention_explainer.production.segment_cache import SegmentCache, scene_key
from attention_explainer.production.sources import SOURCES_ENV, digests
from attention_explainer.narration.voice import SERVER_ENV, VOICE_CACHE_ENV, VOICE_ENV, Voice, WavDirVoice, make_voice
from attention_explainer.narration.voice_server import voice_server

APP_DIR = "attention-explainer"
# Manim's quality letter -> the folder name it writes videos into.
RESOLUTION_DIR = RESOLUTION  # the folder Manim writes each quality to
KILL_GRACE_SECONDS = 5.0  # after SIGINT, a child has this long to clean up before SIGKILL
LOG_COLUMNS = "120"  # width of Manim's (rich) log lines in the log files
TAIL_LINES = 200  # lines of a child's output kept in memory for its error message


class RenderError(UserError):
    """A scene failed to render."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM arrived (Ctrl-C raises KeyboardInterrupt itself): children are stopped, temp files removed."""


@dataclass(frozen=True)
class FileScene(SceneInfo):
    """A scene from any file (tests, the benchmark, a working copy of a scene)."""

    file: str = ""

    @property
    def path(self) -> Path:  # type: ignore[override]
        return Path(self.file)


def scene_from_file(path: str | Path, cls: str, scene_id: str, title: str) -> SceneInfo:
    path = Path(path).resolve()
    return FileScene(scene_id, path.stem, cls, title, file=str(path))


@dataclass(frozen=True)
class RenderSettings:
    """How to render: the config and the command-line choices that override it."""

    config: Config
    name: str = "default"  # names the outputs: the config file's stem
    quality: Optional[str] = None  # None: the config's video.quality
    media_dir: Path = Path("media")
    jobs: int = 0  # scenes rendered at once; 0: one per CPU core
    captions: Optional[bool] = None  # burn captions into the frames; None: config display.captions
    voice: str = "none"  # see voice.py
    quiet: bool = False
    x264_preset: str = DEFAULT_X264_PRESET  # see DEFAULT_X264_PRESET

    @property
    def q(self) -> str:
        return self.quality or self.config.video.quality

    @property
    def resolution_dir(self) -> str:
        return RESOLUTION_DIR[self.q]

    @property
    def app_dir(self) -> Path:
        return Path(self.media_dir) / APP_DIR

    @property
    def parallel(self) -> int:
        return max(1, self.jobs or os.cpu_count() or 1)

    def effective_config(self) -> Config:
        """The config the scenes see: with this render's quality and captions."""
        cfg = self.config
        display = cfg.display if self.captions is None else cfg.display.model_copy(update={"captions": self.captions})
        video = cfg.video.model_copy(update={"quality": self.q})
        return cfg.model_copy(update={"display": display, "video": video})


@dataclass
class _Job:
    info: SceneInfo
    still: bool
    key: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    out: Path  # where Manim writes the file
    beats_file: Path
    sources_file: Path
    partial_dir: Path  # Manim's per-animation files for this scene
    proc: Optional[subprocess.Popen[str]] = None
    reader: Optional[threading.Thread] = None
    started: float = 0.0
    started_wall: float = 0.0
    seconds: float = 0.0
    animations: int = 0
    error: Optional[str] = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))  # the output's last lines
    log_error: Optional[str] = None  # why the log file could not be written in full


# ------------------------------------------------------------------------------------ helpers


def _config_file(settings: RenderSettings) -> Path:
    """The effective config as YAML under work/, named by its hash (the scene processes read it)."""
    data = settings.effective_config().model_dump(mode="json")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = settings.app_dir / "work" / f"config-{digest}.yaml"
    if path.exists():
        os.utime(path)  # in use: housekeeping removes only configs unused for a day
    else:
        with AtomicFiles() as files:
            files.write_text(path, text)
            files.commit()
    return path


def _voice(settings: RenderSettings) -> Optional[Voice]:
    return make_voice(voice_spec(settings), settings.app_dir / "voice")


def manim_command(info: SceneInfo, quality: str, media_dir: Path, name: str, still: bool = False,
                  x264_preset: str = DEFAULT_X264_PRESET) -> list[str]:
    """The `manim render` call for one scene."""
    cmd = [sys.executable, "-m", "manim", "render", str(info.path), info.cls, f"-q{quality}",
           "--media_dir", str(media_dir), "-o", name, "--progress_bar", "none", "-v", "INFO"]
    if still:
        return cmd + ["-s"]
    # Manim's per-animation cache is off: the segment cache supersedes it, and its hashing of
    # every mobject at every play() cost ~12 % of a cold render (and kept a second copy on disk).
    cmd += ["--format", "mp4", "--disable_caching"]
    return cmd + ["--encoder-option", f"preset={x264_preset}"]


def manim_output(info: SceneInfo, quality: str, media_dir: Path, name: str, still: bool = False) -> Path:
    """Where Manim writes the file for `manim_command(...)`."""
    stem = Path(info.path).stem
    if still:
        return media_dir / "images" / stem / f"{name}.png"
    return media_dir / "videos" / stem / RESOLUTION_DIR[quality] / f"{name}.mp4"


_BOX = re.compile(r"^[\s│╭╮╰╯─┃━┏┓┗┛|]*$")
_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)?(INFO|WARNING|ERROR|CRITICAL|DEBUG)?\s+")
_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


def failure_line(log_text: str) -> str:
    """The most telling line of a failed Manim run: the exception, else the last non-frame line."""
    lines = [ln.rstrip() for ln in log_text.splitlines()]
    lines = [ln for ln in lines if ln.strip() and not _BOX.match(ln)]
    for ln in reversed(lines):
        if _ERROR_LINE.match(ln.strip()):
            return ln.strip()
    for ln in reversed(lines):
        text = ln.strip().strip("│").strip()
        if text and not text.startswith(("File ", "Traceback")):
            return _LOG_PREFIX.sub("", text) or text
    return "no output (see the log)"


# --------------------------------------------------------------------------- child processes


class _SignalsRaise:
    """While active, SIGTERM raises Interrupted in the main thread (like Ctrl-C does)."""

    def __enter__(self) -> None:
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGTERM, self._raise)

    @staticmethod
    def _raise(signum: int, frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)


def _read_output(job: _Job, progress: Progress, lock: threading.Lock) -> None:
    """Copy the child's output into its log (and keep its tail in memory), count its animations.

    The pipe is drained to the end whatever happens to the log (a full disk): a child blocked on
    a full pipe would never finish, and the error line comes from the tail kept in memory."""
    assert job.proc is not None and job.proc.stdout is not None
    anim = re.compile(r"Animation (\d+)\s*:")
    log: Optional[TextIO] = None
    try:
        log = open(job.log, "w", encoding="utf-8")
    except OSError as e:
        job.log_error = e.strerror or str(e)
    for line in job.proc.stdout:
        job.tail.append(line)
        if log is not None:
            try:
                log.write(line)
                log.flush()  # a live log, to follow with tail -f
            except OSError as e:
                job.log_error = e.strerror or str(e)
                log = _close_quietly(log)
        m = anim.search(line)
        if m:
            job.animations = max(job.animations, int(m.group(1)) + 1)
            with lock:
                progress.update(job.info.id, job.animations)
    _close_quietly(log)


def _close_quietly(file: Optional[TextIO]) -> None:
    if file is not None:
        try:
            file.close()
        except OSError:
            pass
    return None


def _start(job: _Job, progress: Progress, lock: threading.Lock) -> None:
    job.log.parent.mkdir(parents=True, exist_ok=True)
    job.out.parent.mkdir(parents=True, exist_ok=True)
    job.started = time.monotonic()
    job.started_wall = time.time()
    job.proc = subprocess.Popen(job.cmd, env=job.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace",
                                start_new_session=True)  # its own group: we stop it (and its LaTeX)
    job.reader = threading.Thread(target=_read_output, args=(job, progress, lock), daemon=True)
    job.reader.start()
    with lock:
        progress.start(job.info.id)


def _stop(job: _Job) -> None:
    """Interrupt a running child (Manim then deletes its half-written file), kill it if it lingers."""
    proc = job.proc
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, KILL_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _cleanup(job: _Job) -> None:
    """Remove what an unfinished child may have left: its output and partial animation files."""
    for path in (job.out, job.beats_file, job.sources_file):
        path.unlink(missing_ok=True)
    if job.started_wall and job.partial_dir.is_dir():
        for path in job.partial_dir.iterdir():
            try:
                if path.stat().st_mtime >= job.started_wall - 1:
                    path.unlink()
            except OSError:
                pass


def _finished(job: _Job) -> bool:
    return job.proc is not None and job.proc.returncode == 0 and job.error is None and job.out.exists()


def _run_jobs(jobs: Sequence[_Job], parallel: int, progress: Progress) -> None:
    """Run the jobs, `parallel` at once. At the first failure the others are stopped (the failed
    job gets .error); on a signal everything is stopped and Interrupted propagates. Unfinished
    jobs leave no files behind."""
    lock = threading.Lock()
    pending = deque(jobs)
    running: list[_Job] = []
    try:
        with _SignalsRaise():
            while pending or running:
                while pending and len(running) < parallel:
                    job = pending.popleft()
                    _start(job, progress, lock)
                    running.append(job)
                for job in list(running):
                    assert job.proc is not None
                    if job.proc.poll() is None:
                        continue
                    running.remove(job)
                    if job.reader is not None:
                        job.reader.join()
                    job.seconds = time.monotonic() - job.started
                    if job.proc.returncode != 0 or not job.out.exists():
                        tail = "".join(job.tail)
                        job.error = explain_failure(tail) or failure_line(tail)
                        with lock:
                            progress.failed(job.info.id)
                        return
                time.sleep(0.05)
    finally:
        for job in running:
            _stop(job)
        for job in jobs:
            if not _finished(job):
                _cleanup(job)


# -------------------------------------------------------------------------------- segments


def render_segments(scenes: Sequence[SceneInfo], settings: RenderSettings, still: bool = False,
                    progress: Optional[Progress] = None) -> list[Segment]:
    """One segment per scene (video, or last-frame PNG with still), reused when unchanged."""
    progress = progress or make_progress(settings.quiet, parallel=settings.parallel)
    app = settings.app_dir
    stale = remove_stale_work(app)  # what renders killed outright (SIGKILL, power loss) left behind
    if stale.files:
        progress.note(f"removed {stale.files} work file(s) of interrupted renders ({human_size(stale.bytes)})")
    cache = SegmentCache(app / "cache")
    config_file = _config_file(settings)
    effective = settings.effective_config().model_dump(mode="json")
    voice = None if still else _voice(settings)
    quality = settings.q
    variant = f"still-{settings.resolution_dir}" if still else settings.resolution_dir
    segments: dict[str, Segment] = {}
    jobs: list[_Job] = []
    try:
        for info in scenes:
            key = scene_key(info, effective, quality, still, voice.fingerprint(info.id) if voice else None,
                            None if still else settings.x264_preset)
            meta = cache.lookup(info.id, variant, key)
            animations = cache.latest(info.id, variant, "animations")
            progress.add(info.id, info.title, int(animations) if animations else None,
                         cache.latest(info.id, variant, "render_seconds"))  # for the ETA
            if meta is not None:
                segments[info.id] = _segment(info, meta, reused=True)
                progress.done(info.id, True, 0.0)
                continue
            jobs.append(_make_job(info, settings, still, key, config_file))
        # Slowest first (by their last render; new scenes first of all): the last scene to finish
        # is then a short one, so no core idles while a long scene renders alone.
        seconds = {j.info.id: cache.latest(j.info.id, variant, "render_seconds") or float("inf") for j in jobs}
        ordered = sorted(jobs, key=lambda j: -seconds[j.info.id])
        lines = [] if still or not ordered else _lines_ahead(settings.effective_config(), [j.info for j in ordered])
        with voice_server(voice if ordered and not still else None, lines) as socket_path:  # one model for all
            for job in ordered:
                if socket_path:
                    job.env[SERVER_ENV] = socket_path
            _run_jobs(ordered, settings.parallel, progress)
        for job in jobs:
            if not _finished(job):
                continue
            meta = SegmentMeta(key=job.key, scene=job.info.id, title=job.info.title, still=still, quality=quality,
                               sources=digests(_read_sources(job)), animations=job.animations,
                               render_seconds=round(job.seconds, 2), log=str(job.log), created=time.time())
            if not still:
                written = BeatsFile.from_file(job.beats_file)
                meta = meta.model_copy(update={"duration": written.duration, "beats": written.beats})
            meta = cache.store(job.info.id, variant, job.key, job.out, meta)
            segments[job.info.id] = _segment(job.info, meta, reused=False)
            progress.done(job.info.id, False, job.seconds)
            for path in (job.beats_file, job.sources_file):
                path.unlink(missing_ok=True)
            shutil.rmtree(job.partial_dir, ignore_errors=True)  # Manim's per-animation files
        failed = [j for j in jobs if j.error is not None]
        if failed:
            job = failed[0]
            where = (f"log incomplete, {job.log_error}: {job.log}" if job.log_error else f"full log: {job.log}")
            raise RenderError(f"scene '{job.info.id}' failed: {job.error} ({where})")
        if isinstance(voice, WavDirVoice):
            _note_recordings(voice, [segments[i.id] for i in scenes], progress)
    finally:
        progress.close()
    for info in scenes:
        cache.prune(info.id, variant)
    return [segments[info.id] for info in scenes]


def _make_job(info: SceneInfo, settings: RenderSettings, still: bool, key: str, config_file: Path) -> _Job:
    app = settings.app_dir
    if not Path(info.path).is_file():
        raise RenderError(f"scene '{info.id}': no such file {info.path}")
    manim_dir = app / "manim" / info.id
    name = f"{info.id}-{key[:12]}-{os.getpid()}"
    work = app / "work"
    work.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(work)
    env = dict(os.environ)
    env.update({
        CONFIG_ENV: str(config_file.resolve()),
        BEATS_ENV: str((work / f"{name}.beats.json").resolve()),
        SOURCES_ENV: str((work / f"{name}.sources.json").resolve()),
        "COLUMNS": LOG_COLUMNS, "PYTHONUNBUFFERED": "1",
    })
    env.pop(VOICE_ENV, None)
    if voice_spec(settings) != "none" and not still:
        env[VOICE_ENV] = voice_spec(settings)
        env[VOICE_CACHE_ENV] = str((app / "voice").resolve())
    suffix = "still" if still else settings.resolution_dir
    return _Job(
        info=info, still=still, key=key,
        cmd=manim_command(info, settings.q, manim_dir, name, still, settings.x264_preset), env=env,
        log=app / "logs" / f"{settings.name}_{info.id}_{suffix}.log",
        out=manim_output(info, settings.q, manim_dir, name, still),
        beats_file=work / f"{name}.beats.json", sources_file=work / f"{name}.sources.json",
        partial_dir=manim_dir / "videos" / Path(info.path).stem / settings.resolution_dir
        / "partial_movie_files" / info.cls,
    )


def _read_sources(job: _Job) -> list[str]:
    files = {str(Path(job.info.path).resolve())}
    try:
        files.update(LoadedSources.from_file(job.sources_file).files)
    except (OSError, ValueError):
        pass  # a scene that is not an ExplainerScene: its own file only
    return sorted(files)


def _segment(info: SceneInfo, meta: SegmentMeta, reused: bool) -> Segment:
    return Segment(info.id, chapter_title(info.title), Path(meta.file), tuple(meta.beats), meta.key, reused,
                   meta.render_seconds)


def _note_recordings(voice: WavDirVoice, segments: Sequence[Segment], progress: Progress) -> None:
    beat_ids = [b.id for s in segments for b in s.beats]
    missing = [b for b in beat_ids if voice.recording(b) is None]
    if missing:
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        said = f"spoken by {voice.fallback.spec}" if voice.fallback is not None and hasattr(voice.fallback, "spec") \
            else "silent, captions only"
        progress.note(f"voice: {len(missing)} beat(s) have no recording in {voice.folder} ({said}): {shown}")
    unmatched = voice.unmatched(beat_ids)
    if unmatched:
        shown = ", ".join(unmatched[:8]) + (", ..." if len(unmatched) > 8 else "")
        progress.note(f"voice: {len(unmatched)} recording(s) match no line of this video (names are the ids "
                      f"`attention-explainer narration` prints): {shown}")


def _lines_ahead(cfg: Any, scenes: Sequence[SceneInfo]) -> list[str]:
    """The spoken forms of the scenes' script lines that the config and trace alone fill, round
    robin in render order (what the voice server makes ahead); best effort."""
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.narration.script import GLOBAL_FIELDS, context_for, script_for
    from attention_explainer.narration.spoken import to_spoken
    from attention_explainer.production.catalog import scene_by_id

    try:
        ctx = context_for(cfg, compute_trace(cfg.attention_spec()))  # (makes the config's language the one in use)
        script = script_for(cfg.video.narration)
        per_scene = [[(line.spoken if line.spoken is not None else to_spoken(line.text))
                      for line_id in script.ids(info.id)
                      if all(k in GLOBAL_FIELDS for k in script.entries[line_id].fields)
                      for line in [script.line(line_id, ctx)]]
                     for info in scenes if scene_by_id(info.id).cls == info.cls]
    except Exception:  # noqa: BLE001 - ahead is an optimisation; scenes ask for what they need
        return []
    out = [lines[k] for k in range(max(map(len, per_scene), default=0)) for lines in per_scene if k < len(lines)]
    return [s for s in out if s.strip()]


# --------------------------------------------------------------------------------- outputs


def voice_spec(settings: RenderSettings) -> str:
    """The voice this render speaks with: the settings' effective voice (the command line, else
    the config's video.voice), 'none' when silent."""
    spec = getattr(settings, "effective_voice", None) or settings.voice
    if spec is None:
        spec = getattr(settings.config.video, "voice", None)
    return str(spec or "none")


def voice_tag(spec: str) -> str:
    """The voice's part of a default file name: '' when silent, else its kind (neural, espeak,
    wav, cmd), so a narrated and a silent render of one config never replace each other."""
    kind = spec.split(":", 1)[0].strip().lower()
    if kind in ("", "none"):
        return ""
    return {"wav-dir": "wav"}.get(kind, re.sub(r"[^a-z0-9]+", "-", kind).strip("-") or "voice")


def default_output(settings: RenderSettings, fmt: str = "mp4", scene_id: Optional[str] = None,
                   still: bool = False) -> Path:
    """media/attention-explainer/<config>_<480p15>[_<voice>].mp4 (a scene: <config>_<scene>_<480p15>
    [_<voice>].mp4; a still has no voice part). E.g. default_1080p60.mp4 silent and
    default_1080p60_neural.mp4 narrated."""
    tag = "" if still else voice_tag(voice_spec(settings))
    parts = [settings.name] + ([scene_id] if scene_id else []) + [settings.resolution_dir] + ([tag] if tag else [])
    return settings.app_dir / (("_".join(parts)) + (".png" if still else f".{fmt}"))


@dataclass
class VideoResult:
    assembly: Assembly
    segments: list[Segment]
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def video(self) -> Path:
        return self.assembly.video


def resolve_format(output: Optional[Path], fmt: Optional[str], still: bool = False) -> str:
    """What will be written: 'png' for a still, else --format, else the -o file's suffix (.mp4 .webm
    .gif), else mp4. An -o file whose suffix is not what is written is an error (a PNG named .mp4,
    an MP4 named .mov), and so is --format with --still."""
    suffix = Path(output).suffix.lower().lstrip(".") if output is not None else ""
    if still:
        if fmt is not None:
            raise UserError(f"--still writes one PNG frame; --format {fmt} does not apply (leave it out)")
        if output is not None and suffix != "png":
            raise UserError(f"--still writes a PNG but the output file {output} "
                            f"{'ends in .' + suffix if suffix else 'has no extension'}; name it *.png")
        return "png"
    if fmt is not None and fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if fmt is not None and suffix in FORMATS and suffix != fmt:
        raise UserError(f"--format {fmt} but the output file {output} ends in .{suffix}")
    chosen = fmt or (suffix if suffix in FORMATS else "mp4")
    if output is not None and suffix != chosen:
        said = f"ends in .{suffix}" if suffix else "has no extension"
        raise UserError(f"the output file {output} {said} but {chosen.upper()} is written; name it *.{chosen}"
                        f"{'' if fmt else ' (or choose with --format ' + '|'.join(FORMATS) + ')'}")
    return chosen


def render_video(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Optional[Path] = None,
                 fmt: Optional[str] = None) -> VideoResult:
    """Render (or reuse) every scene, in order, and stitch them into one video (fmt: see resolve_format)."""
    fmt = resolve_format(output, fmt)
    t0 = time.monotonic()
    output = Path(output) if output is not None else default_output(settings, fmt)
    if output.is_dir():
        raise UserError(f"{output}: is a directory; give a file name for the video")
    with _SignalsRaise():  # SIGTERM while stitching: temp files removed, old video kept
        return _render_video(scenes, settings, output, fmt, t0)


def _render_video(scenes: Sequence[SceneInfo], settings: RenderSettings, output: Path, fmt: str,
                  t0: float) -> VideoResult:
    segments = render_segments(scenes, settings)
    remove_stale_temps(output.parent if output.parent != Path("") else Path("."))
    extra = {
        "quality": settings.q,
        "config": {"name": settings.name, "effective": str(_config_file(settings)),
                   "sha256": hashlib.sha256(json.dumps(settings.effective_config().model_dump(mode="json"),
                                                       sort_keys=True).encode()).hexdigest()},
        "burned_captions": settings.effective_config().display.captions,
        "voice": voice_spec(settings),
        "theme": settings.effective_config().display.theme,  # the lesson page's colours and language
        "language": getattr(settings.effective_config().video, "language", None),
    }
    voice = _voice(settings) if voice_spec(settings).startswith("wav-dir:") else None
    if isinstance(voice, WavDirVoice):  # which line came from a recording, which from the voice after '+'
        extra["line_sources"] = {b.id: voice.source(b.id) for s in segments for b in s.beats}
    replaced = _describe_existing(output)
    assembly = assemble(segments, output, fmt, extra, soundtrack_cache=settings.app_dir / "cache" / "soundtrack")
    from attention_explainer.narration.chapters import youtube_warnings

    notes = list(youtube_warnings(assembly.chapters))
    if replaced:
        notes.append(f"replaced the earlier {output} ({replaced})")
    return VideoResult(assembly, segments, time.monotonic() - t0, notes)


def _describe_existing(output: Path) -> str:
    """'' when `output` is new; else what the file there was (its manifest's voice and time)."""
    if not output.is_file():
        return ""
    made = time.strftime("%Y-%m-%d %H:%M", time.localtime(output.stat().st_mtime))
    try:
        from attention_explainer.production.assemble import sidecar

        voice = Manifest.from_file(sidecar(output, ".manifest.json")).voice or "none"
    except (OSError, ValueError):
        return f"made {made}"
    return f"made {made}, voice {voice}"


def render_scene(info: SceneInfo, settings: RenderSettings, still: bool = False, fmt: Optional[str] = None,
                 output: Optional[Path] = None) -> Path:
    """Render (or reuse) one scene and copy it to `output` (default under media/attention-explainer/)."""
    fmt = resolve_format(output, fmt, still)
    output = Path(output) if output is not None else default_output(settings, fmt, info.id, still)
    if output.is_dir():
        raise UserError(f"{output}: is a directory; give a file name")
    with _SignalsRaise(), AtomicFiles() as files:
        segment = render_segments([info], settings, still=still)[0]
        tmp = files.temp_for(output)
        convert(segment.video, tmp, "mp4" if still else fmt)  # a still's segment is the PNG: copied
        files.commit()
    return output


def render_storyboard(scenes: Sequence[SceneInfo], settings: RenderSettings,
                      output: Optional[Path] = None) -> Path:
    """One PNG with every scene's last frame, labelled with its title."""
    from attention_explainer.production.storyboard import contact_sheet

    if output is None:
        output = settings.app_dir / f"{settings.name}_{settings.resolution_dir}_storyboard.png"
    resolve_format(output, None, still=True)  # a PNG: refuse any other name
    with _SignalsRaise(), AtomicFiles() as files:
        segments = render_segments(scenes, settings, still=True)
        contact_sheet([(f"{i}. {s.title}", s.video) for i, s in enumerate(segments, start=1)],
                      files.temp_for(Path(output)), theme=settings.config.display.theme)
        files.commit()
    return Path(output)
