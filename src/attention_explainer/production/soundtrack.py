"""The whole video's narration track, built sample-exact and encoded once as AAC.

Each segment's speech clips (Beat.audio, 48 kHz WAV) are placed at their scene's start plus the
beat's start, in samples, and cut at the scene's end; a scene whose clips are gone (an old
cache) contributes its own decoded audio track instead. One continuous track encoded once has
no gaps, overlaps or encoder priming at the joins, so sound cannot drift from picture however
many segments there are (copying each segment's AAC packets did: each carries ~21 ms of encoder
priming).
"""

from __future__ import annotations

import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from attention_explainer.narration.beats import Beat
from attention_explainer.narration.loudness import SAMPLE_RATE, read_wav, resample

AAC_BIT_RATE = 128_000
AAC_CODER = "fast"  # ffmpeg's fast coder: half the time of its default (twoloop), alike for speech
FRAME = 1024  # AAC samples per frame
KEEP_TRACKS = 4  # encoded tracks kept in the cache (the latest)

Segments = Sequence[tuple[Path, float, float, Sequence[Beat]]]  # (video, start, duration, beats)


def _place(track: np.ndarray, clip: np.ndarray, at: int, stop: int) -> None:
    """Add `clip` into `track` from sample `at` (samples before 0 dropped), not past `stop`."""
    if at < 0:
        clip, at = clip[-at:], 0
    n = min(clip.size, stop - at, track.size - at)
    if n > 0:
        track[at:at + n] += clip[:n]


def decode_audio(path: Path) -> Optional[np.ndarray]:
    """A video's audio track as 48 kHz mono float, placed by its timestamps (None: no audio)."""
    import av

    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        stream = c.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pieces: list[tuple[int, np.ndarray]] = []
        for frame in c.decode(stream):
            at = int(round(float(frame.pts * frame.time_base) * SAMPLE_RATE)) if frame.pts is not None else None
            for out in resampler.resample(frame):
                data = out.to_ndarray().reshape(-1)
                start = at if at is not None else (pieces[-1][0] + pieces[-1][1].size if pieces else 0)
                pieces.append((start, data))
                at = None
    size = max((a + d.size for a, d in pieces), default=0)
    track = np.zeros(size, np.float32)
    for a, d in pieces:
        _place(track, d, a, size)
    return track


def soundtrack(segments: Sequence[tuple[Path, float, float, Sequence[Beat]]]) -> np.ndarray:
    """The track for (video, start, duration, beats) segments: as long as the whole video."""
    total = max((start + d for _, start, d, _ in segments), default=0.0)
    track = np.zeros(int(round(total * SAMPLE_RATE)), np.float32)
    for video, start, duration, beats in segments:
        first = int(round(start * SAMPLE_RATE))
        stop = int(round((start + duration) * SAMPLE_RATE))
        clips = [b for b in beats if getattr(b, "audio", None)]
        if clips and all(Path(str(b.audio)).is_file() for b in clips):
            for beat in clips:
                audio, rate = read_wav(Path(str(beat.audio)))
                _place(track, resample(audio, rate), first + int(round(beat.start * SAMPLE_RATE)), stop)
        else:
            own = decode_audio(video)
            if own is not None:
                _place(track, own, first, stop)
    return track


def aac_packets(output: Any, track: np.ndarray) -> tuple[Any, Iterator[Any]]:
    """An AAC stream in `output` (a PyAV container) and the packets of `track` encoded into it."""
    import av

    stream = output.add_stream("aac", rate=SAMPLE_RATE)
    stream.layout = "mono"
    stream.bit_rate = AAC_BIT_RATE
    stream.options = {"aac_coder": AAC_CODER}

    def packets() -> Iterator[Any]:
        samples = np.clip(track, -1.0, 1.0).astype(np.float32)
        for at in range(0, samples.size, FRAME):
            frame = av.AudioFrame.from_ndarray(samples[None, at:at + FRAME].copy(), format="fltp", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = at
            frame.time_base = Fraction(1, SAMPLE_RATE)
            yield from stream.encode(frame)
        yield from stream.encode(None)

    return stream, packets()


def track_key(segments: Segments) -> str:
    """Changes whenever the track would: the segments, their places and their beats' clips."""
    data = [[str(video), round(start, 6), round(duration, 6),
             [[getattr(b, "audio", None), round(b.start, 6)] for b in beats]]
            for video, start, duration, beats in segments]
    text = json.dumps([data, SAMPLE_RATE, AAC_BIT_RATE, AAC_CODER])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def encoded_track(segments: Segments, folder: Path) -> Path:
    """The video's narration as an AAC (.m4a) file in `folder`, made once per distinct track:
    encoding 9 minutes takes seconds, so an unchanged re-render reuses it."""
    import av

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{track_key(segments)}.m4a"
    if path.is_file():
        os.utime(path)
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with av.open(str(tmp), "w", format="mp4") as output:
            _, packets = aac_packets(output, soundtrack(segments))
            for packet in packets:
                output.mux(packet)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in sorted(folder.glob("*.m4a"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_TRACKS:]:
        old.unlink(missing_ok=True)
    return path
