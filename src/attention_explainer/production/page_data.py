"""What the lesson page shows, as one JSON-ready dict: read from the video's manifest and the
trace of its config (the numbers `export` writes), formatted as the video formats them.

    find_lesson(video)           the manifest beside a rendered video (one `error:` line if not)
    lesson_config(manifest)      the render's effective config, read back
    lesson_data(manifest, ...)   beats with word times, chapters, matrices, the worked row, heads
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from pydantic import ValidationError

from attention_explainer.config.loader import load_config
from attention_explainer.config.models import Config
from attention_explainer.core.attention import AttentionTrace
from attention_explainer.core.labels import distinct_labels
from attention_explainer.core.worked import EXP_DECIMALS, softmax_by_hand
from attention_explainer.errors import UserError
from attention_explainer.narration.alignment import paced
from attention_explainer.narration.locale import number_text, use_language
from attention_explainer.production.page_text import ui_strings
from attention_explainer.production.records import Manifest, ManifestBeat

VIDEO_SUFFIXES = (".mp4", ".webm")
MINUS = "\u2212"  # the true minus sign the video draws
REAL_MODEL_SCENE = "real-model"


class PageError(UserError):
    """The lesson page cannot be made for this file."""


def manifest_path(video: Path) -> Path:
    """`x.mp4` -> `x.manifest.json` (as assemble.sidecar names it)."""
    return video.with_name(video.stem + ".manifest.json")


def find_lesson(video: Path) -> Manifest:
    """The manifest of a rendered video; PageError (one line) for anything else."""
    video = Path(video)
    if not video.is_file():
        raise PageError(f"{video}: no such video file")
    if video.suffix.lower() not in VIDEO_SUFFIXES:
        raise PageError(f"{video}: not a rendered video (a page is made for the .mp4 or .webm that `render` wrote)")
    path = manifest_path(video)
    if not path.is_file():
        raise PageError(f"{video}: not a rendered video of this tool: its manifest {path.name} is missing "
                        "(render it again)")
    try:
        return Manifest.from_file(path)
    except (ValidationError, ValueError, UnicodeDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise PageError(f"{path}: the manifest is damaged ({first}); render the video again") from None


def lesson_config(manifest: Manifest, video: Path) -> Config:
    """The render's effective config (the manifest names it); PageError when it is gone."""
    if manifest.config is None:
        raise PageError(f"{manifest_path(video)}: the manifest names no config; render the video again")
    path = Path(manifest.config.effective)
    if not path.is_file():
        raise PageError(f"{path}: the render's effective config is gone (cleaned?); render the video again "
                        "with --page")
    return load_config(path)


def fmt(value: float, decimals: int) -> str:
    """A number as the video draws it, in the lesson's language (narration.locale.number_text):
    fixed decimals, the language's decimal symbol, a true minus sign, never "-0.00", huge numbers
    in scientific notation; −∞ for a masked score."""
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    return number_text(value, decimals)


def _matrix(values: np.ndarray, decimals: int, rows: Sequence[str], cols: Sequence[str]) -> dict[str, Any]:
    return {"rows": list(rows), "cols": list(cols), "decimals": decimals,
            "values": [[float(v) for v in row] for row in values],
            "shown": [[fmt(float(v), decimals) for v in row] for row in values]}


def matrices(trace: AttentionTrace) -> dict[str, dict[str, Any]]:
    """Each matrix with its labels and its numbers as the video shows them (X and W at the trace's
    precision, Q/K/V at twice that, scores, weights and Z at two decimals)."""
    labels = distinct_labels(list(trace.tokens))
    p = trace.precision
    dm = [f"d{i}" for i in range(1, trace.d_model + 1)]
    dk = [f"k{i}" for i in range(1, trace.d_k + 1)]
    specs = {"X": (trace.X, p, labels, dm), "W_Q": (trace.W_Q, p, dm, dk), "W_K": (trace.W_K, p, dm, dk),
             "W_V": (trace.W_V, p, dm, dk), "Q": (trace.Q, 2 * p, labels, dk), "K": (trace.K, 2 * p, labels, dk),
             "V": (trace.V, 2 * p, labels, dk), "scores": (trace.scores, 2, labels, labels),
             "scaled": (trace.scaled, 2, labels, labels), "weights": (trace.weights, 2, labels, labels),
             "Z": (trace.Z, 2, labels, dk)}
    return {name: _matrix(*spec) for name, spec in specs.items()}


