"""Stitch scene segments into one video and write what goes beside it.

Stitching remuxes: the segments' H.264 (and AAC) packets are copied into one MP4 with their
timestamps shifted by the start of their scene, so nothing is re-encoded and no ffmpeg binary is
needed (PyAV). All segments must share resolution, frame rate and codecs (one render quality).
Each scene starts where the previous one's video ends; its audio is shifted by the same amount
and cut at its scene's end, so sound stays in sync however long each track is.

Beside `<name>.mp4` the assembly writes `<name>.srt`, `<name>.vtt` (captions from the beats),
`<name>.chapters.txt` (YouTube description lines) and `<name>.manifest.json`; the chapters are
also embedded in the video. Everything is written to temp files and renamed at the end.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Sequence

from attention_explainer import __version__
from attention_explainer.production.atomic import AtomicFiles, temp_path
from attention_explainer.narration.alignment import paced
from attention_explainer.narration.beats import Beat
from attention_explainer.narration.captions import cues_for, to_srt, to_vtt
from attention_explainer.narration.chapters import Chapter, av_chapters, youtube_text
from attention_explainer.errors import UserError
from attention_explainer.production.formats import convert
from attention_explainer.production.page_text import chapters_vtt, transcript_text
from attention_explainer.production.records import Manifest, ManifestBeat, ManifestScene
from attention_explainer.production.soundtrack import encoded_track


class AssembleError(UserError):
    """Segments cannot be joined (mismatched formats, unreadable file)."""


@dataclass(frozen=True)
class Segment:
    """One rendered scene, ready to be stitched."""

    scene_id: str
    title: str
    video: Path
    beats: tuple[Beat, ...] = ()
    key: str = ""  # render cache key
    reused: bool = False  # taken from the cache, not rendered this time
    render_seconds: float = 0.0


@dataclass(frozen=True)
class Probe:
    duration: float  # seconds of video
    width: int
    height: int
    fps: Fraction
    codec: str
    audio: Optional[tuple[str, int, int]]  # (codec, sample rate, channels)


def probe(path: Path) -> Probe:
    import av

    try:
        with av.open(str(path)) as c:
            v = c.streams.video[0]
            if v.duration is not None:
                duration = float(v.duration * v.time_base)
            else:
                duration = float(v.frames / v.average_rate)
            a = c.streams.audio[0] if c.streams.audio else None
            audio = (a.codec_context.name, a.codec_context.sample_rate, a.codec_context.channels) if a else None
            # the nominal rate: Manim's own joins leave a few frames a hair short, so average_rate
            # is 7761920/517453 where base_rate is 15
            fps = Fraction(v.base_rate or v.guessed_rate or v.average_rate)
            return Probe(duration, v.codec_context.width, v.codec_context.height, fps, v.codec_context.name, audio)
    except (OSError, IndexError, av.error.FFmpegError) as e:
        raise AssembleError(f"cannot read segment {path}: {e}") from None


def _check_compatible(paths: Sequence[Path], probes: Sequence[Probe], own_audio: bool = True) -> None:
    """Same picture format; the same audio when the segments' own is joined, else (`own_audio`
    False: a soundtrack replaces it) audio in all segments or in none. A scene joined from chunks
    has the mono narration track, a scene rendered in one piece Manim's stereo AAC."""
    first = probes[0]
    for path, p in zip(paths[1:], probes[1:]):
        if (p.width, p.height, p.fps, p.codec) != (first.width, first.height, first.fps, first.codec):
            raise AssembleError(
                f"cannot join {path.name} ({p.width}x{p.height} {p.fps} fps {p.codec}) to "
                f"{paths[0].name} ({first.width}x{first.height} {first.fps} fps {first.codec}): "
                "render all scenes at one quality")
        if (p.audio != first.audio) if own_audio else ((p.audio is None) != (first.audio is None)):
            raise AssembleError(f"cannot join {path.name}: its audio ({p.audio}) differs from "
                                f"{paths[0].name} ({first.audio}); render all scenes with one --voice")


