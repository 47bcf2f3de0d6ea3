"""HeldFrameEncoder: held frames converted once, and the video is the one Manim's encoder writes."""

from __future__ import annotations

import subprocess
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
from attention_explainer.production.segments import manim_command, manim_output
from attention_explainer.production.settings import scene_from_file
from attention_explainer.scenes.h264_repeat import SkipTemplate, StreamParams, escape, unescape
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


@pytest.mark.parametrize("preset, probe", [(DEFAULT_X264_PRESET, 12), ("medium", 42), ("ultrafast", 0)])
def test_a_held_segment_repeats_the_settled_frame_at_a_constant_rate(tmp_path: Path, preset: str,
                                                                     probe: int) -> None:
    # probe 0: ultrafast refines a held picture in every frame (no P frame leaves it unchanged),
    # so the hold is left to x264 and nothing is repeated
    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 128, 96, Fraction(60),
                            (("crf", "23"), ("preset", preset), *X264_OPTIONS))
    ours, stock = HeldFrameEncoder(target=tmp_path / "held.mp4", spec=spec), \
        VideoSegmentEncoder(target=tmp_path / "stock.mp4", spec=spec)
    for encoder in (ours, stock):
        encoder.write_frame(picture(), repeat=90)
        encoder.finish()
    # x264 encoded its look-ahead plus two frames, the rest repeat its last one
    assert ours.repeated == (90 - probe if probe else 0) and (not probe or ours.probe == probe)
    pts, pictures, rate = decode(tmp_path / "held.mp4")
    stock_pts, stock_pictures, _ = decode(tmp_path / "stock.mp4")
    assert len(pictures) == 90 and pts == stock_pts  # every frame is there, at the same times
    assert rate == 60 and len(set(np.diff(pts))) == 1  # constant frame rate
    # the same pictures as x264 encoding every copy (Manim's encoder), to the byte
    assert all(np.array_equal(a, b) for a, b in zip(pictures, stock_pictures))
    assert not probe or all(np.array_equal(pictures[-1], p) for p in pictures[probe - 1:])  # no drift
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
    # each P frame's frame_num is the one before it plus one, modulo MaxFrameNum (a decoder
    # shows a wrong number no error: it is read back from the file)
    with av.open(str(tmp_path / "long.mp4")) as c:
        params = StreamParams.parse(avcc_to_annexb(bytes(c.streams.video[0].codec_context.extradata)))
        numbers = [SkipTemplate.parse(avcc_to_annexb(bytes(p)), params) for p in c.demux(video=0) if p.size]
    assert params is not None and numbers[0] is None  # the IDR frame
    assert [t.frame_num for t in numbers[1:]] == [i % (1 << params.log2_max_frame_num) for i in range(1, 300)]


def avcc_to_annexb(data: bytes) -> bytes:
    """MP4's length-prefixed NAL units (or its avcC extradata) as an Annex B byte stream."""
    out = bytearray()
    if data[:1] == b"\x01":  # avcC: SPS and PPS
        i, count = 6, data[5] & 0x1F
        for block in range(2):
            for _ in range(count):
                n = int.from_bytes(data[i:i + 2], "big")
                out += b"\0\0\0\1" + data[i + 2:i + 2 + n]
                i += 2 + n
            if block == 0:
                count, i = data[i], i + 1
        return bytes(out)
    i = 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        out += b"\0\0\0\1" + data[i + 4:i + 4 + n]
        i += 4 + n
    return bytes(out)


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


# -- the slice header rewrite (scenes/h264_repeat.py) ---------------------------------------------

