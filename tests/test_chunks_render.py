"""Chunks rendered for real (issue 19): a scene cut into chunks joins into the same video as one
piece (frames, duration, beats, pictures), and an edited line re-renders only its chunk."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from attention_explainer.config import parse_yaml, validate_config
from attention_explainer.production.assemble import probe
from attention_explainer.production.render import RenderSettings, render_segments, scene_from_file

FIXTURE = Path(__file__).parent / "fixtures" / "chunk_scene.py"
FRAME = 1 / 15
pytestmark = pytest.mark.slow


def _settings(media: Path, chunk_seconds: float, narration: dict | None = None) -> RenderSettings:
    video = {"scenes": ["math"], "quality": "l", **({"narration": narration} if narration else {})}
    config = validate_config(parse_yaml(json.dumps({"video": video})))
    return RenderSettings(config=config, name="chunks", media_dir=media, jobs=2, voice="none", quiet=True,
                          chunk_seconds=chunk_seconds)


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(c.streams.video[0])]


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ clearly (x264's own noise stays far below 40 of 255)."""
    return float(np.mean(np.abs(a.astype(int) - b.astype(int)) > 40))


def _runs(markers: Path) -> int:
    path = markers / "math.runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_chunks_join_into_the_one_piece_video_and_an_edit_renders_one_chunk(tmp_path: Path, monkeypatch) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))
    info = scene_from_file(FIXTURE, "ChunkMath", "math", "Chunks")
    media = tmp_path / "media"
    whole = render_segments([info], _settings(media, 1e9), whole=frozenset({"math"}))[0]
    assert _runs(markers) == 1
    # forget the segment and the chunks it may have been sliced into (on a slow machine), not its
    # plan: the next render cuts the scene by that plan, into about 3 chunks
    for sub in ("480p15", "480p15-chunks"):
        for path in (media / "attention-explainer" / "cache" / "math" / sub).glob("*"):
            path.unlink()
    cost = whole.render_seconds
    chunked = render_segments([info], _settings(media, cost / 3 * 1.05))[0]
    chunk_dir = media / "attention-explainer" / "cache" / "math" / "480p15-chunks"
    metas = [json.loads(p.read_text()) for p in chunk_dir.glob("*.json")]
    assert 2 <= len(metas) <= 4 and _runs(markers) == 1 + len(metas)

    a, b = probe(whole.video), probe(chunked.video)
    assert abs(a.duration - b.duration) <= FRAME + 1e-6
    fa, fb = _frames(whole.video), _frames(chunked.video)
    assert abs(len(fa) - len(fb)) <= 1
    # every picture alike, the first frames of chunks (their start state) included
    assert max(_changed(x, y) for x, y in zip(fa, fb)) < 0.002
    assert [x.id for x in whole.beats] == [x.id for x in chunked.beats]
    for x, y in zip(whole.beats, chunked.beats):
        assert abs(x.start - y.start) <= FRAME + 1e-6 and abs(x.end - y.end) <= FRAME + 1e-6
    # a keyframe where each chunk starts (each chunk is its own encode)
    order = [x.id for x in whole.beats]
    metas.sort(key=lambda m: order.index(m["beats"][0]["id"]))
    starts = np.cumsum([0.0] + [m["duration"] for m in metas[:-1]])
    with av.open(str(chunked.video)) as c:
        keys = [float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None and p.is_keyframe]
    assert all(min(abs(k - s) for k in keys) < 1e-3 for s in starts)

    # edit one line (the 4th beat's): one chunk renders again, the others are reused
    before = {p.name for p in chunk_dir.glob("*.json")}
    edited = render_segments([info], _settings(media, cost / 3 * 1.05,
                                               {"math-w-k-role": "W_K makes the keys, what each token offers."}))[0]
    after = {p.name for p in chunk_dir.glob("*.json")}
    assert len(after - before) == 1 and _runs(markers) == 2 + len(metas)
    assert next(x.text for x in edited.beats if x.id == "math-w-k-role").startswith("W_K makes the keys")
    assert [x.id for x in edited.beats] == [x.id for x in whole.beats]


def test_a_one_piece_render_leaves_its_chunks_so_the_first_edit_renders_one(tmp_path: Path, monkeypatch) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))
    info = scene_from_file(FIXTURE, "ChunkMath", "math", "Chunks")
    media = tmp_path / "media"
    # a render in one piece (here asked for; a first render may be cut, test_chunks_cold.py): its
    # video is sliced into the next cut's chunks
    whole = render_segments([info], _settings(media, 0.01), whole=frozenset({"math"}))[0]
    assert _runs(markers) == 1
    chunk_dir = media / "attention-explainer" / "cache" / "math" / "480p15-chunks"
    before = {p.name for p in chunk_dir.glob("*.json")}
    assert len(before) >= 2
    plan = json.loads(next((media / "attention-explainer" / "cache" / "math" / "480p15-plans").glob("*.json"))
                      .read_text())
    assert len(plan["starts"]) == len(before)
    slices = [json.loads(p.read_text()) for p in chunk_dir.glob("*.json")]
    assert abs(sum(m["duration"] for m in slices) - probe(whole.video).duration) <= FRAME + 1e-6

    # the first edit renders the one chunk that says the line; the others are the slices
    line = {"math-w-k-role": "W_K makes the keys, what each token offers."}
    edited = render_segments([info], _settings(media, 0.01, line))[0]
    assert _runs(markers) == 2
    assert len({p.name for p in chunk_dir.glob("*.json")} - before) == 1
    # ... and it is the video a one-piece render of the edited config makes
    fresh = render_segments([info], _settings(tmp_path / "fresh", 1e9, line), whole=frozenset({"math"}))[0]
    fa, fb = _frames(fresh.video), _frames(edited.video)
    assert abs(len(fa) - len(fb)) <= 1
    assert max(_changed(x, y) for x, y in zip(fa, fb)) < 0.002
    assert [x.id for x in fresh.beats] == [x.id for x in edited.beats]
    for x, y in zip(fresh.beats, edited.beats):
        assert abs(x.start - y.start) <= FRAME + 1e-6 and abs(x.end - y.end) <= FRAME + 1e-6
    assert next(x.text for x in edited.beats if x.id == "math-w-k-role").startswith("W_K makes the keys")
