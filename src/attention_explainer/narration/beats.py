"""Beats: the narration lines of a scene with their times in the scene's video (no Manim).

A scene is a sequence of beats; each beat shows its line as a caption (and speaks it when a
voice is on) and holds at least as long as it takes to read. The scene writes its beats as JSON
next to its video (production.records.BeatsFile); captions files, chapters and the voice track
are made from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from attention_explainer.narration.units import word_count

BEATS_ENV = "ATTENTION_EXPLAINER_BEATS"  # where a scene process writes its beats JSON
WORDS_PER_SECOND = 2.6  # a calm narration pace (about 155 words a minute)


@dataclass(frozen=True)
class Beat:
    id: str  # stable id, e.g. "math-softmax-sum": a recorded WAV for this beat is looked up by it
    text: str  # the narration line as written (captions, SRT/VTT)
    start: float  # seconds from the start of the scene
    end: float
    spoken: str | None = None  # what the voice says when it differs from the text (script.Line)
    cues: tuple = ()  # (start, end, chunk) caption chunks, seconds from the beat's start (captions.py)
    audio: str | None = None  # the spoken clip (48 kHz WAV) that starts at `start`, if any
    words: tuple = ()  # (start, end) of each word of text.split(), seconds from the beat's start


def reading_time(text: str) -> float:
    """Seconds a viewer needs to read (or a narrator to say) the line."""
    return max(2.0, word_count(text) / WORDS_PER_SECOND + 0.7)


def beats_path_from_env() -> str | None:
    return os.environ.get(BEATS_ENV) or None
