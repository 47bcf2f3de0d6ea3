"""Chunk plans and keys (issue 19), without rendering: where a scene is cut, that the longest
chunk is near the ideal share, that a kept cut stays, that editing one line changes one key, that
the two children of a boundary meet at the same beat, and how many chunks a first render gets."""

from __future__ import annotations

from pathlib import Path

from attention_explainer.config import parse_yaml, validate_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.script import context_for
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.production.chunk_render import chunk_narration
from attention_explainer.production.chunks import (
    MIN_BEATS,
    balanced,
    OVERHEAD_SECONDS,
    Chunk,
    chunk_key,
    chunk_lines,
    cold_parts,
    first_at_or_after,
    makespan,
    plan_chunks,
    split,
    target_seconds,
)
from attention_explainer.production.segment_cache import narration_key, scene_key


def _beats(n: int) -> list[str]:
    return [f"math-b{i}" for i in range(n)]


def test_split_keeps_every_chunk_near_the_ideal_share() -> None:
    costs = [5.0, 1.0, 1.0, 8.0, 2.0, 2.0, 3.0, 6.0, 1.0, 1.0]  # 30 s
    starts = split(costs, 10.0)
    parts = [sum(costs[a:b]) for a, b in zip(starts, starts[1:] + [len(costs)])]
    assert starts[0] == 0 and len(parts) == 3 and sum(parts) == sum(costs)
    assert max(parts) <= 10.0 + max(costs) / 2  # a cut falls between beats: off by at most half a beat
    assert split(costs, 100.0) == [0]


def test_chunks_are_runs_of_beats_bounded_by_the_next_chunks_first_beat() -> None:
    ids = _beats(9)
    chunks = plan_chunks(ids, {b: 1.0 for b in ids}, 3.0)
    assert [c.beats for c in chunks] == [tuple(ids[0:3]), tuple(ids[3:6]), tuple(ids[6:9])]
    assert [(c.start, c.until) for c in chunks] == [(None, ids[3]), (ids[3], ids[6]), (ids[6], None)]
    assert all(c.order == tuple(ids) for c in chunks)
    assert [c.cost for c in chunks] == [3.0 + OVERHEAD_SECONDS] * 3
    # a chunk's skip through the video before it counts in its cost
    skipped = plan_chunks(ids, {b: 1.0 for b in ids}, 3.0, durations={b: 10.0 for b in ids})
    assert skipped[2].cost - skipped[1].cost == skipped[1].cost - skipped[0].cost > 0


def test_an_even_cut_gives_the_later_chunk_less_to_draw_for_its_skip() -> None:
    ids = _beats(20)
    costs = {b: 1.0 for b in ids}
    seconds = {b: 10.0 for b in ids}  # 200 s of video: the second chunk skips about 100 s, 7 CPU-s
    first, second = plan_chunks(ids, costs, 10.0, parts=2, durations=seconds, even=True)
    assert len(first.beats) > len(second.beats)
    assert abs(first.cost - second.cost) <= 1.0 + 0.07 * 10.0  # even to within a beat
    assert max(first.cost, second.cost) < max(c.cost for c in plan_chunks(ids, costs, 10.0, parts=2, durations=seconds))
    assert balanced([1.0] * 6, [0.0] * 6, 3) == [0, 2, 4]


def test_both_children_of_a_boundary_meet_at_the_same_beat() -> None:
    """The order may be a guess (the script's lines): a bound the scene never enters, or a beat
    the order does not know, moves the boundary to the next beat both children see."""
    order = ["s-a", "s-b", "s-c", "s-d", "s-e"]
    seen = ["s-a", "s-x", "s-c", "s-d", "s-e"]  # s-b never said, s-x not in the script
    assert first_at_or_after(order, seen, None) == 0
    assert first_at_or_after(order, seen, "s-b") == 2  # where the next chunk starts and this one stops
    assert first_at_or_after(order, seen, "s-d") == 3
    assert first_at_or_after(order, seen[:3], "s-d") is None  # no beat that late: the chunk draws nothing


def test_a_kept_cut_stays_and_small_scenes_stay_whole() -> None:
    ids = _beats(8)
    costs = {b: 1.0 for b in ids}
    kept = plan_chunks(ids, {**costs, ids[1]: 50.0}, 2.0, starts=[ids[0], ids[5]])
    assert [c.beats[0] for c in kept] == [ids[0], ids[5]]
    few = _beats(MIN_BEATS - 1)
    assert [c.count for c in plan_chunks(few, {b: 9.0 for b in few}, 1.0)] == [1]
    assert [c.count for c in plan_chunks(ids, costs, 1.0, parts=1)] == [1]
    assert target_seconds(100.0, 2) == 20.0 and target_seconds(30.0, 2) == 15.0 and target_seconds(100.0, 2, 0) == 50.0


def test_a_first_render_cuts_the_scene_that_holds_the_render_back() -> None:
    # one long scene alone on 2 cores: two chunks end it in about half the time
    assert cold_parts({"math": (100.0, 260.0, True)}, 2) == {"math": 2}
    assert cold_parts({"math": (100.0, 260.0, True)}, 1) == {"math": 1}  # one core: nothing to gain
    # a long scene beside short ones that balance it already: no cut (each chunk costs a start-up)
    even = {"math": (100.0, 260.0, True), "a": (50.0, 60.0, True), "b": (50.0, 60.0, True)}
    assert cold_parts(even, 2) == {"math": 1, "a": 1, "b": 1}
    # the math scene twice the rest: cut until the cores are even, each cut paying its start and skip
    heavy = {"math": (200.0, 260.0, True), "a": (60.0, 60.0, False), "b": (40.0, 60.0, False)}
    assert cold_parts(heavy, 2) == {"math": 2, "a": 1, "b": 1}
    # by hand: whole, 200 | 60 + 40; in two (100 + 2 s start-up, the second + 0.07 × 130 s skipped),
    # 111.1 + 40 | 102 + 60; in three or more the start-ups and skips cost more than they balance
    assert makespan([200.0, 60.0, 40.0], 2) == 200.0
    assert abs(makespan([111.1, 102.0, 60.0, 40.0], 2) - 162.0) < 1e-9


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
        chunks = [Chunk(0, 3, tuple(ids[:third]), ids[third], 1.0, tuple(ids)),
                  Chunk(1, 3, tuple(ids[third:2 * third]), ids[2 * third], 1.0, tuple(ids)),
                  Chunk(2, 3, tuple(ids[2 * third:]), None, 1.0, tuple(ids))]
        keys[edit] = [chunk_key(scene_key(info, chunk_narration(narration, chunk_lines(lines, "math", c, ids)),
                                          "l", False, None, "veryfast"), c) for c in chunks]
    before, after = keys.values()
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    holder = next(i for i, c in enumerate(chunks) if "math-scores-fill" in c.beats)
    assert changed == [holder]
