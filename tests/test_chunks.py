"""Chunk plans and keys (issue 19), without rendering: where a scene is cut, that the longest
chunk is near the ideal share, that a kept cut stays, and that editing one line changes one key."""

from __future__ import annotations

from pathlib import Path

from attention_explainer.config import parse_yaml, validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.script import context_for
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.production.chunk_render import chunk_narration
from attention_explainer.production.chunks import (
    MIN_BEATS,
    Chunk,
    chunk_key,
    chunk_lines,
    plan_chunks,
    split,
    target_seconds,
)
from attention_explainer.production.segment_cache import narration_key, scene_key


def _beats(n: int) -> tuple[list[str], dict[str, list[int]]]:
    """n beats of 3 animations each (and one animation before the first beat)."""
    ids = [f"math-b{i}" for i in range(n)]
    return ids, {b: [1 + 3 * i, 4 + 3 * i] for i, b in enumerate(ids)}


def test_split_keeps_every_chunk_near_the_ideal_share() -> None:
    costs = [5.0, 1.0, 1.0, 8.0, 2.0, 2.0, 3.0, 6.0, 1.0, 1.0]  # 30 s
    starts = split(costs, 10.0)
    parts = [sum(costs[a:b]) for a, b in zip(starts, starts[1:] + [len(costs)])]
    assert starts[0] == 0 and len(parts) == 3 and sum(parts) == sum(costs)
    assert max(parts) <= 10.0 + max(costs) / 2  # a cut falls between beats: off by at most half a beat
    assert split(costs, 100.0) == [0]


def test_plan_ranges_cover_every_animation_once() -> None:
    ids, plays = _beats(9)
    chunks = plan_chunks(ids, plays, {b: 1.0 for b in ids}, 3.0)
    assert len(chunks) == 3 and [c.beats for c in chunks] == [tuple(ids[0:3]), tuple(ids[3:6]), tuple(ids[6:9])]
    assert chunks[0].first == 0 and chunks[-1].last is None  # the first from 0 (what comes before beats), the last to the end
    for a, b in zip(chunks, chunks[1:]):
        assert b.first == plays[b.beats[0]][0] and a.last == b.first - 1
    assert [c.animations for c in chunks] == [(0, 9), (10, 18), (19, None)]


def test_a_kept_cut_stays_and_small_scenes_stay_whole() -> None:
    ids, plays = _beats(8)
    costs = {b: 1.0 for b in ids}
    kept = plan_chunks(ids, plays, {**costs, ids[1]: 50.0}, 2.0, starts=[ids[0], ids[5]])
    assert [c.beats[0] for c in kept] == [ids[0], ids[5]]
    few, few_plays = _beats(MIN_BEATS - 1)
    assert [c.count for c in plan_chunks(few, few_plays, {b: 9.0 for b in few}, 1.0)] == [1]
    assert target_seconds(100.0, 2) == 20.0 and target_seconds(30.0, 2) == 15.0 and target_seconds(100.0, 2, 0) == 50.0


def test_editing_one_line_changes_the_key_of_one_chunk() -> None:
    info = scene_by_id("math")
    keys = {}
    for edit in (None, "Every other cell fills the same way."):
        overrides = {"math-scores-fill": edit} if edit else {}
        config = validate_config(parse_yaml(f"video: {{narration: {overrides!r}}}" if edit else ""))
        data = config.model_dump(mode="json")
        narration = narration_key("math", data, context_for(config, compute_trace(config.attention_spec())))
        lines = narration["lines"]
        ids = list(lines)
        third = len(ids) // 3
        chunks = [Chunk(0, 3, tuple(ids[:third]), 0, 9, 1.0), Chunk(1, 3, tuple(ids[third:2 * third]), 10, 19, 1.0),
                  Chunk(2, 3, tuple(ids[2 * third:]), 20, None, 1.0)]
        keys[edit] = [chunk_key(scene_key(info, chunk_narration(narration, chunk_lines(lines, "math", c, ids)),
                                          "l", False, None, "veryfast"), c) for c in chunks]
    before, after = keys.values()
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    holder = next(i for i, c in enumerate(chunks) if "math-scores-fill" in c.beats)
    assert changed == [holder]
