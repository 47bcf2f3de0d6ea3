"""Chunks: a run of consecutive beats of one scene, rendered by one child process.

A scene is cut at beat starts into chunks whose costs are near `target` seconds (the ideal share
of a core, capped at CHUNK_SECONDS so an edit re-renders little). A chunk's bounds are BEATS, not
Manim's animation numbers: its child draws from the first beat at or after `start` in the plan's
beat order (everything before is built with animations skipped, as Manim's -n skips; time still
advances) and ends (Manim's EndSceneEarlyException) on entering the first beat at or after `until`.
Both children of a boundary apply the same rule to the same run of beats, so they meet at the same
beat even when the order is a guess (the narration script's lines, some of which a config never
says) or the scene splits its waits differently (caption switches, cue words: a narrated scene's
animation numbers are only known after it ran). So a scene's first render is cut too.
Its video starts on a keyframe (its own encode) and the chunks of a scene join into the segment
by remuxing (assemble.stitch), with one narration track built from the clips. The plan is sticky:
while a scene's beats are the same, its chunk boundaries stay where they were, so an edited line
re-renders only the chunk that shows it.

    plan_chunks(beats, costs, target)   -> [Chunk]        the cut
    cold_parts(items, parallel)         -> {scene: parts} how many chunks a first render's scenes get
    chunk_key(scene_key, chunk)         -> str            the cache key of one chunk
    Plans(root).load/save                                  cache/<scene>/<variant>-plans/<key>.json
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from pydantic import Field

from attention_explainer.production.records import Record

CHUNK_SECONDS = 20.0  # the longest chunk's cost is at most this (an edit re-renders about this much)
MAX_CHUNKS = 8  # per scene: each chunk pays a process start and a skip-ahead
OVERHEAD_SECONDS = 2.0  # start-up of one chunk (Python, Manim, the scene's setup), added to its cost
SKIP_SHARE = 0.07  # CPU-seconds a chunk spends per second of the scene it skips (building, not drawing)
MIN_BEATS = 4  # a scene of fewer beats renders in one piece (the start-up would outweigh the split)
KEEP_CHUNKS = 64  # chunk cache entries kept per scene and quality (least recently used go first)


@dataclass(frozen=True)
class Chunk:
    """Beats `beats` of one scene (as planned, in `order`, the plan's every beat): drawn from the
    first beat at or after beats[0] (the scene's start for the first chunk) up to the first beat
    at or after `until` (None: to the scene's end)."""

    index: int
    count: int
    beats: tuple[str, ...]
    until: Optional[str]
    cost: float  # expected seconds
    order: tuple[str, ...] = ()

    @property
    def start(self) -> Optional[str]:
        """The beat this chunk draws from (None: the scene's start)."""
        return None if self.index == 0 or not self.beats else self.beats[0]

    @property
    def label(self) -> str:
        return f"{self.index + 1}/{self.count}"


def at_or_after(order: Sequence[str], beat: str, bound: str) -> bool:
    """Whether `beat` comes at or after `bound` in `order` (a beat not in it never does)."""
    return beat in order and bound in order and list(order).index(beat) >= list(order).index(bound)


def first_at_or_after(order: Sequence[str], seen: Sequence[str], bound: Optional[str]) -> Optional[int]:
    """Index in `seen` (beats as entered) of the first at or after `bound`: where a chunk starts
    or ends (0 for no bound; None when no such beat was entered)."""
    if bound is None:
        return 0
    return next((i for i, b in enumerate(seen) if at_or_after(order, b, bound)), None)


class ScenePlan(Record):
    """A scene's chunk plan as last rendered: its beats, their animations and costs, its cut."""

    scene: str
    key: str  # the whole scene's key (segment_cache.scene_key) it was rendered for
    beats: list[str]  # every beat id, in order
    plays: dict[str, list[int]]  # beat id -> [first, end) of its animations, as rendered
    starts: list[str]  # the beats that start a chunk (the first beat always)
    seconds: dict[str, float] = Field(default_factory=dict)  # beat id -> measured render seconds
    durations: dict[str, float] = Field(default_factory=dict)  # beat id -> seconds of video


def beat_costs(beats: Sequence[str], durations: dict[str, float], scene_cost: float,
               measured: dict[str, float]) -> dict[str, float]:
    """Each beat's expected seconds: measured last time, else its share (by duration) of the scene's."""
    total = sum(max(durations.get(b, 0.0), 0.0) for b in beats) or float(len(beats) or 1)
    out = {}
    for b in beats:
        share = (max(durations.get(b, 0.0), 0.0) if total != len(beats) else 1.0) / total
        out[b] = measured.get(b, scene_cost * share)
    return out


def split(costs: Sequence[float], target: float, max_parts: int = MAX_CHUNKS) -> list[int]:
    """Indices where chunks start (0 first): contiguous runs whose costs are at most about `target`,
    as even as a greedy cut at the running sum's multiples of the ideal part gives."""
    total = sum(costs)
    if not costs or target <= 0 or total <= target:
        return [0]
    parts = min(max_parts, len(costs), int(-(-total // target)))
    ideal = total / parts
    starts, run = [0], 0.0
    for i, c in enumerate(costs):
        boundary = ideal * len(starts)
        if i > 0 and len(starts) < parts and run + c / 2 > boundary:
            starts.append(i)
        run += c
    return starts


def balanced(costs: Sequence[float], seconds: Sequence[float], parts: int) -> list[int]:
    """Indices where `parts` chunks start so that the costliest, its start-up and its skip through
    the `seconds` of video before it included, costs least (a bisection on that cost)."""
    before = [sum(seconds[:i]) for i in range(len(costs))]

    def cut(limit: float) -> Optional[list[int]]:
        starts, i = [], 0
        while i < len(costs):
            starts.append(i)
            run = OVERHEAD_SECONDS + SKIP_SHARE * before[i] + costs[i]
            if run > limit or len(starts) > parts:
                return None
            i += 1
            while i < len(costs) and run + costs[i] <= limit:
                run += costs[i]
                i += 1
        return starts

    low, high = 0.0, sum(costs) + OVERHEAD_SECONDS + SKIP_SHARE * sum(seconds)
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (low, mid) if cut(mid) is not None else (mid, high)
    return cut(high) or [0]


def plan_chunks(beats: Sequence[str], costs: dict[str, float], target: float,
                starts: Optional[Sequence[str]] = None, parts: int = MAX_CHUNKS,
                durations: Optional[dict[str, float]] = None, even: bool = False) -> list[Chunk]:
    """The chunks of a scene with `beats` (ids, in order), cut at `starts` (a previous plan's) when
    given and still valid, else by cost near `target`, in at most `parts` chunks (`even`: in
    `parts` chunks that end together, `balanced`). A chunk's cost counts its start-up and its skip
    through the video before it (`durations`: beat -> seconds)."""
    order = tuple(dict.fromkeys(beats))
    if len(order) < MIN_BEATS or parts < 2:
        return [Chunk(0, 1, order, None, sum(costs.get(b, 0.0) for b in order), order)]
    if starts and starts[0] == order[0] and all(s in order for s in starts):
        cut = sorted({order.index(s) for s in starts})
    elif even:
        cut = balanced([costs.get(b, 0.0) for b in order], [(durations or {}).get(b, 0.0) for b in order], parts)
    else:
        cut = split([costs.get(b, 0.0) for b in order], target, parts)
    chunks: list[Chunk] = []
    for n, i in enumerate(cut):
        j = cut[n + 1] if n + 1 < len(cut) else len(order)
        ids = order[i:j]
        skipped = SKIP_SHARE * sum((durations or {}).get(b, 0.0) for b in order[:i])
        chunks.append(Chunk(n, len(cut), ids, order[j] if j < len(order) else None,
                            sum(costs.get(b, 0.0) for b in ids) + OVERHEAD_SECONDS + skipped, order))
    return chunks


def makespan(costs: Sequence[float], parallel: int) -> float:
    """When the last of `costs` ends, run slowest first on `parallel` cores as the scheduler does."""
    loads = [0.0] * max(1, parallel)
    for c in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += c
    return max(loads)


def part_costs(cost: float, video_seconds: float, parts: int) -> list[float]:
    """The costs of a scene cut in `parts` even chunks: each pays a start-up, and each but the
    first the skip through the scene before it."""
    if parts < 2:
        return [cost]
    return [cost / parts + OVERHEAD_SECONDS + SKIP_SHARE * video_seconds * i / parts for i in range(parts)]


def cold_parts(items: dict[str, tuple[float, float, bool]], parallel: int, gain: float = 0.05) -> dict[str, int]:
    """How many chunks each scene to render gets: `items` scene -> (cost, video seconds, can be
    cut). Scenes are tried costliest first, each with the number of parts (1 to MAX_CHUNKS) that
    makes the whole render end soonest (by `makespan`); a cut must gain at least `gain` of it."""
    parts = {s: 1 for s in items}

    def span() -> float:
        return makespan([c for s, (cost, secs, _) in items.items() for c in part_costs(cost, secs, parts[s])],
                        parallel)

    for scene in sorted(items, key=lambda s: -items[s][0]):
        if not items[scene][2] or parallel < 2:
            continue
        best, best_span = 1, span()
        for k in range(2, MAX_CHUNKS + 1):
            parts[scene] = k
            if span() < best_span * (1 - gain):
                best, best_span = k, span()
        parts[scene] = best
    return parts


def target_seconds(total_cost: float, parallel: int, cap: float = CHUNK_SECONDS) -> float:
    """The longest chunk wanted: the ideal share of a core, at most `cap` (0: no cap)."""
    share = total_cost / max(1, parallel)
    return min(share, cap) if cap > 0 else share


def chunk_lines(lines: dict[str, Any], scene_id: str, chunk: Chunk, all_beats: Sequence[str]) -> dict[str, Any]:
    """The script lines a chunk says: those whose id is one of its beats; a line whose id is no
    beat of the scene (a beat naming another line) counts for every chunk."""
    beats = set(all_beats)
    return {i: v for i, v in lines.items() if i in chunk.beats or i not in beats}


def chunk_key(scene_key: str, chunk: Chunk) -> str:
    """The chunk's cache key from `scene_key` (segment_cache.scene_key made with the chunk's own
    lines: code, quality, voice, versions), its bounds and its beats. The state it starts from is
    the scene's code and the config values it reads (checked on lookup) up to its first beat."""
    payload = {"scene": scene_key, "beats": list(chunk.beats), "from": chunk.start, "until": chunk.until,
               "count": chunk.count}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


KEEP_PLANS = 16  # per scene and variant


class Plans:
    """The sticky plans: cache/<scene>/<variant>-plans/<scene key[:24]>.json. `load` prefers the
    plan made for this very key (a course's lessons each have theirs), else the scene's latest
    (an edited line: same beats, same cut)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, scene_id: str, variant: str) -> Path:
        return self.root / scene_id / f"{variant}-plans"

    def load(self, scene_id: str, variant: str, key: str) -> Optional[ScenePlan]:
        folder = self._dir(scene_id, variant)
        exact = folder / f"{key[:24]}.json"
        paths = [exact] + sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) \
            if folder.is_dir() else []
        for path in paths:
            try:
                return ScenePlan.from_file(path)
            except (OSError, ValueError):
                continue
        return None

    def save(self, plan: ScenePlan, variant: str) -> None:
        folder = self._dir(plan.scene, variant)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{plan.key[:24]}.json"
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_text(plan.to_json(1), encoding="utf-8")
        tmp.replace(path)
        for old in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_PLANS:]:
            old.unlink(missing_ok=True)
