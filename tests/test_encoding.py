"""HeldFrameEncoder: held frames converted once, and the video is the one Manim's encoder writes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from manim import tempconfig
from manim._config.video_encoder import VideoEncoderSpec
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.production.formats import DEFAULT_X264_PRESET, X264_OPTIONS
from attention_explainer.scenes.encoding import HeldFrameEncoder, HeldFrameWriter, held_frame_writer

SPEC = VideoEncoderSpec("mp4", "libx264", "yuv420p", 64, 48, Fraction(15), (("crf", "23"),))


def frames(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(3):
        f = rng.integers(0, 256, (48, 64, 4), dtype=np.uint8)
        f[..., 3] = 255
        out.append(f)
    return out


def encode(cls: type, path: Path, writes: list[tuple[np.ndarray, int]],
           spec: VideoEncoderSpec = SPEC) -> list[tuple[int, np.ndarray]]:
    encoder = cls(target=path, spec=spec)
    for pixels, repeat in writes:
        encoder.write_frame(pixels.copy(), repeat=repeat)
    encoder.finish()
    with av.open(str(path)) as c:
        return [(f.pts, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


@pytest.mark.parametrize("seed", [0, 1])
def test_held_frames_encode_to_the_same_video_as_manims_encoder(tmp_path: Path, seed: int) -> None:
    a, b, c = frames(seed)
    writes = [(a, 1), (b, 20), (c, 1), (a, 7), (b, 1)]
    ours = encode(HeldFrameEncoder, tmp_path / "held.mp4", writes)
    stock = encode(VideoSegmentEncoder, tmp_path / "stock.mp4", writes)
    assert len(ours) == len(stock) == 30
    assert [p for p, _ in ours] == [p for p, _ in stock]
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(ours, stock))
    # and the held frames really are held: frames 1..20 decode to one picture
    assert all(np.array_equal(ours[1][1], f) for _, f in ours[2:21])


def test_held_frame_encoder_rejects_what_manims_rejects(tmp_path: Path) -> None:
    encoder = HeldFrameEncoder(target=tmp_path / "x.mp4", spec=SPEC)
    with pytest.raises(ValueError, match="shape"):
        encoder.write_frame(np.zeros((10, 10, 4), np.uint8), repeat=5)
    with pytest.raises(ValueError, match="positive"):
        encoder.write_frame(frames(0)[0], repeat=0)
    encoder.abort()
    assert not (tmp_path / "x.mp4").exists()


def test_explainer_scenes_render_through_the_held_frame_writer() -> None:
    # The pinned Manim has the encoder layout HeldFrameEncoder builds on; a Manim upgrade that
    # changes it makes this fail (scenes would silently fall back to the slower stock writer).
    assert held_frame_writer() is HeldFrameWriter
    with tempconfig({"dry_run": True, "disable_caching": True}):
        scene = ExplainerScene()
    assert scene.renderer._file_writer_class is HeldFrameWriter


# -- a held segment: x264 encodes a few copies, its settled P frame is repeated -------------------

PRODUCTION = VideoEncoderSpec("mp4", "libx264", "yuv420p", 128, 96, Fraction(60),
                              (("crf", "23"), ("preset", DEFAULT_X264_PRESET), *X264_OPTIONS))


def picture() -> np.ndarray:
    """A flat explainer-like frame: background, two boxes, a thin line."""
    f = np.zeros((96, 128, 4), np.uint8)
    f[...] = (17, 19, 24, 255)
    f[20:50, 10:60] = (40, 110, 130, 255)
    f[30:80, 70:120] = (70, 180, 110, 255)
    f[85:87, 5:123] = (230, 230, 230, 255)
    return f


def decode(path: Path) -> tuple[list[int], list[np.ndarray], Fraction]:
    """Each frame's pts and picture (YUV planes), and the stream's average frame rate."""
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
        return [f.pts for f in frames], [f.to_ndarray(format="yuv420p") for f in frames], c.streams.video[0].average_rate


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255 ** 2 / mse)


def x264_settings(path: Path) -> str:
    """The options string x264 writes into its first frame (an unregistered-user-data SEI)."""
    with av.open(str(path)) as c:
        first = bytes(next(c.demux(video=0)))
    text = first.decode("latin-1")
    start = text.index("x264 - core")
    return text[start:text.index("\x00", start)]


def test_a_held_segment_repeats_the_settled_frame_at_a_constant_rate(tmp_path: Path) -> None:
    ours, stock = HeldFrameEncoder(target=tmp_path / "held.mp4", spec=PRODUCTION), \
        VideoSegmentEncoder(target=tmp_path / "stock.mp4", spec=PRODUCTION)
    for encoder in (ours, stock):
        encoder.write_frame(picture(), repeat=90)
        encoder.finish()
    probe = ours.probe
    assert probe == 12 and ours.repeated == 90 - probe  # x264 encoded 12 frames, the rest repeat one
    pts, pictures, rate = decode(tmp_path / "held.mp4")
    stock_pts, stock_pictures, _ = decode(tmp_path / "stock.mp4")
    assert len(pictures) == 90 and pts == stock_pts  # every frame is there, at the same times
    assert rate == 60 and len(set(np.diff(pts))) == 1  # constant frame rate
    # the same pictures as x264 encoding every copy (Manim's encoder), to the byte
    assert all(np.array_equal(a, b) for a, b in zip(pictures, stock_pictures))
    assert all(np.array_equal(pictures[-1], p) for p in pictures[probe - 1:])  # the hold does not drift
    assert "bframes=0" in x264_settings(tmp_path / "held.mp4")
    assert (tmp_path / "held.mp4").stat().st_size < 1.2 * (tmp_path / "stock.mp4").stat().st_size


def test_frame_numbers_wrap_and_the_repeat_is_decoded_as_written(tmp_path: Path) -> None:
    # log2_max_frame_num is 4 for these streams: 300 frames wrap frame_num many times
    encoder = HeldFrameEncoder(target=tmp_path / "long.mp4", spec=PRODUCTION)
    encoder.write_frame(picture(), repeat=300)
    encoder.finish()
    pts, pictures, _ = decode(tmp_path / "long.mp4")
    assert encoder.repeated == 300 - encoder.probe and pts == [i * pts[1] for i in range(300)]
    assert all(np.array_equal(pictures[-1], p) for p in pictures[encoder.probe - 1:])


@pytest.mark.parametrize("options", [(("crf", "23"),), (("crf", "23"), ("preset", "veryfast"))],
                         ids=["crf-only", "veryfast"])
def test_with_b_frames_a_hold_is_encoded_by_x264_as_manims_encoder_does(tmp_path: Path, options: tuple) -> None:
    # x264's B-frames on: picture order is not frame_num's (POC type 0), so nothing is repeated
    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 128, 96, Fraction(60), options)
    ours = encode(HeldFrameEncoder, tmp_path / "held.mp4", [(picture(), 40)], spec)
    stock = encode(VideoSegmentEncoder, tmp_path / "stock.mp4", [(picture(), 40)], spec)
    assert "bframes=3" in x264_settings(tmp_path / "held.mp4")
    assert len(ours) == len(stock) == 40
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(ours, stock))


def test_a_hold_followed_by_drawn_frames_is_encoded_as_manims_encoder_does(tmp_path: Path) -> None:
    other = picture()
    other[40:60, 20:100] = (200, 80, 60, 255)
    writes = [(picture(), 30), (other, 1), (other, 12)]
    ours = encode(HeldFrameEncoder, tmp_path / "held.mp4", writes, PRODUCTION)
    stock = encode(VideoSegmentEncoder, tmp_path / "stock.mp4", writes, PRODUCTION)
    assert len(ours) == len(stock) == 43
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(ours, stock))