def stitch(paths: Sequence[Path], out: Path, chapters: Optional[list[dict[str, Any]]] = None,
           probes: Optional[Sequence[Probe]] = None, track: Optional[Path] = None) -> list[float]:
    """Join MP4 segments into `out` without re-encoding; returns each segment's start time.
    With `track` (soundtrack.encoded_track: the whole narration, encoded once) the audio is
    that track's packets instead of the segments' own."""
    import av

    if not paths:
        raise AssembleError("nothing to stitch")
    probes = list(probes) if probes is not None else [probe(p) for p in paths]
    _check_compatible(paths, probes, own_audio=track is None)
    starts: list[float] = []
    offset = Fraction(0)
    track_in = av.open(str(track)) if track is not None else None
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        vout = aout = None
        last_audio_dts: Optional[int] = None
        pending: list[Any] = []  # encoded track packets not yet muxed
        track_packets = None
        for path, info in zip(paths, probes):
            starts.append(float(offset))
            with av.open(str(path)) as inp:
                vin = inp.streams.video[0]
                ain = inp.streams.audio[0] if inp.streams.audio else None
                if vout is None:
                    vout = output.add_stream_from_template(template=vin)
                    if track_in is not None:
                        aout = output.add_stream_from_template(template=track_in.streams.audio[0])
                        track_packets = _packets_for(track_in, aout)
                    elif ain is not None:
                        aout = output.add_stream_from_template(template=ain)
                if track is not None:
                    ain = None
                end = Fraction(info.duration)
                for packet in inp.demux(*[s for s in (vin, ain) if s is not None]):
                    if packet.dts is None or packet.pts is None:
                        continue  # the flush packets demux yields at the end
                    tb = packet.time_base
                    shift = round(offset / tb)
                    if packet.stream.type == "video":
                        packet.pts += shift
                        packet.dts += shift
                        packet.stream = vout
                        if track_packets is not None:  # interleave the track up to this frame
                            now = packet.dts * tb
                            for a in track_packets:
                                pending.append(a)
                                if a.dts is not None and a.dts * a.time_base > now:
                                    break
                            while pending and (pending[0].dts is None or pending[0].dts * pending[0].time_base <= now):
                                output.mux(pending.pop(0))
                    else:
                        if packet.pts * tb >= end:
                            continue  # audio past its scene's video: cut
                        packet.pts += shift
                        packet.dts += shift
                        if last_audio_dts is not None and packet.dts <= last_audio_dts:
                            continue  # encoder priming overlapping the previous scene's tail
                        last_audio_dts = packet.dts
                        packet.stream = aout
                    output.mux(packet)
            offset += Fraction(info.duration)
        if track_packets is not None:
            for a in [*pending, *track_packets]:
                output.mux(a)
        if chapters:
            output.set_chapters(chapters)
    if track_in is not None:
        track_in.close()
    return starts


def _packets_for(container: Any, stream: Any) -> Any:
    """The audio packets of `container`, re-assigned to `stream` of the output."""
    for packet in container.demux(container.streams.audio[0]):
        if packet.dts is None:
            continue
        packet.stream = stream
        yield packet


def _join(paths: Sequence[Path], output: Path, fmt: str, chapters: list[Chapter], probes: Sequence[Probe],
          track: Optional[Path], files: AtomicFiles) -> list[float]:
    """Stitch into the temp file of `output` (mp4), or stitch then convert (webm, gif)."""
    if fmt == "mp4":
        return stitch(paths, files.temp_for(output), av_chapters(chapters), probes, track)
    joined = temp_path(output.with_suffix(".mp4"))
    try:
        starts = stitch(paths, joined, None, probes, track)
        convert(joined, files.temp_for(output), fmt, av_chapters(chapters))
    finally:
        joined.unlink(missing_ok=True)
    return starts


def sidecar(video: Path, suffix: str) -> Path:
    """`media/x.mp4` -> `media/x<suffix>` (suffix like '.srt' or '.chapters.txt')."""
    return video.with_name(video.stem + suffix)


@dataclass
class Assembly:
    """What `assemble` wrote."""

    video: Path
    duration: float
    starts: list[float]
    durations: list[float]
    files: list[Path] = field(default_factory=list)  # every file written, video first
    chapters: list[Chapter] = field(default_factory=list)
    manifest: Optional[Manifest] = None


