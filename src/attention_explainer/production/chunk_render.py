"""A scene rendered as chunks (chunks.py): which chunks it needs, their cache, and the join.

`SceneChunks(info, settings, ...)` is made for a scene whose segment is not cached: it plans the
cut (the scene's plan for this key, else its latest plan; else, on a first render, the beats of the
layout check or of the narration script, in as many chunks as make the render end soonest),
looks every chunk up in the chunk cache and makes a `SceneRun` (a child told its first beat and
the beat it stops at) for each one missing. After the children ran, `finish()` stores the new
chunks, checks that each drew what its bounds say and that the chunks meet beat to beat, joins
them into the segment (remux; one narration track from the clips) and stores that.

A scene rendered in one piece leaves its chunks too (`cut_from`): Manim encodes every animation
on its own, so its video has a keyframe where each beat starts, and the chunks of the next cut
are slices of it (remux, no re-encode). The first edit after a one-piece render then re-renders
one chunk, not every chunk of the new cut.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from attention_explainer.narration.beats import Beat, reading_time
from attention_explainer.narration.script import script_for
from attention_explainer.production.assemble import Probe, Segment, probe, stitch
from attention_explainer.production.atomic import temp_path
from attention_explainer.production.child import finished_svg
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.chunks import (
    Chunk,
    Plans,
    ScenePlan,
    beat_costs,
    chunk_key,
    chunk_lines,
    first_at_or_after,
    plan_chunks,
)
from attention_explainer.production.records import BeatsFile, SegmentMeta
from attention_explainer.production.segment_cache import SegmentCache
from attention_explainer.production.soundtrack import encoded_track
from attention_explainer.production.sources import digests

KeyFor = Callable[[dict[str, Any]], str]  # the chunk's lines -> segment_cache.scene_key with them


class PlanMismatch(Exception):
    """A chunk drew other beats than its bounds say, or the chunks do not meet: render it whole."""


class SceneChunks:
    """The chunks of one scene: cached ones, ones to render (`runs`), and the join."""

    def __init__(self, info: SceneInfo, key: str, variant: str, cache: SegmentCache, data: dict[str, Any],
                 chunks: Sequence[Chunk], key_for: KeyFor, lines: dict[str, Any], guess: bool = False) -> None:
        """`guess`: the beats are a first render's guess (the script's lines, which a beat may say
        under another id): every chunk's key then holds every line of the scene."""
        self.info, self.key, self.variant, self.cache, self.data = info, key, variant, cache, data
        self.chunks = list(chunks)
        beats = self.chunks[0].order
        self.keys = [chunk_key(key_for(lines if guess else chunk_lines(lines, info.id, c, beats)), c)
                     for c in self.chunks]
        self.joined: Optional[SegmentMeta] = None  # the segment, once joined
        self.keys_read: Optional[list[str]] = None
        self.metas: dict[int, SegmentMeta] = {}
        for i, k in enumerate(self.keys):
            meta = cache.lookup(info.id, self.chunk_variant, k, data)
            if meta is not None:
                self.metas[i] = meta
        self.runs: dict[int, Any] = {}  # chunk index -> segments.SceneRun

    @property
    def chunk_variant(self) -> str:
        return f"{self.variant}-chunks"

    @property
    def missing(self) -> list[Chunk]:
        return [c for c in self.chunks if c.index not in self.metas]

    def keep(self, index: int, settings_q: str) -> None:
        """Store chunk `index` as soon as its child finished (a Ctrl-C, a failed sibling or a lost
        worker then keeps it: the next run reuses it). A chunk that showed other beats than
        planned is left for finish() to report."""
        if index not in self.metas:
            try:
                self.metas[index] = self._store_chunk(self.chunks[index], self.keys[index], self.runs[index],
                                                      settings_q)
            except PlanMismatch:
                pass

    def finish(self, settings_q: str, plans: Plans) -> Segment:
        """Store the chunks the children made (those not kept yet), join all into the segment and store it."""
        for i, run in self.runs.items():
            if i not in self.metas:
                self.metas[i] = self._store_chunk(self.chunks[i], self.keys[i], run, settings_q)
        metas = [self.metas[c.index] for c in self.chunks]
        self.check_meet(metas)
        return self._join(metas, settings_q, plans)

    def _store_chunk(self, chunk: Chunk, key: str, run: Any, quality: str) -> SegmentMeta:
        """The chunk's video into the cache, once it is what its bounds say: drawn from its first
        beat (the rule of chunks.first_at_or_after), only beats planned for it, and nothing drawn
        before that beat (its video lasts what its beats span, to within a frame)."""
        what = f"{self.info.id} chunk {chunk.label}"
        found, out = run.sources(), run.out
        if not out.exists():
            raise PlanMismatch(f"{what}: drew nothing (no beat at or after {chunk.start})")
        written = BeatsFile.from_file(run.beats_file)
        i0 = first_at_or_after(chunk.order, [b.id for b in written.beats], chunk.start)
        mine = written.beats[i0:] if i0 is not None else []
        stray = [b.id for b in mine if b.id in chunk.order and b.id not in chunk.beats]
        if not mine or stray:
            raise PlanMismatch(f"{what}: drew beats {[b.id for b in mine]}, planned {list(chunk.beats)}")
        info = probe(out)
        shift = 0.0 if chunk.index == 0 else mine[0].start
        if abs(info.duration - (written.duration - shift)) > 1 / float(info.fps) + 1e-3:  # (Manim's joins: ms short)
            raise PlanMismatch(f"{what}: {info.duration:.3f} s of video for {written.duration - shift:.3f} s of beats")
        meta = SegmentMeta(key=key, scene=self.info.id, title=self.info.title, quality=quality,
                           sources=digests(found.files), animations=run.child.animations,
                           render_seconds=round(run.child.seconds, 2), log=str(run.child.log), created=time.time(),
                           duration=info.duration, beats=[_shifted(b, shift) for b in mine], plays=written.plays)
        return self.cache.store(self.info.id, self.chunk_variant, key, out, meta, self.data, found.config_keys)

    def check_meet(self, metas: Sequence[SegmentMeta]) -> None:
        """The chunks meet beat to beat: each skipped exactly the beats the ones before it drew
        (a chunk's `plays` lists every beat its child entered, skipped ones first), and the last
        saw them all. PlanMismatch otherwise (chunks cut from other runs of the scene)."""
        done: list[str] = []
        for chunk, meta in zip(self.chunks, metas):
            own, seen = [b.id for b in meta.beats], list(meta.plays)
            if not own or own[0] not in seen or seen[:seen.index(own[0])] != done:
                raise PlanMismatch(f"{self.info.id} chunk {chunk.label}: does not start where chunk "
                                   f"{chunk.index} ended")
            done += own
        if list(metas[-1].plays) != done:
            raise PlanMismatch(f"{self.info.id}: its chunks do not cover its beats")

    def cut_from(self, whole: SegmentMeta, keys_read: Optional[list[str]]) -> bool:
        """Store every chunk not in the cache as a slice of the video `whole` (one piece, or joined
        from chunks: a keyframe starts every animation) from the keyframe where the chunk's first
        beat starts to the next chunk's; False, storing nothing, when a chunk's start has no
        keyframe within half a frame."""
        path = Path(whole.file)
        info = probe(path)
        half = 0.5 / float(info.fps)
        keys = keyframes(path)
        ids = [b.id for b in whole.beats]
        firsts = [first_at_or_after(c.order, ids, c.start) for c in self.chunks]
        if any(i is None for i in firsts) or firsts != sorted(set(firsts)) or firsts[0] != 0:  # type: ignore[type-var]
            return False
        bounds: list[float] = []
        for chunk, i in zip(self.chunks, firsts):
            at = 0.0 if chunk.index == 0 else whole.beats[i].start  # type: ignore[index]
            near = min(keys, key=lambda k: abs(k - at)) if keys else None
            if near is None or abs(near - at) > half:
                return False
            bounds.append(near)
        spans = list(zip(bounds, [*bounds[1:], None]))
        ends = [*firsts[1:], len(ids)]
        total = sum(max(b.end - b.start, 0.0) for b in whole.beats) or 1.0
        for chunk, (start, end), i, j in zip(self.chunks, spans, firsts, ends):
            if chunk.index in self.metas:
                continue
            mine = whole.beats[i:j]
            out = temp_path(path.with_name(f"cut-{self.keys[chunk.index][:12]}.mp4"))
            try:
                duration = slice_video(path, start, end, out, info)
                shift = 0.0 if chunk.index == 0 else mine[0].start
                share = sum(max(b.end - b.start, 0.0) for b in mine) / total
                plays = [whole.plays.get(b.id, [0, 0]) for b in mine]
                meta = SegmentMeta(key=self.keys[chunk.index], scene=self.info.id, title=self.info.title,
                                   quality=whole.quality, sources=whole.sources,
                                   animations=sum(max(b - a, 0) for a, b in plays) or None,
                                   render_seconds=round(whole.render_seconds * share, 2), log=whole.log,
                                   created=time.time(), duration=duration, beats=[_shifted(b, shift) for b in mine],
                                   plays=whole.plays)
                self.metas[chunk.index] = self.cache.store(self.info.id, self.chunk_variant, self.keys[chunk.index],
                                                           out, meta, self.data, keys_read)
            finally:
                out.unlink(missing_ok=True)
        return True

    def _join(self, metas: list[SegmentMeta], quality: str, plans: Plans) -> Segment:
        paths = [Path(m.file) for m in metas]
        probes = [probe(p) for p in paths]
        starts = [sum(p.duration for p in probes[:i]) for i in range(len(probes))]
        beats = [_shifted(b, -start) for m, start in zip(metas, starts) for b in m.beats]
        out = temp_path(paths[0].with_name(f"join-{self.key[:12]}.mp4"))
        try:
            track = None
            if probes[0].audio is not None:  # the narration from the clips, sample-exact, as in the video
                track = encoded_track([(p, s, pr.duration, m.beats) for p, s, pr, m in
                                       zip(paths, starts, probes, metas)], self.cache.root / "soundtrack")
            stitch(paths, out, None, probes, track)
            sources = {k: v for m in metas for k, v in m.sources.items()}
            read = sorted({k for m in metas for k in (m.config or {"": ""})})
            seconds = sum(m.render_seconds for m in metas)
            meta = SegmentMeta(key=self.key, scene=self.info.id, title=self.info.title, quality=quality,
                               sources=sources, animations=sum(m.animations or 0 for m in metas),
                               render_seconds=round(seconds, 2), log=metas[-1].log, created=time.time(),
                               duration=sum(p.duration for p in probes), beats=beats, plays=metas[-1].plays)
            meta = self.cache.store(self.info.id, self.variant, self.key, out, meta, self.data, read)
            self.joined, self.keys_read = meta, read
        finally:
            out.unlink(missing_ok=True)
        self._save_plan(metas, plans)
        rendered = tuple(c.index for c in self.chunks if c.index in self.runs)
        return Segment(self.info.id, self.info.title, Path(meta.file), tuple(meta.beats), meta.key, not rendered,
                       sum(self.metas[i].render_seconds for i in rendered))

    def _save_plan(self, metas: list[SegmentMeta], plans: Plans) -> None:
        seconds: dict[str, float] = {}
        durations: dict[str, float] = {}
        for meta in metas:
            total = sum(max(b.end - b.start, 0.0) for b in meta.beats) or 1.0
            for b in meta.beats:
                durations[b.id] = round(max(b.end - b.start, 0.0), 4)
                seconds[b.id] = round(meta.render_seconds * durations[b.id] / total, 3)
        plans.save(ScenePlan(scene=self.info.id, key=self.key, beats=[b.id for m in metas for b in m.beats],
                             plays=metas[-1].plays, starts=[m.beats[0].id for m in metas], seconds=seconds,
                             durations=durations), self.variant)


