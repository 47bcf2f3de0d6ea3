"""`--voice kokoro[:NAME[@LANG]]`: Kokoro-82M (kokoro.py) with the phonemes of the lesson's language
(kokoro_g2p.py), words timed by the model, clips cached per line.

NAME is a Kokoro voice (af_heart, ef_dora...; `kokoro` alone: the language's default); LANG is
the language the line is in (a code of config/languages.py), by default the voice's own.
`resolve_voice` (voice.py) writes the full form for a video's language. A clip is kept under
<cache>/kokoro/<hash>.wav with <hash>.json (length and word times); the hash covers the spoken
text and everything that shapes the sound (model, voice file, language, phonemiser, speed,
loudness), so an unchanged line is never spoken again.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Optional

from attention_explainer.config.languages import LANGUAGES
from attention_explainer.narration import kokoro
from attention_explainer.narration.kokoro_g2p import G2P_PACKAGES, check as check_g2p, load as load_g2p, rules_id, sentences
from attention_explainer.narration.loudness import LEVEL_ID, lead_in, level, resample, write_wav
from attention_explainer.narration.neural import WordTime
from attention_explainer.narration.neural_voice import load_clip, locked
from attention_explainer.narration.spoken import to_spoken
from attention_explainer.narration.clips import Speech, VoiceError, from_server

SPEED = 1.0  # Kokoro's own pace: ~155 words a minute in English
SENTENCE_PAUSE = 0.0  # each sentence's audio already ends and starts with the model's silence
FORMAT_VERSION = "1"
BY_LETTER = {lang.kokoro_lang: code for code, lang in LANGUAGES.items() if lang.kokoro_lang}


def parse(arg: str) -> tuple[str, str]:
    """'ef_dora@es' -> ('ef_dora', 'es'); '' -> ('af_heart', 'en'); 'ef_dora' -> ('ef_dora', 'es')."""
    name, _, code = arg.partition("@")
    name, code = name.strip(), code.strip()
    if not name:
        name = LANGUAGES[code or "en"].kokoro_voice or ""
        if not name:
            raise VoiceError(f"--voice kokoro: no Kokoro voice speaks {LANGUAGES[code].name}; "
                             f"use {LANGUAGES[code].default_voice}")
    if name not in kokoro.voice_names():
        raise VoiceError(f"unknown Kokoro voice '{name}'; known: {', '.join(kokoro.voice_names())}")
    if not code:
        code = BY_LETTER.get(kokoro.voice_language(name) or "", "en")
    if code not in LANGUAGES:
        raise VoiceError(f"--voice kokoro:{name}@{code}: unknown language '{code}'; known: {', '.join(LANGUAGES)}")
    if LANGUAGES[code].kokoro_lang is None:
        raise VoiceError(f"--voice kokoro: Kokoro cannot speak {LANGUAGES[code].name}; use {LANGUAGES[code].default_voice}")
    return name, code


@lru_cache(maxsize=16)
def identity(name: str, code: str) -> str:
    """Everything that shapes a clip of this voice and language (part of every clip's hash)."""
    from importlib.metadata import PackageNotFoundError, version

    letter = LANGUAGES[code].kokoro_lang or ""
    versions = []
    for dist in G2P_PACKAGES.get(letter, "").split()[:1]:
        try:
            versions.append(f"{dist.split('==')[0]} {version(dist.split('==')[0])}")
        except PackageNotFoundError:
            versions.append(f"{dist} missing")
    voice_digest = hashlib.sha256((kokoro.VOICES_DIR / f"{name}.bin").read_bytes()).hexdigest()[:12]
    shape = {"model": kokoro.MODEL_ID, "voice": f"{name} {voice_digest}", "lang": code, "g2p": versions,
             "speed": SPEED, "pause": SENTENCE_PAUSE, "level": LEVEL_ID, "format": FORMAT_VERSION}
    if rules_id(letter):  # only where we have rules of our own (other languages keep their clips)
        shape["rules"] = rules_id(letter)
    return json.dumps(shape, sort_keys=True)


class KokoroVoice:
    """Kokoro-82M on onnxruntime, in the language `code`, with voice `name`."""

    label = "kokoro"

    def __init__(self, cache_dir: Path, arg: str = "") -> None:
        self.name, self.code = parse(arg)
        self.spec = f"kokoro:{self.name}@{self.code}"
        self.cache_dir = Path(cache_dir)
        self.server: Optional[str] = None  # the render's voice server socket (set from the run record)

    def check(self) -> None:
        """One line naming what to install when the model, a voice or the phonemiser is missing."""
        kokoro.check_installed()
        kokoro.load_voice(self.name)
        check_g2p(LANGUAGES[self.code].kokoro_lang or "")

    def fingerprint(self, scene_id: str) -> str:
        return hashlib.sha256(identity(self.name, self.code).encode("utf-8")).hexdigest()[:16]

    def paths(self, said: str) -> tuple[Path, Path]:
        key = hashlib.sha256(f"{identity(self.name, self.code)}\0{said}".encode("utf-8")).hexdigest()[:20]
        folder = self.cache_dir / "kokoro"
        return folder / f"{key}.wav", folder / f"{key}.json"

    def cached(self, said: str) -> Optional[Speech]:
        return load_clip(*self.paths(said))

    def warm(self) -> None:
        """Load the model and the phonemiser now (a server does while the scenes start)."""
        kokoro.shared_engine()
        load_g2p(LANGUAGES[self.code].kokoro_lang or "")

    def make(self, said: str) -> Speech:
        """The clip of a spoken line, made now with this process's model unless cached."""
        wav, meta = self.paths(said)
        found = load_clip(wav, meta)
        if found is not None:
            return found
        with locked(wav.with_suffix(".lock")):
            found = load_clip(wav, meta)
            if found is not None:
                return found
            spoken = kokoro.shared_engine().speak(sentences(said, LANGUAGES[self.code].kokoro_lang or ""), self.name,
                                                  SPEED, SENTENCE_PAUSE)
            audio, shift = lead_in(resample(spoken.audio, kokoro.SAMPLE_RATE))
            duration = write_wav(wav, level(audio))
            words = [[w, round(max(0.0, a + shift), 4), round(max(0.0, b + shift), 4)] for w, a, b in spoken.words]
            tmp = meta.with_name(f".{meta.name}.{threading.get_ident()}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"spoken": said, "duration": duration, "words": words}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, meta)
        wav.with_suffix(".lock").unlink(missing_ok=True)
        return Speech(wav, duration, tuple(WordTime(w, a, b) for w, a, b in words))

    def speak(self, beat_id: str, text: str, spoken: Optional[str] = None) -> Optional[Speech]:
        said = spoken if spoken is not None else to_spoken(text)
        if not said.strip():
            return None
        return from_server(self, said) or self.make(said)
