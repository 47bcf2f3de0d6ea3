"""Your own recordings as the narration: `--voice wav-dir:PATH[+VOICE]`.

Files are named by the line ids `attention-explainer narration` prints (<line-id>.wav, or .flac,
.mp3, .ogg, .m4a). Every recording is decoded before any rendering (a damaged one is one error
line naming it), the ones matching no line are named in a note, and with `+VOICE` that voice
says the lines you did not record.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

from attention_explainer.narration.clips import (AUDIO_SUFFIXES, Speech, Voice, VoiceError, digest, file_digest,
                                                 normalize_audio, wav_duration)
from attention_explainer.narration.loudness import LEVEL_ID


class WavDirVoice:
    """Recorded lines: <dir>/<line-id>.wav (or .flac/.mp3/.ogg/.m4a), the ids `narration` prints.
    A line said in pieces (the outro's closing-1, closing-2...) takes its recording on the first
    piece; a beat's own id (outro-closing-2.wav) works too. Lines without one stay silent, or are
    spoken by `fallback` (`wav-dir:PATH+VOICE`)."""

    def __init__(self, cache_dir: Path, folder: Path | str, fallback: Optional[Voice] = None) -> None:
        if not str(folder).strip():
            raise VoiceError("--voice wav-dir needs a folder: wav-dir:PATH")
        self.cache_dir = Path(cache_dir)
        self.folder = Path(folder).expanduser().resolve()
        self.fallback = fallback
        if not self.folder.is_dir():
            raise VoiceError(f"--voice wav-dir: {folder}: no such directory")

    @property
    def server(self) -> Optional[str]:
        return getattr(self.fallback, "server", None)

    @server.setter
    def server(self, socket_path: Optional[str]) -> None:
        """The render's voice server, for the voice after the `+`."""
        if self.fallback is not None and hasattr(self.fallback, "server"):
            self.fallback.server = socket_path  # type: ignore[attr-defined]

    def recordings(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)

    def recording(self, beat_id: str) -> Optional[Path]:
        for name in (beat_id, *_line_of_piece(beat_id)):
            for suffix in AUDIO_SUFFIXES:
                path = self.folder / f"{name}{suffix}"
                if path.is_file():
                    return path
        return None

    def unmatched(self, beat_ids: Sequence[str]) -> list[str]:
        """The recordings that belong to none of these beats (file names)."""
        used = {p for b in beat_ids for p in [self.recording(b)] if p is not None}
        return [p.name for p in self.recordings() if p not in used]

    def check(self) -> None:
        """Every recording decodes (each is converted now, into the clip cache): else one line
        naming the file, before any rendering. Then the fallback voice's own check."""
        for path in self.recordings():
            self._clip(path)
        check = getattr(self.fallback, "check", None)
        if callable(check):
            check()

    def fingerprint(self, scene_id: str) -> str:
        parts = [f"wav-dir {self.folder}", LEVEL_ID]
        for path in sorted(self.folder.glob(f"{scene_id}-*")):
            if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file():
                parts.append(f"{path.name} {file_digest(path)}")
        if self.fallback is not None:
            parts.append(f"+ {self.fallback.fingerprint(scene_id)}")
        return digest(*parts)

    def source(self, beat_id: str) -> str:
        """Where the beat's audio comes from: the recording's file name, the fallback's spec, or 'none'."""
        src = self.recording(beat_id)
        if src is not None:
            return src.name
        return str(getattr(self.fallback, "spec", "none")) if self.fallback is not None else "none"

    def _clip(self, src: Path) -> Speech:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        final = self.cache_dir / f"rec-{digest(file_digest(src), LEVEL_ID)}.wav"
        if final.exists():
            return Speech(final, wav_duration(final))
        return Speech(final, normalize_audio(src, final))

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        src = self.recording(beat_id)
        if src is None:
            return self.fallback.speak(beat_id, text, spoken) if self.fallback is not None else None
        pieces = _line_of_piece(beat_id)
        if pieces and src.stem == pieces[0] and not beat_id.endswith("-1"):
            return None  # the line's recording was said on its first piece
        return self._clip(src)


def _line_of_piece(beat_id: str) -> tuple[str, ...]:
    """'outro-closing-2' -> ('outro-closing',): the line a numbered piece belongs to."""
    m = re.fullmatch(r"(.+)-\d+", beat_id)
    return (m.group(1),) if m else ()