def x264_packets(options: tuple[tuple[str, str], ...], n: int = 14) -> tuple[bytes, list[bytes]]:
    """x264's extradata and packets for `picture()` held n frames (128x96, 60 fps)."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 128, 96, "yuv420p"
    codec.time_base, codec.framerate = Fraction(1, 60), Fraction(60)
    codec.options = dict(options)
    codec.flags |= av.codec.context.Flags.global_header  # SPS and PPS in extradata, as in an MP4
    codec.open()
    frame = av.VideoFrame.from_ndarray(picture(), format="rgba").reformat(format="yuv420p")
    packets = []
    for pts in range(n):
        frame.pts = pts
        packets += codec.encode(frame)
    packets += codec.encode(None)
    return bytes(codec.extradata), [bytes(p) for p in packets]


def test_escape_undoes_unescape() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        rbsp = bytes(rng.choice([0, 0, 0, 1, 2, 3, 4, 255], size=int(rng.integers(1, 60))).astype(np.uint8))
        nal = escape(rbsp)
        assert unescape(nal) == rbsp
        assert not any(nal[i:i + 2] == b"\0\0" and nal[i + 2] <= 3 for i in range(len(nal) - 2)
                       if nal[i + 2] != 3)  # no start-code-like bytes left but the 0x03 escapes


def test_the_rewrite_changes_frame_num_and_nothing_else() -> None:
    extradata, packets = x264_packets((("crf", "23"), ("preset", "veryfast"), *X264_OPTIONS))
    params = StreamParams.parse(extradata)
    assert params is not None and params.max_num_ref_frames == 1
    template = SkipTemplate.parse(packets[-1], params)
    assert template is not None and template.frame_num == 13 % (1 << params.log2_max_frame_num)
    for n in (0, 5, 17, 1000):
        again = SkipTemplate.parse(template.with_frame_num(n), params)
        assert again is not None and again.frame_num == n % (1 << template.bits)
        for a, b in zip(template.slices, again.slices):
            bits = [(a.rbsp[i >> 3] >> (7 - (i & 7))) & 1 != (b.rbsp[i >> 3] >> (7 - (i & 7))) & 1
                    for i in range(len(a.rbsp) * 8)]
            changed = [i for i, d in enumerate(bits) if d]
            assert all(a.frame_num_at <= i < a.frame_num_at + template.bits for i in changed)
    assert SkipTemplate.parse(packets[0], params) is None  # the IDR frame is no template


def test_streams_with_b_frames_are_not_rewritten() -> None:
    extradata, _ = x264_packets((("crf", "23"), ("preset", "veryfast")))
    assert StreamParams.parse(extradata) is None  # picture order count type 0


TINY_SCENE = '''
from manim import Create, Scene, Square
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.scenes.encoding import held_frame_writer


class Tiny(Scene):
    def __init__(self, **kwargs):
        super().__init__(CairoRenderer(file_writer_class=held_frame_writer()), **kwargs)

    def construct(self):
        self.play(Create(Square()), run_time=0.4)
        self.wait(2)
'''


@pytest.mark.slow
def test_a_render_writes_the_options_and_repeats_its_hold(tmp_path: Path) -> None:
    # the production command line (manim_command) on a tiny scene through the held-frame writer
    path = tmp_path / "tiny.py"
    path.write_text(TINY_SCENE, encoding="utf-8")
    info = scene_from_file(path, "Tiny", "tiny", "Tiny")
    run = subprocess.run(manim_command(info, "l", tmp_path / "media", "tiny"), capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    video = manim_output(info, "l", tmp_path / "media", "tiny")
    settings = x264_settings(video)  # the preset's own values and our options reached x264
    assert "bframes=0" in settings and "subme=2" in settings and "rc_lookahead=10" in settings
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        params = StreamParams.parse(avcc_to_annexb(bytes(stream.codec_context.extradata)))
        packets = [avcc_to_annexb(bytes(p)) for p in c.demux(stream) if p.size]
        rate = stream.average_rate
    templates = [SkipTemplate.parse(p, params) for p in packets]
    repeated = sum(1 for a, b, p in zip(templates, templates[1:], packets[1:])
                   if a is not None and b is not None and a.with_frame_num(b.frame_num) == p)
    assert rate == 15 and len(packets) == 6 + 30  # 0.4 s drawn, 2 s held, 15 fps
    # the hold: x264's 12 frames (its last ones may be skip frames too), then 18 repeats of the last
    last = templates[6 + 11]
    assert repeated >= 18 and all(p == last.with_frame_num(last.frame_num + k)
                                  for k, p in enumerate(packets[6 + 11:], start=0))
