"""A cheaper way for Manim to encode held frames.

Most of an explainer is held frames: a caption is read while nothing moves, so Manim hands its
encoder one RGBA frame with `repeat=n` (n = 60 per second at 1080p60). Manim 0.22's
VideoSegmentEncoder copies that array into a new VideoFrame and converts it RGBA → YUV 4:2:0 for
every one of the n copies (about 7 ms each at 1080p), and x264 then encodes each copy (another
~7 ms at `veryfast`, though every macroblock ends up skipped). `HeldFrameEncoder`:

- converts a repeated frame once and hands the same YUV frame to x264 n times;
- when a whole segment is one held frame (a Manim `wait`, the usual case) and the stream allows
  it (x264 with B-frames off: `X264_OPTIONS`), encodes only the first few copies with x264,
  checks by decoding them that the last P frame leaves the picture unchanged, and repeats that
  packet for the rest of the hold with its frame number rewritten (scenes/h264_repeat.py).
  Every frame is still in the stream at the constant frame rate, and decodes to the picture
  x264 settled on; if any check fails, the hold is encoded by x264 like any other.

ExplainerScene installs it through Manim's own hook (`CairoRenderer(file_writer_class=...)`).
It relies on VideoSegmentEncoder's attributes in manim 0.22 (pinned in pyproject.toml); with
any other layout, `held_frame_writer()` returns Manim's stock writer unchanged.
"""

from __future__ import annotations

from contextlib import suppress
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder
from manim.typing import RGBAPixelArray

from attention_explainer.scenes.h264_repeat import SkipTemplate, StreamParams

_NEEDED = ("_validate_frame", "_operation_error", "_stream", "_container", "_next_pts", "spec")
# x264's rc-lookahead of each preset: a held frame is encoded by x264 that many times plus two
# before its last P frame is repeated, so that x264 gives the first frame the quality it gives it
# in a full-length hold (its macroblock tree looks that far ahead). Measured: with fewer, the
# held picture came out up to 2 dB worse; with these, it is the picture of a full-length encode.
LOOKAHEAD = {"ultrafast": 0, "superfast": 0, "veryfast": 10, "faster": 20, "fast": 30, "medium": 40,
             "slow": 50, "slower": 60, "veryslow": 60, "placebo": 60}


def probe_frames(options: tuple[tuple[str, str], ...]) -> int:
    """How many copies of a held frame x264 encodes before the rest repeat its last P frame; 0:
    none are repeated (ultrafast and superfast have no look-ahead and refine a held picture
    frame after frame: measured, their P frames seldom leave it unchanged)."""
    lookahead = LOOKAHEAD.get(dict(options).get("preset", "medium"), 60)
    return lookahead + 2 if lookahead else 0


