"""A scene's first render cut into chunks whose bounds are beats (issue 19): the joined segment is
the one-piece video (frames, duration, beat times, pictures, the narration where each line
starts), an edit afterwards re-renders one chunk, and bounds the scene does not meet fall back to
one piece instead of a wrong video."""

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
KEYS = ("intro", "positions", "w-q-role", "w-k-role", "w-v-role", "queries", "q-products", "q-sum")  # its beats
FRAME = 1 / 15
MATH_SECONDS = 249.0  # the fixture is given the math scene's cost at 1080p60, so its first render is cut
pytestmark = pytest.mark.slow


def _settings(media: Path, voice: str = "none", narration: dict | None = None) -> RenderSettings:
    video = {"scenes": ["math"], "quality": "l", **({"narration": narration} if narration else {})}
    config = validate_config(parse_yaml(json.dumps({"video": video})))
    return RenderSettings(config=config, name="cold", media_dir=media, jobs=2, voice=voice, quiet=True,
                          chunk_seconds=0.01)  # the sticky cut left for edits: a chunk per beat


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(c.streams.video[0])]


def _sound(path: Path) -> tuple[np.ndarray, int]:
    """The audio as mono float samples and its rate."""
    out = []
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].rate
        for f in c.decode(c.streams.audio[0]):
            data, channels = f.to_ndarray().astype(np.float64), f.layout.nb_channels
            out.append(data.mean(axis=0) if f.format.is_planar else data.reshape(-1, channels).mean(axis=1))
    return np.concatenate(out), rate


def _onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Where sound starts after at least 0.25 s of silence (each line's speech), in seconds."""
    loud = np.abs(samples) > 0.02 * max(np.abs(samples).max(), 1e-9)
    out, quiet = [], int(0.25 * rate)
    last = -quiet
    for i in np.flatnonzero(loud):
        if i - last >= quiet:
            out.append(i / rate)
        last = i
    return out


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ clearly (x264's own noise stays far below 40 of 255)."""
    return float(np.mean(np.abs(a.astype(int) - b.astype(int)) > 40))


def _runs(markers: Path) -> int:
    path = markers / "math.runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def _same_video(whole, cut) -> None:
    a, b = probe(whole.video), probe(cut.video)
    assert abs(a.duration - b.duration) <= FRAME + 1e-6
    fa, fb = _frames(whole.video), _frames(cut.video)
    assert abs(len(fa) - len(fb)) <= 1
    assert max(_changed(x, y) for x, y in zip(fa, fb)) < 0.002  # the first frame of each chunk included
    assert [x.id for x in whole.beats] == [x.id for x in cut.beats]
    for x, y in zip(whole.beats, cut.beats):
        assert abs(x.start - y.start) <= FRAME + 1e-6 and abs(x.end - y.end) <= FRAME + 1e-6


def test_a_first_render_is_cut_at_beats_and_joins_into_the_one_piece_video(tmp_path: Path, monkeypatch) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))
    info = scene_from_file(FIXTURE, "ChunkMath", "math", "Chunks", seconds=MATH_SECONDS)
    whole = render_segments([info], _settings(tmp_path / "whole", "espeak:en-us"), whole=frozenset({"math"}))[0]
    assert _runs(markers) == 1
    # a first render, no plan: the beats (as the layout check gives them) in chunks; the voice makes
    # the animation numbers unknowable beforehand (caption switches split the waits)
    media = tmp_path / "media"
    cut = render_segments([info], _settings(media, "espeak:en-us"),
                          plays={"math": {f"math-{k}": [0, 0] for k in KEYS}})[0]
    cache = media / "attention-explainer" / "cache" / "math"
    assert _runs(markers) == 3, "two chunks, no fallback"
    _same_video(whole, cut)
    # a keyframe where the second chunk starts (its own encode) ...
    drawn = sorted((json.loads(p.read_text()) for p in (cache / "480p15-chunks").glob("*.json")),
                   key=lambda m: -m["render_seconds"])[:2]  # (the two chunks rendered; the rest are slices)
    split_at = min(m["duration"] for m in drawn if m["beats"][0]["id"] == "math-intro")
    with av.open(str(cut.video)) as c:
        keys = [float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None and p.is_keyframe]
    assert min(abs(k - split_at) for k in keys) < 1e-3
    # ... and one narration track: every line starts where it does in the one-piece video (whose
    # sound is Manim's own AAC: its encoder delay, 1024 samples, is the only difference allowed)
    (sw, rw), (sc, rc) = _sound(whole.video), _sound(cut.video)
    ow, oc = _onsets(sw, rw), _onsets(sc, rc)
    assert len(ow) == len(oc) >= len(KEYS) - 1
    assert max(abs(x - y) for x, y in zip(ow, oc)) <= 1024 / min(rw, rc) + 0.002
    # the beat times (from which the video's own narration track is built) are the same to the sample
    assert max(abs(x.start - y.start) for x, y in zip(whole.beats, cut.beats)) < 1e-3
    # the cut left for edits is finer than the first render's (a chunk per beat) ...
    plan = json.loads(next((cache / "480p15-plans").glob("*.json")).read_text())
    assert len(plan["starts"]) == len(KEYS)
    # ... so an edited line re-renders one chunk, and the video is the one-piece render's of that config
    line = {"math-w-k-role": "W_K makes the keys, what each token offers."}
    edited = render_segments([info], _settings(media, "espeak:en-us", line))[0]
    assert _runs(markers) == 4
    assert next(x.text for x in edited.beats if x.id == "math-w-k-role").startswith("W_K makes the keys")
    fresh = render_segments([info], _settings(tmp_path / "fresh", "espeak:en-us", line), whole=frozenset({"math"}))[0]
    _same_video(fresh, edited)


def test_bounds_the_scene_does_not_meet_fall_back_to_one_piece(tmp_path: Path, monkeypatch) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))
    info = scene_from_file(FIXTURE, "ChunkMath", "math", "Chunks", seconds=MATH_SECONDS)
    whole = render_segments([info], _settings(tmp_path / "whole"), whole=frozenset({"math"}))[0]
    # a guess whose beats after the first are none the scene enters: the first chunk draws the whole
    # scene, the second nothing; the chunks do not meet, so the scene is rendered in one piece
    # (beats the guess does not know are no bounds: they go with the chunk they fall in)
    guess = {"math-intro": [0, 0]} | {f"math-never-{n}": [0, 0] for n in range(7)}
    media = tmp_path / "media"
    cut = render_segments([info], _settings(media), plays={"math": guess})[0]
    assert _runs(markers) == 1 + 2 + 1
    _same_video(whole, cut)
    plan = json.loads(next((media / "attention-explainer" / "cache" / "math" / "480p15-plans").glob("*.json"))
                      .read_text())
    assert plan["beats"] == [f"math-{k}" for k in KEYS]  # the next render is cut by what the scene did