def plan_scene(info: SceneInfo, key: str, plan: Optional[ScenePlan], cost: float, target: float,
               order: Optional[dict[str, float]], parts: int) -> tuple[list[Chunk], bool]:
    """The chunks of a scene and whether the cut is a first guess: as its `plan` (the one for
    `key`, else its latest) says, costs by the seconds that render measured; else, with no plan,
    `order`'s beats (beat -> expected seconds of video: the layout check's or the narration
    script's) in `parts` chunks that are expected to end together; else one piece."""
    if plan is not None:
        weights = plan.durations or {b: float(max(1, r[1] - r[0])) for b, r in plan.plays.items()}
        costs = beat_costs(plan.beats, weights, cost, plan.seconds)
        sticky = plan.starts if len(plan.starts) > 1 else None  # the last cut: an edit re-renders one chunk
        return plan_chunks(plan.beats, costs, target, sticky, durations=plan.durations), False
    if not order or parts < 2:
        return [Chunk(0, 1, (), None, cost)], True
    costs = beat_costs(list(order), order, cost, {})
    return plan_chunks(list(order), costs, cost / parts, parts=parts, durations=order, even=True), True


def keyframes(path: Path) -> list[float]:
    """The times (s) of the video's keyframes, from its packets (nothing decoded)."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return [float(p.pts * p.time_base) for p in c.demux(v) if p.pts is not None and p.is_keyframe]


def slice_video(src: Path, start: float, end: Optional[float], out: Path, info: Probe) -> float:
    """Copy the video of `src` from its keyframe at `start` (s) up to its keyframe at `end` (None:
    to the end), and the audio in between, into `out`, starting at 0; no re-encode. A keyframe of
    Manim's video starts one animation's own encode (a closed GOP): no frame after it refers to
    one before. Returns the slice's duration."""
    import av

    half = 0.5 / float(info.fps)
    with av.open(str(src)) as inp, av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vout = output.add_stream_from_template(template=vin)
        aout = output.add_stream_from_template(template=ain) if ain is not None else None
        taking = False
        vshift: Optional[int] = None
        for packet in inp.demux(*[s for s in (vin, ain) if s is not None]):
            if packet.dts is None or packet.pts is None:
                continue
            tb = packet.time_base
            at = float(packet.pts * tb)
            if packet.stream.type == "video":
                if packet.is_keyframe:
                    if vshift is None and abs(at - start) <= half:
                        taking, vshift = True, packet.pts
                    elif end is not None and at >= end - half:
                        taking = False
                if not taking or vshift is None:
                    continue
                packet.pts -= vshift
                packet.dts -= vshift
                packet.stream = vout
            else:
                if at < start - 1e-6 or (end is not None and at >= end - 1e-6):
                    continue
                shift = round(start / tb)
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = aout
            output.mux(packet)
    if vshift is None:
        raise ValueError(f"{src}: no keyframe at {start:.3f} s")
    return probe(out).duration


