"""`--voice neural`: the offline neural voice with word times, and its clip cache.

A clip is kept under <cache>/neural/<hash>.wav with <hash>.json (its length and word times),
where the hash covers the spoken text and everything that shapes the sound (voice package,
pace, noise settings, phonemiser version, loudness). VITS output varies slightly from run to
run, so a clip once made is reused: an unchanged line is never synthesised again, an edited
line alone is. Scene processes ask the render's voice server (voice_server.py, one loaded model
for all scenes) when there is one, else load the model themselves.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import subprocess
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

from attention_explainer.narration.loudness import LEVEL_ID, lead_in, level, resample, write_wav
from attention_explainer.narration.neural import WordTime, check_runtime, settings_identity, shared_engine
from attention_explainer.narration.phonemes import espeak_program
from attention_explainer.narration.spoken import to_spoken
from attention_explainer.narration.clips import SERVER_ENV, Speech, VoiceError, from_server  # noqa: F401

FORMAT_VERSION = "2"  # 2: LEAD_IN before the first sound


@lru_cache(maxsize=1)
def identity() -> str:
    """Everything that shapes a clip, as one string (part of every clip's hash)."""
    out = subprocess.run([espeak_program(), "--version"], capture_output=True, text=True, check=False).stdout
    g2p = out.split("Data")[0].strip()
    return json.dumps({**settings_identity(), "g2p": g2p, "level": LEVEL_ID, "format": FORMAT_VERSION},
                      sort_keys=True)


def clip_paths(cache_dir: Path, spoken: str) -> tuple[Path, Path]:
    key = hashlib.sha256(f"{identity()}\0{spoken}".encode("utf-8")).hexdigest()[:20]
    folder = Path(cache_dir) / "neural"
    return folder / f"{key}.wav", folder / f"{key}.json"


def load_clip(wav: Path, meta: Path) -> Optional[Speech]:
    if not (wav.is_file() and meta.is_file()):
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        words = tuple(WordTime(w, float(s), float(e)) for w, s, e in data["words"])
        return Speech(wav, float(data["duration"]), words)
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """One process at a time makes a given clip (scene processes and the server may race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def synthesise_cached(cache_dir: Path, spoken: str) -> Speech:
    """The clip for `spoken`, from the cache or made now with this process's engine."""
    wav, meta = clip_paths(cache_dir, spoken)
    found = load_clip(wav, meta)
    if found is not None:
        return found
    with locked(wav.with_suffix(".lock")):
        found = load_clip(wav, meta)
        if found is not None:
            return found
        rendered = shared_engine().render(spoken)
        audio, shift = lead_in(resample(rendered.audio, rendered.sample_rate))
        duration = write_wav(wav, level(audio))
        words = [[w.word, round(max(0.0, w.start + shift), 4), round(max(0.0, w.end + shift), 4)]
                 for w in rendered.words]
        tmp = meta.with_name(f".{meta.name}.{threading.get_ident()}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"spoken": spoken, "duration": duration, "words": words}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, meta)
    wav.with_suffix(".lock").unlink(missing_ok=True)
    return Speech(wav, duration, tuple(WordTime(w, s, e) for w, s, e in words))


class NeuralVoice:
    """`--voice neural`: Piper en_US-joe-medium through onnxruntime, words timed by the model."""

    label = "neural"

    def __init__(self, cache_dir: Path, arg: str = "") -> None:
        if arg:
            raise VoiceError(f"--voice neural takes no option, got 'neural:{arg}'")
        self.cache_dir = Path(cache_dir)
        self.spec = "neural"
        self.server: Optional[str] = None  # the render's voice server socket (set from the run record)

    def check(self) -> None:
        """One line naming what to install when the voice or its runtime is missing."""
        check_runtime()
        espeak_program()

    def fingerprint(self, scene_id: str) -> str:
        return hashlib.sha256(identity().encode("utf-8")).hexdigest()[:16]

    def cached(self, said: str) -> Optional[Speech]:
        """The clip of a spoken line if it was made already."""
        return load_clip(*clip_paths(self.cache_dir, said))

    def warm(self) -> None:
        """Load the model now (a server does while the scenes start)."""
        shared_engine()

    def make(self, said: str) -> Speech:
        """The clip of a spoken line, made now (this process's model) unless cached."""
        return synthesise_cached(self.cache_dir, said)

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        said = spoken if spoken is not None else to_spoken(text)
        if not said.strip():
            return None
        return from_server(self, said) or self.make(said)
