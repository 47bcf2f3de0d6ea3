"""Chapters: one per scene, as a YouTube description list and as MP4/WebM chapter metadata.

PyAV (FFmpeg's muxers) writes container chapters: in MP4 both a Nero `chpl` atom and a
QuickTime chapter text track (what VLC, mpv, QuickTime and ffprobe read), in WebM Matroska
chapters. Read them back with `av.open(path).chapters()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional, Sequence

from attention_explainer.narration.words import tr

YOUTUBE_MIN_CHAPTERS = 3
YOUTUBE_MIN_SECONDS = 10.0


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float  # seconds in the whole video
    end: float


def chapter_title(title: str, language: Optional[str] = None) -> str:
    """A scene's chapter title (the catalog's, in English) in the lesson language."""
    return tr(title, language)


def clock(seconds: float) -> str:
    """'0:00', '3:07', '1:02:03': a time as YouTube writes it (whole seconds, rounded down)."""
    total = int(math.floor(seconds + 1e-6))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def youtube_text(chapters: Sequence[Chapter]) -> str:
    """Lines to paste into a video description: '0:00 Why Self-Attention' ..., first at 0:00."""
    lines = [f"{clock(0 if i == 0 else ch.start)} {ch.title}" for i, ch in enumerate(chapters)]
    return "\n".join(lines) + "\n"


def youtube_warnings(chapters: Sequence[Chapter]) -> list[str]:
    """Why YouTube would ignore these chapters (it needs 3+ chapters of 10 s or more)."""
    notes = []
    if len(chapters) < YOUTUBE_MIN_CHAPTERS:
        notes.append(f"YouTube shows chapters only when there are at least {YOUTUBE_MIN_CHAPTERS}")
    short = [ch.title for ch in chapters if ch.end - ch.start < YOUTUBE_MIN_SECONDS]
    if short:
        notes.append(f"YouTube needs chapters of at least {YOUTUBE_MIN_SECONDS:g} s; shorter: {', '.join(short)}")
    return notes


def av_chapters(chapters: Sequence[Chapter]) -> list[dict[str, Any]]:
    """The list PyAV's OutputContainer.set_chapters takes (times in milliseconds)."""
    return [
        {"id": i + 1, "start": int(round(ch.start * 1000)), "end": int(round(ch.end * 1000)),
         "time_base": Fraction(1, 1000), "metadata": {"title": ch.title}}
        for i, ch in enumerate(chapters)
    ]


def read_chapters(path: str) -> list[Chapter]:
    """Chapters embedded in a video file (empty if none)."""
    import av

    with av.open(path) as container:
        out = []
        for ch in container.chapters():
            tb = ch["time_base"] or Fraction(1, 1)
            out.append(Chapter(ch["metadata"].get("title", ""), float(ch["start"] * tb), float(ch["end"] * tb)))
        return out
