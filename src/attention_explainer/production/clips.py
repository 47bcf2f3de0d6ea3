"""Chapter clips: one MP4 per chapter of a rendered video, each with its audio and its captions.

Every chapter is a scene, and every scene's segment starts on a keyframe, so a clip is a remux:
the chapter's video and audio packets are copied (PyAV, no ffmpeg binary, nothing re-encoded)
with their timestamps moved to start at zero. A chapter that does not start on a keyframe (a
video made some other way) has its video re-encoded instead. The captions (the video's WebVTT)
are cut to the chapter and re-timed, written as .srt and .vtt beside each clip:

    <name>.chapters/01-why-self-attention.mp4 (.srt, .vtt)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

from attention_explainer.errors import UserError
from attention_explainer.narration.captions import Cue, to_srt, to_vtt
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.records import Manifest

_TIME = re.compile(r"^(\d+):(\d\d):(\d\d)[.,](\d{3})$")


class ClipError(UserError):
    """Chapter clips cannot be cut from this video."""


@dataclass(frozen=True)
class Clip:
    title: str
    start: float  # seconds in the whole video
    end: float
    path: Path


def clips_folder(video: Path) -> Path:
    return video.with_name(video.stem + ".chapters")


def slug(title: str) -> str:
    """'Why Self-Attention?' -> 'why-self-attention' (letters of any script kept)."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[^\w]+", "-", text).strip("-_") or "chapter"


def read_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file as `captions.to_vtt` writes it (id, times, text lines)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        arrow = next((k for k, line in enumerate(lines) if "-->" in line), None)
        if arrow is None:
            continue
        a, b = (part.strip().split(" ")[0] for part in lines[arrow].split("-->"))
        body = " ".join(lines[arrow + 1:]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(lines[arrow - 1] if arrow else "", _seconds(a), _seconds(b), body))
    return cues


def _seconds(stamp: str) -> float:
    m = _TIME.match(stamp if stamp.count(":") == 2 else "00:" + stamp)
    if not m:
        raise ClipError(f"unreadable caption time {stamp!r}")
    h, mi, s, ms = (int(g) for g in m.groups())
    return h * 3600 + mi * 60 + s + ms / 1000


def cut_cues(cues: Sequence[Cue], start: float, end: float) -> list[Cue]:
    """The cues shown in [start, end), clamped to it and moved to start at zero."""
    out = []
    for c in cues:
        a, b = max(c.start, start), min(c.end, end)
        if b - a > 1e-3:
            out.append(Cue(c.id, round(a - start, 3), round(b - start, 3), c.text))
    return out


def write_chapter_clips(video: Path, manifest: Manifest) -> list[Path]:
    """Cut one clip per chapter (scene) with its .srt and .vtt; returns every file written."""
    import av

    video = Path(video)
    if video.suffix.lower() != ".mp4":
        raise ClipError(f"{video}: chapter clips are cut from an MP4 (render with --format mp4)")
    vtt = video.with_name(video.stem + ".vtt")
    cues = read_vtt(vtt.read_text(encoding="utf-8")) if vtt.is_file() else []
    folder = clips_folder(video)
    clips = [Clip(s.title, s.start, s.start + s.duration, folder / f"{n:02d}-{slug(s.title)}.mp4")
             for n, s in enumerate(manifest.scenes, start=1)]
    with AtomicFiles() as files:
        with av.open(str(video)) as source:
            keyframes = _keyframe_times(source)
            for clip in clips:
                starts_on_key = any(abs(k - clip.start) < 1e-3 for k in keyframes)
                _cut(source, clip, files.temp_for(clip.path), copy_video=starts_on_key)
        for clip in clips:
            part = cut_cues(cues, clip.start, clip.end)
            files.write_text(clip.path.with_suffix(".srt"), to_srt(part))
            files.write_text(clip.path.with_suffix(".vtt"), to_vtt(part))
        return files.commit()


def _keyframe_times(container: Any) -> list[float]:
    stream = container.streams.video[0]
    times = [float(p.pts * p.time_base) for p in container.demux(stream) if p.pts is not None and p.is_keyframe]
    container.seek(0)
    return times


def _cut(source: Any, clip: Clip, out: Path, copy_video: bool) -> None:
    """One chapter into `out`: packets copied (the video re-encoded when it must be)."""
    import av

    vin = source.streams.video[0]
    ain = source.streams.audio[0] if source.streams.audio else None
    lo, hi = Fraction(clip.start).limit_denominator(10**6), Fraction(clip.end).limit_denominator(10**6)
    rate = Fraction(vin.base_rate or vin.average_rate)
    half = Fraction(1, 2) / rate
    source.seek(max(0, int((lo - 2 * half) / vin.time_base)), stream=vin)  # the keyframe at or before lo
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        if copy_video:
            vout = output.add_stream_from_template(template=vin)
        else:
            vout = output.add_stream("libx264", rate=rate)
            vout.width, vout.height, vout.pix_fmt = vin.codec_context.width, vin.codec_context.height, "yuv420p"
        aout = output.add_stream_from_template(template=ain) if ain is not None else None
        streams = [vin] + ([ain] if ain is not None else [])
        for packet in source.demux(*streams):
            if packet.pts is None or packet.dts is None:
                continue
            tb = packet.time_base
            t = packet.pts * tb
            if packet.stream.type == "video":
                if not copy_video:  # decoded from the keyframe before the chapter, encoded from its start
                    for frame in packet.decode() if t < hi + 1 else ():  # (+1 s: frames the decoder holds back)
                        at = frame.pts * frame.time_base
                        if lo - half <= at < hi - half:
                            frame.pts, frame.time_base = round((at - lo) * rate), Fraction(1) / rate
                            for p in vout.encode(frame):
                                output.mux(p)
                    continue
                if not lo - half <= t < hi - half:
                    continue
                shift = round(lo / tb)
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = vout
            else:
                if not lo <= t < hi:
                    continue
                shift = round(lo / tb)
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = aout
            output.mux(packet)
        if not copy_video:
            for p in vout.encode(None):
                output.mux(p)
