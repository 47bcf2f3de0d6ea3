"""Chunks: a run of consecutive beats of one scene, rendered by one child process.

A scene is cut at beat starts into chunks whose costs are near `target` seconds (the ideal share
of a core, capped at CHUNK_SECONDS so an edit re-renders little). A chunk is Manim's animation
range of its beats (`-n FIRST,LAST`: the animations before it are skipped, so it starts from the
scene's state just before its first beat); its video starts on a keyframe (its own encode) and
the chunks of a scene join into the segment by remuxing (assemble.stitch), with one narration
track built from the clips. The plan is sticky: while a scene's beats are the same, its chunk
boundaries stay where they were, so an edited line re-renders only the chunk that shows it.

    plan_chunks(beats, plays, costs, target)  -> [Chunk]        the cut
    chunk_key(scene_key_payload...)            -> str            the cache key of one chunk
    Plans(root).load/save                                         cache/<scene>/<variant>/plan.json
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
OVERHEAD_SECONDS = 2.0
MIN_BEATS = 4  # a scene of fewer beats renders in one piece (the start-up would outweigh the split)
KEEP_CHUNKS = 64  # chunk cache entries kept per scene and quality (least recently used go first)  # start-up and skip-ahead of one chunk, added to its cost when planning


@dataclass(frozen=True)
class Chunk:
    """Beats `beats` of one scene: Manim animations `first` .. `last` (None: to the end)."""

    index: int
    count: int
    beats: tuple[str, ...]
    first: int
    last: Optional[int]
    cost: float  # expected seconds

    @property
    def animations(self) -> Optional[tuple[int, Optional[int]]]:
        """Manim's -n range; None for a scene rendered in one piece."""
        return None if self.count == 1 else (self.first, self.last)

    @property
    def label(self) -> str:
        return f"{self.index + 1}/{self.count}"


class ScenePlan(Record):
    """A scene's chunk plan as last rendered: its beats, their animations and costs, its cut."""

    scene: str
    key: str  # the whole scene's key (segment_cache.scene_key) it was rendered for
    beats: list[str]  # every beat id, in order
    plays: dict[str, list[int]]  # beat id -> [first, end) of its animations, as rendered
    starts: list[str]  # the beats that start a chunk (the first beat always)
    seconds: dict[str, float] = Field(default_factory=dict)  # beat id -> measured render seconds


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


def plan_chunks(beats: Sequence[str], plays: dict[str, Sequence[int]], costs: dict[str, float],
                target: float, starts: Optional[Sequence[str]] = None) -> list[Chunk]:
    """The chunks of a scene with `beats` (ids, in order; `plays`: beat -> [first, end) animation),
    cut at `starts` (a previous plan's) when given and still valid, else by cost near `target`."""
    order = [b for b in beats if b in plays]
    if len(order) < MIN_BEATS:
        return [Chunk(0, 1, tuple(beats), 0, None, sum(costs.values()))]
    if starts and starts[0] == order[0] and all(s in plays for s in starts):
        cut = sorted({order.index(s) for s in starts if s in order})
    else:
        cut = split([costs.get(b, 0.0) for b in order], target)
    cut = [0] + [i for i in cut if i > 0]
    chunks: list[Chunk] = []
    for n, i in enumerate(cut):
        j = cut[n + 1] if n + 1 < len(cut) else len(order)
        ids = tuple(order[i:j])
        first = 0 if n == 0 else int(plays[ids[0]][0])
        last = int(plays[order[j]][0]) - 1 if j < len(order) else None
        chunks.append(Chunk(n, len(cut), ids, first, last, sum(costs.get(b, 0.0) for b in ids) + OVERHEAD_SECONDS))
    return chunks


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
    lines: code, quality, voice, versions), its range and its beats. The state it starts from is
    the scene's code and the config values it reads (checked on lookup) up to its first animation."""
    payload = {"scene": scene_key, "beats": list(chunk.beats), "first": chunk.first, "last": chunk.last,
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