def softmax_rows(trace: AttentionTrace) -> list[dict[str, Any]]:
    """Every query row's softmax worked by hand, as the math segment writes it
    (core.worked.softmax_by_hand): s as shown, e^s from the shown s, their sum, each weight as
    shown e^s / shown sum. The heatmap's weights stay the trace's exact ones."""
    out = []
    for i in range(len(trace.tokens)):
        hand = softmax_by_hand(trace.scaled[i], trace.mask[i], trace.precision)
        out.append({"scaled": [fmt(-math.inf, 0) if m else fmt(float(v), hand.s_decimals)
                               for v, m in zip(hand.s, hand.mask)],
                    "exp": [fmt(float(v), EXP_DECIMALS) for v in hand.e],
                    "sum": fmt(float(hand.total), EXP_DECIMALS), "sum_sign": "=" if hand.total_exact else "≈",
                    "shift": fmt(float(hand.shift), hand.s_decimals) if hand.shift else "",
                    "weights": [fmt(float(w), hand.w_decimals) for w in hand.w],
                    "weight_sum": fmt(float(hand.weight_sum), hand.w_decimals)})
    return out


def beat_dicts(beats: Sequence[ManifestBeat]) -> list[dict[str, Any]]:
    """Beats with each word's time (the voice's, or paced over the beat when not recorded)."""
    out = []
    for b in beats:
        words = b.text.split()
        times = b.words if len(b.words) == len(words) else [
            (b.start + a, b.start + c) for a, c in paced(words, b.end - b.start)]
        out.append({"id": b.id, "text": b.text, "start": b.start, "end": b.end,
                    "words": [{"w": w, "start": round(a, 3), "end": round(c, 3)} for w, (a, c) in zip(words, times)]})
    return out


def row_seeks(manifest: Manifest, tokens: Sequence[str], focus: int) -> list[float]:
    """For each query row, where the video explains it: a heatmap beat naming its token, the math
    segment's softmax row for the worked row, else the heatmap's first beat (or the video's start)."""
    scenes = {s.id: s for s in manifest.scenes}
    heat = scenes["heatmap"].beats if "heatmap" in scenes else []
    math_beats = {b.id: b for b in scenes["math"].beats} if "math" in scenes else {}
    fallback = heat[0].start if heat else (scenes["math"].start if "math" in scenes else 0.0)
    out = []
    for i, token in enumerate(tokens):
        quoted = [b for b in heat if f"'{token}'" in b.text or f"“{token}”" in b.text or f'"{token}"' in b.text]
        if i == focus and "math-softmax-row" in math_beats:
            out.append(math_beats["math-softmax-row"].start)
        elif quoted:
            out.append(quoted[0].start)
        else:
            out.append(fallback)
    return out


def real_heads(real: dict[str, Any]) -> dict[str, Any]:
    """The real model's picked heads: word pieces and each head's attention, weights at two decimals."""
    heads = []
    for pick in real.get("picked_heads", []):
        matrix = np.asarray(real["attention"][pick["layer"]][pick["head"]])
        heads.append({"layer": pick["layer"], "head": pick["head"], "role": pick.get("role", ""),
                      "shown": [[fmt(float(v), 2) for v in row] for row in matrix],
                      "values": [[round(float(v), 6) for v in row] for row in matrix]})
    return {"model": real.get("model", ""), "sentence": real.get("sentence", ""), "pieces": real["pieces"],
            "heads": heads}


def lesson_data(manifest: Manifest, video: Path, trace: AttentionTrace, focus: Optional[int],
                real: Optional[dict[str, Any]] = None, present: bool = False) -> dict[str, Any]:
    """Everything the page's script reads (window.LESSON_DATA)."""
    n = len(trace.tokens)
    worked = n - 1 if focus is None else focus
    labels = distinct_labels(list(trace.tokens))
    beats = [b for s in manifest.scenes for b in s.beats]
    language = manifest.language or "en"
    use_language(language)  # numbers in the language's decimal symbol, as the video writes them
    return {
        "video": video.as_posix(), "duration": manifest.duration, "language": language,
        "theme": manifest.theme or "dark", "present": present, "burned_captions": bool(manifest.burned_captions), "strings": ui_strings(language),
        "captions": Path(manifest.captions.get("vtt", "")).name if manifest.captions.get("vtt") else "",
        "chapters": [{"title": s.title, "start": s.start, "end": round(s.start + s.duration, 3), "id": s.id}
                     for s in manifest.scenes],
        "beats": beat_dicts(beats), "tokens": labels, "focus": worked,
        "matrices": matrices(trace), "softmax": softmax_rows(trace),
        "row_seek": row_seeks(manifest, list(trace.tokens), worked),
        "real": real_heads(real) if real else None,
    }


def has_real_model(manifest: Manifest) -> bool:
    return any(s.id == REAL_MODEL_SCENE for s in manifest.scenes)
