"""What every narration voice shares: the Speech record, the one error type, and clips on disk
(any audio decoded to the narration's format and loudness; a clip asked of the voice server)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, Sequence

from attention_explainer.errors import UserError, one_line
from attention_explainer.narration.loudness import SAMPLE_RATE

SERVER_ENV = "ATTENTION_EXPLAINER_VOICE_SERVER"  # Unix socket of the render's voice server
CONNECT_SECONDS = 60.0  # a scene waits this long for the server's socket to appear
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")


class VoiceError(UserError):
    """The voice cannot be used (bad spec, missing program, unreadable recording)."""


@dataclass(frozen=True)
class Speech:
    """A spoken line: a WAV file and its length in seconds."""

    path: Path
    duration: float
    words: tuple = ()  # neural.WordTime of each spoken word, when the voice knows them


class Voice(Protocol):
    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        """Speak the line (its spoken form if given) into a WAV, or None to leave the beat silent."""

    def fingerprint(self, scene_id: str) -> str:
        """Changes whenever the audio of that scene's beats would change (for the render cache)."""


VoiceFactory = Callable[[str, Path], Voice]  # (argument after "name:", clip cache dir) -> voice


# ------------------------------------------------------------------------------- audio files


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def normalize_audio(src: Path, dst: Path, lead: bool = False) -> float:
    """Decode any audio file (PyAV) into a 48 kHz mono 16-bit WAV at dst, at the narration
    loudness (loudness.py); returns seconds. lead: start the speech after loudness.LEAD_IN of
    silence (generated voices; recordings keep their own timing)."""
    import av
    import numpy as np

    from attention_explainer.narration.loudness import lead_in, level, write_wav

    try:
        with av.open(str(src)) as container:
            if not container.streams.audio:
                raise VoiceError(f"{src}: no audio in this file")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            chunks = []
            for frame in container.decode(container.streams.audio[0]):
                chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(frame)]
            chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(None)]
    except VoiceError:
        raise
    except Exception as e:  # PyAV raises its own error types for unreadable files
        detail = " ".join(str(e).split()) or type(e).__name__
        raise VoiceError(f"recording {one_line(str(src))}: cannot read this audio file ({one_line(detail)})") from None
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
    if lead:
        samples, _ = lead_in(samples)
    return write_wav(dst, level(samples))


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def from_server(voice: Any, said: str) -> Optional[Speech]:
    """The clip, cached or asked of the render's voice server (None: make it here)."""
    found = voice.cached(said)
    server = voice.server or os.environ.get(SERVER_ENV)
    if found is None and server:
        request(server, said)
        found = voice.cached(said)
    return found


# ------------------------------------------------- asking the render's voice server (voice_server.py)


def request(socket_path: str, spoken: str) -> None:
    """Ask the server for the clip of `spoken`; returns once it is in the cache."""
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(socket_path)
                sock.sendall(json.dumps({"spoken": spoken}).encode("utf-8") + b"\n")
                reply = json.loads(sock.makefile("rb").readline() or b"{}")
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                return  # no server after all: the caller synthesises itself
            time.sleep(0.1)
        except (OSError, ValueError):
            return  # the server went away mid-answer: the caller synthesises itself
    if "error" in reply:
        raise VoiceError(str(reply["error"]))


def ahead(socket_path: str, lines: Sequence[str]) -> None:
    """Queue lines (spoken forms) for the server to make in idle CPU time (best effort)."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(socket_path)
                sock.sendall(json.dumps({"ahead": list(lines)}).encode("utf-8") + b"\n")
                sock.makefile("rb").readline()
            return
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.1)
        except OSError:
            return
