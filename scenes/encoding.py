"""A cheaper way for Manim to encode held frames.

Most of an explainer is held frames: a caption is read while nothing moves, so Manim hands its
encoder one RGBA frame with `repeat=n` (n = 60 per second at 1080p60). Manim 0.22's
VideoSegmentEncoder copies that array into a new VideoFrame and converts it RGBA → YUV 4:2:0 for
every one of the n copies (about 10 ms each at 1080p). `HeldFrameEncoder` converts once and hands
the same YUV frame to x264 n times with increasing timestamps; the encoded stream is the same.

ExplainerScene installs it through Manim's own hook (`CairoRenderer(file_writer_class=...)`).
It relies on VideoSegmentEncoder's attributes in manim 0.22 (pinned in pyproject.toml); with
any other layout, `held_frame_writer()` returns Manim's stock writer unchanged.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder
from manim.typing import RGBAPixelArray

_NEEDED = ("_validate_frame", "_operation_error", "_stream", "_container", "_next_pts", "spec")


class HeldFrameEncoder(VideoSegmentEncoder):
    """VideoSegmentEncoder that converts a repeated frame to the stream's format once."""

    def write_frame(self, pixels: RGBAPixelArray, *, repeat: int = 1) -> None:
        if repeat == 1:
            super().write_frame(pixels, repeat=1)
            return
        self._validate_frame(pixels, repeat)
        rate = self.spec.frame_rate
        time_base = Fraction(rate.denominator, rate.numerator)
        try:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(
                format=self.spec.pixel_format)
            frame.time_base = time_base
            for _ in range(repeat):
                frame.pts = self._next_pts
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


class HeldFrameWriter(SceneFileWriter):
    """SceneFileWriter whose video segments use HeldFrameEncoder."""

    def _create_segment_encoder(self, target: Path) -> VideoSegmentEncoder:
        if self.video_encoder is None:  # pragma: no cover - Manim checks this before calling
            return super()._create_segment_encoder(target)
        return HeldFrameEncoder(target=target, spec=self.video_encoder)


def _layout_matches() -> bool:
    probe = VideoSegmentEncoder.__init__.__code__.co_names + tuple(vars(VideoSegmentEncoder))
    return (hasattr(SceneFileWriter, "_create_segment_encoder")
            and all(name in probe for name in _NEEDED))


def held_frame_writer() -> type[SceneFileWriter]:
    """HeldFrameWriter if this Manim has the encoder layout it builds on, else SceneFileWriter."""
    return HeldFrameWriter if _layout_matches() else SceneFileWriter