def plan_of_render(scene_id: str, key: str, meta: SegmentMeta) -> ScenePlan:
    """The plan a one-piece render leaves: its beats and animations, each beat's share of its time."""
    total = sum(max(b.end - b.start, 0.0) for b in meta.beats) or 1.0
    seconds = {b.id: round(meta.render_seconds * max(b.end - b.start, 0.0) / total, 3) for b in meta.beats}
    beats = [b.id for b in meta.beats if b.id in meta.plays]
    durations = {b.id: round(max(b.end - b.start, 0.0), 4) for b in meta.beats}
    return ScenePlan(scene=scene_id, key=key, beats=beats, plays=meta.plays, starts=beats[:1], seconds=seconds,
                     durations=durations)


def chunk_narration(narration: dict[str, Any], lines: dict[str, Any]) -> dict[str, Any]:
    """segment_cache.narration_key's value for a chunk: its lines and the context values they name."""
    text = json.dumps(lines, sort_keys=True, ensure_ascii=False)
    used = {k: v for k, v in narration.get("context", {}).items() if re.search(rf"\b{re.escape(k)}\b", text)}
    return {"lines": lines, "context": used}


def script_beats(cfg: Any, scene_id: str, known: Optional[Sequence[str]] = None) -> dict[str, float]:
    """A first render's guess of a scene's beats, in order, with their expected seconds (the line's
    reading time): `known` (the layout check's beats) or the narration script's lines of the scene
    (some of which a config never says: chunk bounds are beats at or after one, so that is safe)."""
    script = script_for(cfg.video.narration, getattr(cfg.video, "language", None))
    ids = list(known) if known else script.ids(scene_id)
    return {i: reading_time(script.entries[i].form.text) if i in script.entries else 2.0 for i in ids}


