"""Stitching, chapters, captions and manifest on small synthetic clips (PyAV, no Manim: fast)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np
import pytest

from attention_explainer.production.assemble import AssembleError, Segment, assemble, probe, stitch
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.chapters import read_chapters

FPS = 15
SIZE = (64, 36)
RED, GREEN, BLUE = (220, 30, 30), (30, 200, 30), (30, 30, 220)


def make_clip(path: Path, seconds: float, colour: tuple[int, int, int], audio_seconds: Optional[float] = None,
              size: tuple[int, int] = SIZE, fps: int = FPS, layout: str = "mono") -> Path:
    """An H.264 clip of one colour (and a 440 Hz tone as AAC, like a Manim segment with a voice)."""
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = c.add_stream("aac", rate=48_000, layout=layout) if audio_seconds else None
        img = np.zeros((size[1], size[0], 3), np.uint8)
        img[:] = colour
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
        if a is not None and audio_seconds:
            n = int(audio_seconds * 48_000)
            tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(n) / 48_000)).astype(np.int16)
            for start in range(0, n, 1024):
                chunk = tone[start:start + 1024].reshape(1, -1)
                if layout == "stereo":
                    chunk = np.repeat(chunk, 2, axis=1)  # packed s16: L R L R ...
                frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
                frame.sample_rate, frame.pts, frame.time_base = 48_000, start, Fraction(1, 48_000)
                c.mux(a.encode(frame))
            c.mux(a.encode(None))
    return path


def frame_colours(path: Path, times: list[float]) -> list[tuple[int, int, int]]:
    """Mean RGB of the frames shown at the given times."""
    out = []
    with av.open(str(path)) as c:
        frames = [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    for t in times:
        _, img = [f for f in frames if f[0] <= t + 1e-6][-1]
        out.append(tuple(int(x) for x in img.reshape(-1, 3).mean(axis=0)))
    return out


def nearest(colour: tuple[int, int, int]) -> str:
    named = {"red": RED, "green": GREEN, "blue": BLUE}
    return min(named, key=lambda k: sum((a - b) ** 2 for a, b in zip(named[k], colour)))


@pytest.fixture
def clips(tmp_path: Path) -> list[Path]:
    return [make_clip(tmp_path / "a.mp4", 1.0, RED), make_clip(tmp_path / "b.mp4", 2.0, GREEN),
            make_clip(tmp_path / "c.mp4", 0.6, BLUE)]


def segments_for(clips: list[Path]) -> list[Segment]:
    beats = {
        "a": (Beat("a-01", "Red.", 0.0, 1.0),),
        "b": (Beat("b-01", "Green one.", 0.0, 1.2), Beat("b-02", "Green two.", 1.2, 2.0)),
        "c": (Beat("c-01", "Blue.", 0.0, 0.6),),
    }
    return [Segment(p.stem, f"Scene {p.stem.upper()}", p, beats[p.stem]) for p in clips]


def test_stitch_keeps_order_and_total_duration(clips: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "joined.mp4"
    starts = stitch(clips, out)
    assert starts == pytest.approx([0.0, 1.0, 3.0])
    total = probe(out).duration
    assert abs(total - sum(probe(c).duration for c in clips)) <= 1 / FPS
    with av.open(str(out)) as c:
        assert c.streams.video[0].frames == round(3.6 * FPS)
        assert not c.streams.audio
    colours = frame_colours(out, [0.5, 1.05, 2.9, 3.1, 3.5])
    assert [nearest(c) for c in colours] == ["red", "green", "green", "blue", "blue"]


def test_stitch_refuses_mixed_resolutions(tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", 0.4, RED)
    b = make_clip(tmp_path / "b.mp4", 0.4, RED, size=(96, 54))
    with pytest.raises(AssembleError, match="one quality"):
        stitch([a, b], tmp_path / "x.mp4")


def test_audio_joins_and_is_cut_at_each_scene_end(tmp_path: Path) -> None:
    # the first segment's sound runs 0.5 s past its video: it must not spill into the next scene
    a = make_clip(tmp_path / "a.mp4", 1.0, RED, audio_seconds=1.5)
    b = make_clip(tmp_path / "b.mp4", 1.0, GREEN, audio_seconds=1.0)
    out = tmp_path / "joined.mp4"
    stitch([a, b], out)
    with av.open(str(out)) as c:
        assert c.streams.audio, "the stitched video has an audio stream"
        frames = list(c.decode(audio=0))
    times = [float(f.time) for f in frames]
    assert times == sorted(times)
    total = sum(f.samples for f in frames) / 48_000
    assert 1.9 <= total <= 2.1


def test_a_soundtrack_joins_segments_whose_own_audio_differs(tmp_path: Path) -> None:
    # a scene joined from chunks has the mono narration track, a one-piece scene Manim's stereo AAC:
    # the video's soundtrack replaces both, so they join (their own audio would not)
    a = make_clip(tmp_path / "a.mp4", 0.4, RED, audio_seconds=0.4, layout="stereo")
    b = make_clip(tmp_path / "b.mp4", 0.4, GREEN, audio_seconds=0.4)
    track = make_clip(tmp_path / "t.mp4", 0.8, BLUE, audio_seconds=0.8)
    with pytest.raises(AssembleError, match="--voice"):
        stitch([a, b], tmp_path / "x.mp4")
    stitch([a, b], tmp_path / "y.mp4", track=track)
    with av.open(str(tmp_path / "y.mp4")) as c:
        assert c.streams.audio[0].codec_context.channels == 1


def test_stitch_refuses_audio_in_some_segments_only(tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", 0.4, RED, audio_seconds=0.4)
    b = make_clip(tmp_path / "b.mp4", 0.4, RED)
    with pytest.raises(AssembleError, match="--voice"):
        stitch([a, b], tmp_path / "x.mp4")


def test_a_scene_joined_from_chunks_joins_a_scene_rendered_in_one_piece(tmp_path: Path) -> None:
    """A scene joined from chunks has the mono track built from its clips; a scene Manim rendered in
    one piece (a chunk plan that no longer fit) has stereo sound. The video's own track replaces
    both, so they join (a German render stopped with "its audio differs ... one --voice")."""
    a = make_clip(tmp_path / "a.mp4", 1.0, RED, audio_seconds=1.0)
    b = make_clip(tmp_path / "b.mp4", 1.0, GREEN, audio_seconds=1.0, layout="stereo")
    track = tmp_path / "track.m4a"
    with av.open(str(track), "w", format="mp4") as c:
        s = c.add_stream("aac", rate=48_000, layout="mono")
        for start in range(0, 2 * 48_000, 1024):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.int16), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 48_000, start, Fraction(1, 48_000)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    with pytest.raises(AssembleError, match="--voice"):  # their own sounds cannot be joined
        stitch([a, b], tmp_path / "x.mp4")
    out = tmp_path / "joined.mp4"
    stitch([a, b], out, track=track)
    with av.open(str(out)) as c:
        assert c.streams.audio[0].codec_context.channels == 1
        assert 1.9 <= sum(f.samples for f in c.decode(audio=0)) / 48_000 <= 2.1


def test_assemble_writes_chapters_captions_manifest(clips: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "final" / "video.mp4"
    result = assemble(segments_for(clips), out, manifest_extra={"quality": "l"})
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == ["video.chapters.txt", "video.chapters.vtt", "video.manifest.json", "video.mp4", "video.srt",
                     "video.transcript.txt", "video.vtt"]
    assert result.files[0] == out

    manifest = json.loads((out.parent / "video.manifest.json").read_text())
    assert [s["id"] for s in manifest["scenes"]] == ["a", "b", "c"]
    assert manifest["duration"] == pytest.approx(3.6, abs=1 / FPS)
    assert manifest["quality"] == "l" and set(manifest["tools"]) >= {"manim", "av", "attention_explainer"}

    embedded = read_chapters(str(out))
    assert [c.title for c in embedded] == [s["title"] for s in manifest["scenes"]]
    for chapter, scene in zip(embedded, manifest["scenes"]):
        assert chapter.start == pytest.approx(scene["start"], abs=0.002)
        assert chapter.end == pytest.approx(scene["start"] + scene["duration"], abs=0.002)
    lines = (out.parent / "video.chapters.txt").read_text().splitlines()
    assert lines == ["0:00 Scene A", "0:01 Scene B", "0:03 Scene C"]

    srt = (out.parent / "video.srt").read_text()
    assert "00:00:01,000 --> 00:00:02,200\nGreen one." in srt
    assert "00:00:03,000 --> 00:00:03,600\nBlue." in srt
    beats = [b for s in manifest["scenes"] for b in s["beats"]]
    assert [b["id"] for b in beats] == ["a-01", "b-01", "b-02", "c-01"]


def test_a_failed_assembly_keeps_the_previous_video(clips: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "video.mp4"
    out.write_bytes(b"the previous video")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    segments = segments_for(clips)
    segments[1] = Segment("b", "B", broken)
    with pytest.raises(AssembleError, match="broken.mp4"):
        assemble(segments, out)
    assert out.read_bytes() == b"the previous video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mp4", "broken.mp4", "c.mp4", "video.mp4"]


@pytest.mark.parametrize(("fmt", "codec"), [("webm", "vp9"), ("gif", "gif")])
def test_other_formats(clips: list[Path], tmp_path: Path, fmt: str, codec: str) -> None:
    out = tmp_path / f"video.{fmt}"
    assemble(segments_for(clips), out, fmt=fmt)
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == codec
        n = sum(1 for _ in c.decode(video=0))
    assert n == round(3.6 * FPS)
    if fmt == "webm":
        assert [c.title for c in read_chapters(str(out))] == ["Scene A", "Scene B", "Scene C"]
    assert not list(tmp_path.glob(".*tmp*")), "no temp files left"
    assert nearest(frame_colours(out, [2.0])[0]) == "green"


def test_gif_of_a_60_fps_video_plays_at_30(tmp_path: Path) -> None:
    from attention_explainer.production.formats import GIF_MAX_FPS, convert

    src = make_clip(tmp_path / "fast.mp4", 1.0, GREEN, fps=60)
    out = tmp_path / "fast.gif"
    convert(src, out, "gif")
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == GIF_MAX_FPS == 30
    assert float(frames[-1].time) == pytest.approx(29 / 30, abs=0.02)
