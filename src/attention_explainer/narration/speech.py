"""What every voice returns and raises, below the voices themselves (voice.py, neural_voice.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attention_explainer.errors import UserError


class VoiceError(UserError):
    """The voice cannot be used (bad spec, missing program, unreadable recording)."""


@dataclass(frozen=True)
class Speech:
    """A spoken line: a WAV file and its length in seconds."""

    path: Path
    duration: float
    words: tuple = ()  # neural.WordTime of each spoken word, when the voice knows them
