"""Convert a rendered MP4 (a scene or the stitched video) to WebM or GIF with PyAV.

MP4 is the native format: segments are H.264 and join without re-encoding. WebM (VP9 + Opus)
and GIF re-encode every frame, so they take a while for a long video. Chapters are kept in WebM;
GIF has no audio and no chapters, and plays at most GIF_MAX_FPS frames a second.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Sequence

FORMATS = ("mp4", "webm", "gif")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")
# The scene videos' x264 preset. For these flat graphics, held for seconds, veryfast at 1080p60
# encoded 30 % faster than Manim's medium and its file was 16 % smaller (57 s heatmap scene).
DEFAULT_X264_PRESET = "veryfast"
# x264 options of every scene video, after the preset. B-frames off: x264 then writes picture
# order from frame_num (POC type 2), which lets a held frame's skipped P frame be repeated
# without encoding it again (scenes/encoding.py); measured in docs/speed.md (2026-12-05, frames).
X264_OPTIONS: tuple[tuple[str, str], ...] = (("bf", "0"),)
GIF_MAX_FPS = 30  # GIF delays are in 1/100 s and browsers slow down faster GIFs
GIF_PALETTE_SAMPLES = 60  # frames sampled to choose the GIF's 256 colours
# realtime/cpu-used 8: 10x faster than "good" for flat explainer graphics (101 s of 480p15 in
# 22 s instead of 226 s on a busy 2-core box), 30% larger, text as sharp
VP9_OPTIONS = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}


def convert(src: Path, dst: Path, fmt: str, chapters: Optional[Sequence[dict[str, Any]]] = None) -> None:
    """Write src (MP4) to dst as `fmt` ('webm' or 'gif'; 'mp4' copies)."""
    if fmt == "mp4":
        import shutil

        shutil.copyfile(src, dst)
    elif fmt == "webm":
        to_webm(src, dst, chapters)
    elif fmt == "gif":
        to_gif(src, dst)
    else:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def to_webm(src: Path, dst: Path, chapters: Optional[Sequence[dict[str, Any]]] = None) -> None:
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format="webm") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream("libvpx-vp9", rate=_rate(vin), options=dict(VP9_OPTIONS))
        vout.width, vout.height, vout.pix_fmt = vin.codec_context.width, vin.codec_context.height, "yuv420p"
        vout.codec_context.thread_count = os.cpu_count() or 1
        ain = inp.streams.audio[0] if inp.streams.audio else None
        aout = out.add_stream("libopus", rate=48_000) if ain is not None else None
        if chapters:
            out.set_chapters(list(chapters))
        streams = [s for s in (vin, ain) if s is not None]
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if packet.stream.type == "video":
                    frame.pict_type = av.video.frame.PictureType.NONE
                    out.mux(vout.encode(frame))
                elif aout is not None:
                    out.mux(aout.encode(frame))
        out.mux(vout.encode(None))
        if aout is not None:
            out.mux(aout.encode(None))


def _rate(stream: Any) -> Fraction:
    """The nominal frame rate (average_rate is a hair off after Manim's own joins)."""
    return Fraction(stream.base_rate or stream.guessed_rate or stream.average_rate)


def _gif_rate(rate: Fraction) -> Fraction:
    return rate if rate <= GIF_MAX_FPS else Fraction(GIF_MAX_FPS)


def to_gif(src: Path, dst: Path) -> None:
    """Two passes: a 256-colour palette from sampled frames, then every frame mapped to it."""
    import av

    with av.open(str(src)) as inp:
        vin = inp.streams.video[0]
        total = vin.frames or 0
        step = max(1, total // GIF_PALETTE_SAMPLES)
        graph = av.filter.Graph()
        buf = graph.add_buffer(template=vin)
        gen = graph.add("palettegen", "stats_mode=full")
        sink = graph.add("buffersink")
        buf.link_to(gen)
        gen.link_to(sink)
        graph.configure()
        for i, frame in enumerate(inp.decode(vin)):
            if i % step == 0:
                graph.push(frame)
        graph.push(None)
        palette = graph.pull()

    rate = _gif_rate(_rate(vin))
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="gif") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream("gif", rate=rate)
        vout.width, vout.height, vout.pix_fmt = vin.codec_context.width, vin.codec_context.height, "pal8"
        graph = av.filter.Graph()
        buf = graph.add_buffer(template=vin)
        pal = graph.add_buffer(width=palette.width, height=palette.height, format=palette.format.name,
                               time_base=Fraction(1, 1))
        use = graph.add("paletteuse", "dither=bayer:bayer_scale=5:diff_mode=rectangle")
        sink = graph.add("buffersink")
        if rate != _rate(vin):
            fps = graph.add("fps", f"fps={rate.numerator}/{rate.denominator}")
            buf.link_to(fps)
            fps.link_to(use, 0, 0)
        else:
            buf.link_to(use, 0, 0)
        pal.link_to(use, 0, 1)
        use.link_to(sink)
        graph.configure()
        palette.pts = 0
        palette.time_base = Fraction(1, 1)
        pal.push(palette)
        pal.push(None)
        written = 0

        def drain() -> None:
            nonlocal written
            while True:
                try:
                    frame = sink.pull()
                except (av.error.BlockingIOError, av.error.EOFError):
                    return
                frame.pts = written
                frame.time_base = Fraction(1) / rate
                written += 1
                out.mux(vout.encode(frame))

        for frame in inp.decode(vin):
            buf.push(frame)
            drain()
        buf.push(None)
        drain()
        out.mux(vout.encode(None))
