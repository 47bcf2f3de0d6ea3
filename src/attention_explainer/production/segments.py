"""Segments: one MP4 (or last-frame PNG) per scene, from the cache when nothing it depends on
changed, else from a `manim render` child process (settings.parallel at once).

`render_segments(scenes, settings)` is what render_video, render_scene and the storyboards call.
Each child gets a run record (records.RunRecord): the config, where to write its beats and
sources, its voice; it leaves <scene>-<key12>-<pid>.* files in work/ while it runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from attention_explainer.core.attention import compute_trace
from attention_explainer.errors import UserError
from attention_explainer.narration.chapters import chapter_title
from attention_explainer.narration.script import Context, context_for
from attention_explainer.narration.voice import Voice, WavDirVoice, make_voice
from attention_explainer.production.assemble import Segment
from attention_explainer.production.atomic import remove_stale_temps
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.child import Child, MediaDir
from attention_explainer.production.chunk_render import (
    PlanMismatch,
    SceneChunks,
    chunk_narration,
    chunk_note,
    plan_of_render,
    plan_scene,
    script_beats,
    share_tex,
)
from attention_explainer.production.chunks import (
    KEEP_CHUNKS,
    MIN_BEATS,
    Chunk,
    Plans,
    ScenePlan,
    beat_costs,
    cold_parts,
    plan_chunks,
    target_seconds,
)
from attention_explainer.production.formats import DEFAULT_X264_PRESET, X264_OPTIONS
from attention_explainer.production.housekeeping import human_size, remove_stale_work
from attention_explainer.production.progress import Progress, expected_seconds, make_progress
from attention_explainer.production.records import BeatsFile, LoadedSources, RunRecord, SegmentMeta
from attention_explainer.production.scheduler import by_cost, run_children
from attention_explainer.production.segment_cache import SegmentCache, narration_key, scene_key
from attention_explainer.production.settings import RESOLUTION_DIR, FileScene, RenderSettings, config_file, voice_spec
from attention_explainer.production.sources import digests
from attention_explainer.production.speech import lines_ahead, voice_server_for


class RenderError(UserError):
    """A scene failed to render."""


def manim_command(info: SceneInfo, quality: str, media_dir: Path, name: str, still: bool = False,
                  x264_preset: str = DEFAULT_X264_PRESET,
                  animations: Optional[tuple[int, Optional[int]]] = None) -> list[str]:
    """The `manim render` call for one scene (`animations`: only that range, Manim's -n; an end
    of None: to the scene's end)."""
    cmd = [sys.executable, "-m", "manim", "render", str(info.path), info.cls, f"-q{quality}",
           "--media_dir", str(media_dir), "-o", name, "--progress_bar", "none", "-v", "INFO"]
    if still:
        return cmd + ["-s"]
    # Manim's per-animation cache is off: the segment cache supersedes it, and its hashing of
    # every mobject at every play() cost ~12 % of a cold render (and kept a second copy on disk).
    cmd += ["--format", "mp4", "--disable_caching"]
    if animations is not None:
        cmd += ["-n", f"{animations[0]}" + ("" if animations[1] is None else f",{animations[1]}")]
    cmd += ["--encoder-option", f"preset={x264_preset}"]
    return cmd + [arg for key, value in X264_OPTIONS for arg in ("--encoder-option", f"{key}={value}")]


def manim_output(info: SceneInfo, quality: str, media_dir: Path, name: str, still: bool = False) -> Path:
    """Where Manim writes the file for `manim_command(...)`."""
    stem = Path(info.path).stem
    if still:
        return media_dir / "images" / stem / f"{name}.png"
    return media_dir / "videos" / stem / RESOLUTION_DIR[quality] / f"{name}.mp4"


class SceneRun:
    """One scene rendered by one child: its Child, its Manim media dir (held while it runs),
    and the files it writes for the cache."""

    def __init__(self, info: SceneInfo, settings: RenderSettings, still: bool, key: str, config: Path,
                 cost: float, animations: Optional[tuple[int, Optional[int]]] = None, label: str = "",
                 chunk: Optional[Chunk] = None) -> None:
        """`animations`: Manim's -n range (a preview); `chunk`: draw that chunk's beats only."""
        if not Path(info.path).is_file():
            raise RenderError(f"scene '{info.id}': no such file {info.path}")
        app, work = settings.app_dir, settings.work_dir
        work.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(work)
        self.info, self.still, self.key, self.part = info, still, key, animations
        self.media = MediaDir(app / "manim", info.id)
        manim_dir = self.media.path
        share_tex(app / "manim", manim_dir)
        name = f"{info.id}-{key[:12]}-{os.getpid()}"
        self.beats_file, self.sources_file = work / f"{name}.beats.json", work / f"{name}.sources.json"
        spec = "none" if still else voice_spec(settings)
        record = RunRecord(scene=info.id, config=str(config.resolve()),
                           beats=None if still else str(self.beats_file.resolve()),
                           sources=str(self.sources_file.resolve()),
                           voice=None if spec == "none" else spec,
                           voice_cache=str((app / "voice").resolve()))
        if chunk is not None:  # its beats only (scene_input.chunk_gate)
            record = record.model_copy(update={"beat_order": list(chunk.order), "beats_from": chunk.start,
                                               "beats_until": chunk.until})
        out = self.out = manim_output(info, settings.q, manim_dir, name, still)
        suffix = "still" if still else settings.resolution_dir
        self.child = Child(
            id=f"{info.id} {label}" if label else info.id, cmd=manim_command(info, settings.q, manim_dir, name, still, settings.x264_preset, animations),
            log=app / "logs" / f"{settings.name}_{info.id}{'_' + label.replace('/', 'of') if label else ''}_{suffix}.log",
            record=record,
            # a chunk whose bounds meet no beat draws nothing and writes no video: that is a plan
            # that no longer fits (chunk_render.PlanMismatch), not a failure
            record_path=work / f"{name}.run.json", expect=None if chunk else out,
            leaves=[self.beats_file, self.sources_file, *([out] if chunk else [])],
            scratch=[out.with_suffix(".wav")],  # Manim's audio before it muxes AAC (the soundtrack is ours)
            partial_dir=manim_dir / "videos" / Path(info.path).stem / settings.resolution_dir
            / "partial_movie_files" / info.cls, cost=cost)

    def sources(self) -> LoadedSources:
        """What the scene process recorded (a scene that is not an ExplainerScene: its own file only)."""
        try:
            found = LoadedSources.from_file(self.sources_file)
        except (OSError, ValueError):
            found = LoadedSources(files=[], config_keys=None)
        files = sorted({str(Path(self.info.path).resolve()), *found.files})
        return found.model_copy(update={"files": files})

    def finish(self) -> None:
        """Release the media dir and remove the work files the parent has read."""
        self.media.release()
        for path in (self.beats_file, self.sources_file):
            path.unlink(missing_ok=True)


def render_segments(scenes: Sequence[SceneInfo], settings: RenderSettings, still: bool = False,
                    progress: Optional[Progress] = None,
                    animations: Optional[dict[str, tuple[int, int]]] = None,
                    plays: Optional[dict[str, dict[str, list[int]]]] = None,
                    whole: frozenset[str] = frozenset()) -> list[Segment]:
    """One segment per scene (video, or last-frame PNG with still), reused when unchanged; a scene
    that costs more than a chunk's target renders as chunks (chunk_render), each cached alone.
    `animations`: scene id -> (start, end), render only that range (a preview). `plays`: a layout
    check's animations per beat (a first cut of a silent render); `whole`: scenes rendered in one
    piece. A progress given is the caller's to close."""
    own = progress is None
    progress = progress or make_progress(settings.quiet, parallel=settings.parallel)
    app = settings.app_dir
    stale = remove_stale_work(app)  # what renders killed outright (SIGKILL, power loss) left behind
    if stale.files:
        progress.note(f"removed {stale.files} work file(s) of interrupted renders ({human_size(stale.bytes)})")
    cache = SegmentCache(app / "cache")
    plans = Plans(app / "cache")
    cfg = settings.effective_config()
    data = cfg.model_dump(mode="json")
    config = config_file(settings)
    trace = compute_trace(cfg.attention_spec())
    context = context_for(cfg, trace)
    voice = None if still else make_voice(voice_spec(settings), app / "voice")
    variant = f"still-{settings.resolution_dir}" if still else settings.resolution_dir
    costs = {i.id: cache.latest(i.id, variant, "render_seconds")
             or expected_seconds(i.id, settings.q, still, i.seconds if isinstance(i, FileScene) else None)
             for i in scenes}
    target = target_seconds(sum(costs.values()), settings.parallel, settings.chunk_seconds)
    segments: dict[str, Segment] = {}
    runs: list[SceneRun] = []
    chunked: list[SceneChunks] = []
    guessed: set[str] = set()  # scenes cut by a first guess: their video is re-cut finer for edits
    try:
        todo: list[tuple[SceneInfo, str, float, Optional[float]]] = []
        for info in scenes:
            part = (animations or {}).get(info.id)
            key = _key(info, settings, data, context, voice, still, part)
            cost = costs[info.id]
            animations_last = cache.latest(info.id, variant, "animations")
            if part:
                cost *= (part[1] - part[0]) / max(animations_last or part[1], 1)
            meta = cache.lookup(info.id, _variant(variant, part), key, data)
            if meta is not None:
                progress.add(info.id, info.title, int(animations_last) if animations_last else None, cost)
                segments[info.id] = _segment(info, meta, reused=True)
                progress.done(info.id, True, 0.0)
                continue
            todo.append((info, key, cost, animations_last))
        known = {info.id: plans.load(info.id, variant, key) for info, key, _, _ in todo}
        cuttable = {} if still else {  # each scene's beats (the plan's, else a guess) with their lengths
            info.id: _beats_of(known[info.id]) or script_beats(cfg, info.id, list((plays or {}).get(info.id) or []))
            for info, _, _, _ in todo if not (animations or {}).get(info.id) and info.id not in whole}
        # a first render is cut by its expected cost: measured here before, the catalog's figure for
        # its scene, or the one a scene file is given (else a scene file renders whole the first time)
        sized = {i.id for i in scenes if not isinstance(i, FileScene) or i.seconds is not None
                 or cache.latest(i.id, variant, "render_seconds")}
        parts = cold_parts({i.id: (c, sum(cuttable.get(i.id, {}).values()), len(cuttable.get(i.id, {})) >= MIN_BEATS
                                   and (known[i.id] is None or known[i.id].key != k) and i.id in sized)
                            for i, k, c, _ in todo}, settings.parallel)
        for info, key, cost, animations_last in todo:
            part = (animations or {}).get(info.id)
            plan, order, n = known[info.id], cuttable.get(info.id), parts.get(info.id, 1)
            chunks, guess = ([], False) if still or part or info.id in whole else plan_scene(
                info, key, plan, cost, target, order, n)
            if len(chunks) > 1:
                scene = _scene_chunks(info, settings, key, variant, cache, data, context, voice, chunks, guess)
                if plan is not None and plan.key != key and not scene.metas:  # another config's cut, none of
                    chunks, guess = plan_scene(info, key, None, cost, target, order, n)  # it cached: a first render
                    scene = _scene_chunks(info, settings, key, variant, cache, data, context, voice, chunks, guess)
            if len(chunks) > 1:
                if guess:
                    guessed.add(info.id)
                for chunk in scene.missing:
                    run = SceneRun(info, settings, False, scene.keys[chunk.index], config, chunk.cost,
                                   label=chunk.label, chunk=chunk)
                    scene.runs[chunk.index] = run
                    runs.append(run)
                    progress.add(run.child.id, f"{info.title} {chunk.label}", None, chunk.cost)
                chunked.append(scene)
                continue
            progress.add(info.id, info.title, (part[1] - part[0]) if part else
                         int(animations_last) if animations_last else None, cost)
            runs.append(SceneRun(info, settings, still, key, config, cost, part))
        ordered = by_cost([r.child for r in runs])
        speaking = voice if runs and not still else None  # nothing to render: no server to start
        with voice_server_for(speaking, _ahead(cfg, trace, [r.info for r in runs]) if speaking else []) as server:
            for run in runs:
                assert run.child.record is not None
                run.child.record = run.child.record.model_copy(update={"voice_server": server})
            chunk_of = {id(r): (s, i) for s in chunked for i, r in s.runs.items()}

            def cut(info: SceneInfo, meta: SegmentMeta, keys_read: Optional[list[str]]) -> list[str]:
                return _chunks_of_whole(info, meta, keys_read, settings, variant, cache, data, context, voice, target)

            def cut_finer(scene: SceneChunks) -> None:  # a first guess's cut leaves the sticky cut's chunks
                if scene.joined is not None:
                    _save_plan(scene.info, scene.joined, plans, variant, cut, scene.keys_read)

            def keep(run: SceneRun) -> None:  # each finished child's file goes to the cache at once
                if id(run) in chunk_of:
                    scene, index = chunk_of[id(run)]
                    scene.keep(index, settings.q)
                elif run.info.id not in segments:
                    segments[run.info.id] = _store(run, cache, _variant(variant, run.part), data, settings, still,
                                                   None if still or run.part else plans, cut)

            by_child = {run.child.id: run for run in runs}
            failed = run_children(ordered, settings.parallel, _Keeping(progress, lambda i: keep(by_child[i])))
        if failed is not None:
            raise RenderError(failed.failure(f"scene '{failed.id}'"))
        again = []
        for scene in chunked:
            try:
                segments[scene.info.id] = scene.finish(settings.q, plans)
            except PlanMismatch as e:
                progress.note(f"{e}: the scene's beats moved; rendering it in one piece")
                again.append(scene.info)
                continue
            if scene.info.id in guessed:
                cut_finer(scene)
            progress.note(chunk_note(scene))
        if again:
            for info, seg in zip(again, render_segments(again, settings, progress=progress,
                                                        whole=frozenset(i.id for i in again))):
                segments[info.id] = seg
        if isinstance(voice, WavDirVoice):
            _note_recordings(voice, [segments[i.id] for i in scenes], progress)
    finally:
        for run in runs:
            run.finish()
        if own:
            progress.close()
    for info in scenes:
        cache.prune(info.id, _variant(variant, (animations or {}).get(info.id)))
        cache.prune(info.id, f"{variant}-chunks", keep=KEEP_CHUNKS)
    return [segments[info.id] for info in scenes]


class _Keeping:
    """The progress events, and `keep(child id)` called as each child finishes."""

    def __init__(self, progress: Progress, keep: Any) -> None:
        self.progress, self.keep = progress, keep

    def start(self, child_id: str) -> None:
        self.progress.start(child_id)

    def update(self, child_id: str, animations: int) -> None:
        self.progress.update(child_id, animations)

    def done(self, child_id: str, reused: bool, seconds: float) -> None:
        self.keep(child_id)
        self.progress.done(child_id, reused, seconds)

    def failed(self, child_id: str) -> None:
        self.progress.failed(child_id)


def _scene_chunks(info: SceneInfo, settings: RenderSettings, key: str, variant: str, cache: SegmentCache,
                  data: dict[str, Any], context: Context, voice: Optional[Voice], chunks: Any,
                  guess: bool = False) -> SceneChunks:
    """The scene's chunks, each keyed by the scene's key made with the chunk's own lines."""
    narration = narration_key(info.id, data, context)
    fingerprint = voice.fingerprint(info.id) if voice else None

    def key_for(lines: dict[str, Any]) -> str:
        return scene_key(info, chunk_narration(narration, lines), settings.q, False, fingerprint,
                         settings.x264_preset)

    return SceneChunks(info, key, variant, cache, data, chunks, key_for, narration["lines"], guess)


def _chunks_of_whole(info: SceneInfo, meta: SegmentMeta, keys_read: Optional[list[str]], settings: RenderSettings,
                     variant: str, cache: SegmentCache, data: dict[str, Any], context: Context,
                     voice: Optional[Voice], target: float) -> list[str]:
    """A scene rendered in one piece: cut it as its next render would be cut, store each chunk
    as a slice of its video (chunk_render.SceneChunks.cut_from) and return the beats where the
    chunks start (the plan's sticky cut), so an edited line re-renders one chunk; [first beat]
    when the scene stays whole or its video cannot be cut there."""
    beats = [b.id for b in meta.beats if b.id in meta.plays]
    total = sum(max(b.end - b.start, 0.0) for b in meta.beats) or 1.0
    measured = {b.id: meta.render_seconds * max(b.end - b.start, 0.0) / total for b in meta.beats}
    durations = {b.id: max(b.end - b.start, 0.0) for b in meta.beats}
    chunks = plan_chunks(beats, beat_costs(beats, {}, meta.render_seconds, measured), target, durations=durations)
    if len(chunks) < 2:
        return beats[:1]
    scene = _scene_chunks(info, settings, meta.key, variant, cache, data, context, voice, chunks)
    try:
        if scene.cut_from(meta, keys_read):
            return [c.beats[0] for c in chunks]
    except (OSError, ValueError):
        pass  # the next edit renders every chunk of its cut, as without this
    return beats[:1]


def _beats_of(plan: Optional[ScenePlan]) -> dict[str, float]:
    """A plan's beats, in order, with their seconds of video (1 s each when the plan has none)."""
    return {b: (plan.durations or {}).get(b, 1.0) for b in plan.beats} if plan is not None else {}


def _ahead(cfg: Any, trace: Any, scenes: Sequence[SceneInfo]) -> list[str]:
    try:
        return lines_ahead(cfg, trace, scenes)
    except Exception:  # noqa: BLE001 - ahead is an optimisation; the scenes ask for what they need
        return []


def _key(info: SceneInfo, settings: RenderSettings, data: dict[str, Any], context: Context, voice: Optional[Voice],
         still: bool, part: Optional[tuple[int, int]] = None) -> str:
    return scene_key(info, narration_key(info.id, data, context), settings.q, still,
                     voice.fingerprint(info.id) if voice else None, None if still else settings.x264_preset, part)


def cached_plays(info: SceneInfo, settings: RenderSettings) -> Optional[dict[str, list[int]]]:
    """Each beat's animations ([first, end), Manim's numbering) in the scene's cached video as it
    would render now (same code, config, voice); None when it is not in the cache."""
    cfg = settings.effective_config()
    data = cfg.model_dump(mode="json")
    voice = make_voice(voice_spec(settings), settings.app_dir / "voice")
    key = _key(info, settings, data, context_for(cfg, compute_trace(cfg.attention_spec())), voice, False)
    meta = SegmentCache(settings.app_dir / "cache").lookup(info.id, settings.resolution_dir, key, data)
    return meta.plays if meta is not None and meta.plays else None


def _variant(variant: str, part: Optional[tuple[int, int]]) -> str:
    """The cache folder: a preview of some animations is kept apart from whole scenes."""
    return f"{variant}-part" if part else variant


def _store(run: SceneRun, cache: SegmentCache, variant: str, data: dict[str, Any], settings: RenderSettings,
           still: bool, plans: Optional[Plans] = None, cut: Optional[Any] = None) -> Segment:
    """The finished run's segment, moved into the cache with its meta. With `plans`, the plan of
    this one-piece render is saved; with `cut` too (`_chunks_of_whole`), its chunks are left."""
    child, found = run.child, run.sources()
    meta = SegmentMeta(key=run.key, scene=run.info.id, title=run.info.title, still=still, quality=settings.q,
                       sources=digests(found.files), animations=child.animations,
                       render_seconds=round(child.seconds, 2), log=str(child.log), created=time.time())
    if not still:
        written = BeatsFile.from_file(run.beats_file)
        meta = meta.model_copy(update={"duration": written.duration, "beats": written.beats, "plays": written.plays})
    assert child.expect is not None
    meta = cache.store(run.info.id, variant, run.key, child.expect, meta, data, found.config_keys)
    if plans is not None:  # the beats this render saw: the next render's chunks are cut by them
        _save_plan(run.info, meta, plans, variant, cut, found.config_keys)
    return _segment(run.info, meta, reused=False)


def _save_plan(info: SceneInfo, meta: SegmentMeta, plans: Plans, variant: str, cut: Optional[Any],
               keys_read: Optional[list[str]]) -> None:
    """The plan a scene's video leaves; with `cut` (`_chunks_of_whole`) its chunks are left too."""
    plan = plan_of_render(info.id, meta.key, meta)
    if cut is not None:
        plan = plan.model_copy(update={"starts": cut(info, meta, keys_read)})
    plans.save(plan, variant)


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