def chunk_note(scene: SceneChunks) -> str:
    """'math: chunks 2/4 rendered (math-softmax..math-z), 3 reused' for the log."""
    done = [c for c in scene.chunks if c.index in scene.runs]
    said = ", ".join(f"{c.label} ({c.beats[0]}..{c.beats[-1]})" for c in done) or "none"
    return f"{scene.info.id}: {len(scene.chunks)} chunks; rendered {said}; {len(scene.chunks) - len(done)} reused"


def share_tex(root: Path, media_dir: Path) -> None:
    """Copy into `media_dir`'s TeX and text caches what other Manim media dirs under `root` made
    (finished files only; not Manim's scratch `*_.svg`, rewritten on every use): a chunk in a fresh
    media dir then compiles no formula again. Copies, not links: Manim rewrites some in place."""
    now = time.time()
    for sub in ("Tex", "texts"):
        mine = media_dir / sub
        for other in root.glob(f"*/{sub}"):
            if other == mine or not other.is_dir():
                continue
            for path in other.iterdir():
                target = mine / path.name
                try:
                    if (target.exists() or path.stem.endswith("_") or not path.is_file()
                            or path.stat().st_mtime > now - 2
                            or (path.suffix == ".svg" and not finished_svg(path))):
                        continue
                    mine.mkdir(parents=True, exist_ok=True)
                    tmp = mine / f".{path.name}.{os.getpid()}.tmp"
                    shutil.copyfile(path, tmp)
                    os.replace(tmp, target)
                except OSError:
                    continue


def _shifted(beat: Beat, by: float) -> Beat:
    return replace(beat, start=round(beat.start - by, 4), end=round(beat.end - by, 4))