class HeldFrameEncoder(VideoSegmentEncoder):
    """VideoSegmentEncoder that converts a repeated frame to the stream's format once, and
    repeats a held segment's settled P frame instead of encoding every copy."""

    def __init__(self, *, target: Path, spec) -> None:  # type: ignore[no-untyped-def]
        super().__init__(target=target, spec=spec)
        self._pending: Optional[tuple[av.VideoFrame, int]] = None  # a segment's first write, if held
        self._flushed = False
        self.repeated = 0  # frames written as a repeated packet (not encoded by x264)
        self.probe = probe_frames(spec.options)

    @property
    def _time_base(self) -> Fraction:
        rate = self.spec.frame_rate
        return Fraction(rate.denominator, rate.numerator)

    def write_frame(self, pixels: RGBAPixelArray, *, repeat: int = 1) -> None:
        self._validate_frame(pixels, repeat)
        try:
            # Manim's writer owns `pixels` now: convert straight from it (VideoFrame.from_ndarray
            # would first copy the 8 MB frame; the converted picture is the same)
            frame = av.VideoFrame.from_numpy_buffer(pixels, format="rgba").reformat(format=self.spec.pixel_format)
        except BaseException as error:
            raise self._operation_error("encode", error) from error
        self.write_yuv(frame, repeat)

    def write_yuv(self, frame: av.VideoFrame, repeat: int) -> None:
        """write_frame for a frame already in the stream's pixel format (also benchmarks, tests)."""
        if self._pending is not None:  # the segment goes on: its first frame was not all of it
            self._encode(*self._pending)
            self._pending = None
        if self._next_pts == 0 and self.probe and repeat > self.probe and self.spec.codec == "libx264":
            self._pending = (frame, repeat)  # a whole held segment, unless more frames follow
        else:
            self._encode(frame, repeat)

    def _encode(self, frame: av.VideoFrame, repeat: int) -> None:
        try:
            frame.time_base = self._time_base
            for _ in range(repeat):
                frame.pts = self._next_pts
                self._next_pts += 1
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error

    def finish(self) -> None:
        if self._pending is not None and not self._closed:
            frame, repeat = self._pending
            self._pending = None
            try:
                held = self._hold(frame, repeat)
            except BaseException as error:
                raise self._operation_error("encode", error) from error
            if not held:
                self._encode(frame, repeat)
        if not self._flushed:
            super().finish()
            return
        self._closed = True
        try:
            self._container.close()
        except Exception as error:
            raise self._operation_error("finish", error) from error

    def _hold(self, frame: av.VideoFrame, repeat: int) -> bool:
        """The whole segment is `frame` held `repeat` times: x264 encodes probe_frames() copies, its last
        P frame is repeated for the rest. False (nothing written, a fresh encoder) if the stream
        or the settled frame does not allow it."""
        frame.time_base = self._time_base
        packets = []
        for pts in range(self.probe):
            frame.pts = pts
            packets += self._stream.encode(frame)
        packets += self._stream.encode(None)
        template = _settled_template(bytes(self._stream.codec_context.extradata or b""), packets)
        if template is None or len(packets) != self.probe:
            self._reopen()
            return False
        for packet in packets:
            self._container.mux(packet)
        step = 1
        for pts in range(self.probe, repeat):
            packet = av.Packet(template.with_frame_num(template.frame_num + step))
            step += 1
            packet.pts = packet.dts = pts
            packet.time_base = self._time_base
            packet.stream = self._stream
            self._container.mux(packet)
        self._next_pts = repeat
        self.repeated = repeat - self.probe
        self._flushed = True
        return True

    def _reopen(self) -> None:
        """Drop the probe: a new container and encoder for the target (nothing was muxed)."""
        with suppress(Exception):
            self._container.close()
        with suppress(OSError):
            self.target.unlink(missing_ok=True)
        self._next_pts = 0
        VideoSegmentEncoder.__init__(self, target=self.target, spec=self.spec)


def _settled_template(extradata: bytes, packets: list[av.Packet]) -> Optional[SkipTemplate]:
    """The last packet as a SkipTemplate if the stream allows the rewrite and the packet, applied
    again with the next frame number, decodes to the same picture as the frames before it."""
    params = StreamParams.parse(extradata)
    if params is None or not packets:
        return None
    template = SkipTemplate.parse(bytes(packets[-1]), params)
    if template is None:
        return None
    decoder = av.CodecContext.create("h264", "r")
    decoder.extradata = extradata
    decoder.thread_count = 1
    pictures = []
    for data in [bytes(p) for p in packets] + [template.with_frame_num(template.frame_num + 1)]:
        for picture in decoder.decode(av.Packet(data)):
            pictures.append(picture.to_ndarray())
    for picture in decoder.decode(None):
        pictures.append(picture.to_ndarray())
    # the repeat and the pictures every reference it may use could hold must all be the same
    last = pictures[-max(params.max_num_ref_frames + 2, 4):]
    if len(pictures) != len(packets) + 1 or not all(np.array_equal(last[0], p) for p in last[1:]):
        return None
    return template


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
