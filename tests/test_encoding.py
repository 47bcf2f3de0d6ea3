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


def encode(cls: type, path: Path, writes: list[tuple[np.ndarray, int]]) -> list[tuple[int, np.ndarray]]:
    encoder = cls(target=path, spec=SPEC)
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
