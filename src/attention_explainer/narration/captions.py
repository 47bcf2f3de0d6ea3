"""Caption files (SubRip .srt and WebVTT .vtt) for the whole video, from the scenes' beats.

Each beat becomes one cue from its start to its end, shifted by the start of its scene in the
stitched video, so the cues follow exactly what the burned-in captions and the voice do.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Iterable, Sequence

from attention_explainer.narration.beats import Beat

LINE_CHARS = 42  # the usual limit for a caption line


@dataclass(frozen=True)
class Cue:
    id: str  # the beat id
    start: float  # seconds in the whole video
    end: float
    text: str


def cues_for(scenes: Iterable[tuple[float, float, Sequence[Beat]]]) -> list[Cue]:
    """Cues from (scene start, scene duration, beats) triples; cues never leave their scene."""
    cues = []
    for offset, duration, beats in scenes:
        for beat in beats:
            start = offset + min(max(beat.start, 0.0), duration)
            end = offset + min(max(beat.end, beat.start), duration)
            if end > start:
                cues.append(Cue(beat.id, round(start, 3), round(end, 3), beat.text))
    return cues


def wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    """Split a line into caption lines of at most `width` characters (longer words stay whole)."""
    return textwrap.wrap(" ".join(text.split()), width=width, break_long_words=False) or [""]


def timestamp(seconds: float, decimal: str) -> str:
    """'00:01:02,345' (SRT, decimal=',') or '00:01:02.345' (WebVTT, decimal='.')."""
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for n, cue in enumerate(cues, start=1):
        times = f"{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}"
        blocks.append("\n".join([str(n), times, *wrap(cue.text)]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_text(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT"]
    for cue in cues:
        times = f"{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}"
        blocks.append("\n".join([cue.id, times, *(_vtt_text(line) for line in wrap(cue.text))]))
    return "\n\n".join(blocks) + "\n"