def assemble(segments: Sequence[Segment], output: Path, fmt: str = "mp4",
             manifest_extra: Optional[dict[str, Any]] = None, soundtrack_cache: Optional[Path] = None) -> Assembly:
    """Stitch the segments into `output` (as `fmt`) with captions, chapters and manifest beside it."""
    output = Path(output)
    if not segments:
        raise AssembleError("no scenes to assemble")
    paths = [s.video for s in segments]
    probes = [probe(p) for p in paths]
    durations = [p.duration for p in probes]
    starts_expected = [sum(durations[:i]) for i in range(len(durations))]
    chapters = [Chapter(s.title, start, start + d) for s, start, d in zip(segments, starts_expected, durations)]
    scratch: Optional[Path] = None  # a track made without a cache: removed at the end
    with AtomicFiles() as files:
        track = None
        if any(p.audio is not None for p in probes):  # narration: one sample-exact track, encoded once
            folder = Path(soundtrack_cache) if soundtrack_cache else Path(tempfile.mkdtemp(prefix="ae-track-"))
            scratch = None if soundtrack_cache else folder
            track = encoded_track([(s.video, start, d, s.beats)
                                   for s, start, d in zip(segments, starts_expected, durations)], folder)
        try:
            starts = _join(paths, output, fmt, chapters, probes, track, files)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        cues = cues_for((start, d, s.beats) for s, start, d in zip(segments, starts, durations))
        srt, vtt = sidecar(output, ".srt"), sidecar(output, ".vtt")
        chapters_txt, manifest_path = sidecar(output, ".chapters.txt"), sidecar(output, ".manifest.json")
        files.write_text(srt, to_srt(cues))
        files.write_text(vtt, to_vtt(cues))
        files.write_text(chapters_txt, youtube_text(chapters))
        transcript, chapters_webvtt = sidecar(output, ".transcript.txt"), sidecar(output, ".chapters.vtt")
        # the times the manifest (and so the page) gives, to the millisecond: a line starting at
        # 153.9996 s is 2:34 in both, not 2:33 in one
        files.write_text(transcript, transcript_text((round(start + b.start, 3), b.text)
                                                     for s, start in zip(segments, starts) for b in s.beats))
        files.write_text(chapters_webvtt, chapters_vtt(chapters))
        total = sum(durations)
        first = probes[0]
        manifest = Manifest(
            video=str(output),
            format=fmt,
            duration=round(total, 3),
            resolution=f"{first.width}x{first.height}",
            fps=float(first.fps),
            audio=first.audio is not None,
            **(manifest_extra or {}),
            transcript=str(transcript),
            chapters_vtt=str(chapters_webvtt),
            captions={"srt": str(srt), "vtt": str(vtt)},
            chapters=str(chapters_txt),
            scenes=[
                ManifestScene(
                    id=s.scene_id,
                    title=s.title,
                    start=round(start, 3),
                    duration=round(d, 3),
                    segment=str(s.video),
                    cache_key=s.key,
                    reused=s.reused,
                    render_seconds=round(s.render_seconds, 2),
                    beats=[ManifestBeat(id=b.id, text=b.text, start=round(start + b.start, 3),
                                        end=round(start + b.end, 3), words=beat_words(b, start),
                                        spoken=b.spoken)
                           for b in s.beats],
                )
                for s, start, d in zip(segments, starts, durations)
            ],
            tools=tool_versions(),
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        manifest.to_file(manifest_path, files)
        written = files.commit()
    return Assembly(output, total, starts, durations, written, chapters, manifest)


def beat_words(beat: Beat, offset: float) -> list[tuple[float, float]]:
    """(start, end) in the video of each word of the beat's text.split(): the voice's times, or
    paced over the beat when it has none (a segment cached before words were kept)."""
    n = len(beat.text.split())
    times = list(beat.words) if len(beat.words) == n else paced(beat.text.split(), beat.end - beat.start)
    end = beat.end - beat.start
    return [(round(offset + beat.start + min(a, end), 3), round(offset + beat.start + min(max(a, b), end), 3))
            for a, b in times]


def tool_versions() -> dict[str, str]:
    """Versions that shape the output (manim by its metadata: importing it takes a second)."""
    from importlib.metadata import version

    import av

    return {"attention_explainer": __version__, "manim": version("manim"), "av": av.__version__,
            "ffmpeg": _ffmpeg_version(), "python": platform.python_version()}


def _ffmpeg_version() -> str:
    import av

    try:
        return ".".join(str(n) for n in av.library_versions["libavformat"])
    except Exception:  # pragma: no cover - depends on the PyAV build
        return "unknown"
