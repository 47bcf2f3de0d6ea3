"""Caption files (SubRip .srt and WebVTT .vtt) for the whole video, from the scenes' beats.

A beat's line is cut into readable chunks (`chunks`: at most 2 lines of about 42 columns, cut
at sentence ends where possible; Chinese and Japanese by characters, about 21 to a line, see
units.py); each chunk is shown from the moment its first word is
said (`beat_cues`, with word times from the voice, or by reading pace without one) until the
next chunk. The scene shows the same chunks at the same times (scenes/base.py), and the cues
are shifted by the start of their scene in the stitched video.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from attention_explainer.narration.beats import Beat
from attention_explainer.narration.units import PAUSES, SENTENCE_ENDS, has_wide, join_units, units, width as cols

LINE_CHARS = 42  # the usual limit for a caption line (columns: a CJK character takes 2)
MAX_LINES = 2
WEAK_ENDS = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "by", "for", "with", "is", "are"}  # not at a cut
MIN_CHUNK_CHARS = 20  # a sentence end closes a chunk only once it has this much text


@dataclass(frozen=True)
class Cue:
    id: str  # the beat id
    start: float  # seconds in the whole video
    end: float
    text: str


def cues_for(scenes: Iterable[tuple[float, float, Sequence[Beat]]]) -> list[Cue]:
    """Cues from (scene start, scene duration, beats) triples; cues never leave their scene.
    A beat with timed chunks (Beat.cues) gives one cue per chunk, id `<beat-id>-<n>`."""
    cues = []
    for offset, duration, beats in scenes:
        for beat in beats:
            parts = getattr(beat, "cues", None) or [(0.0, beat.end - beat.start, beat.text)]
            for n, (rel_start, rel_end, text) in enumerate(parts, start=1):
                lo, hi = beat.start + rel_start, min(beat.start + rel_end, beat.end)
                start = offset + min(max(lo, 0.0), duration)
                end = offset + min(max(hi, lo), duration)
                if end > start:
                    cue_id = beat.id if len(parts) == 1 else f"{beat.id}-{n}"
                    cues.append(Cue(cue_id, round(start, 3), round(end, 3), text))
    return cues


def fits(text: str, width: int = LINE_CHARS, lines: int = MAX_LINES) -> bool:
    return len(wrap(text, width)) <= lines


def chunks(text: str, width: int = LINE_CHARS, lines: int = MAX_LINES) -> list[list[int]]:
    """The line's whitespace tokens grouped into caption chunks (lists of token indices).

    Each chunk fits in `lines` lines of `width`. Sentences start new chunks (a sentence shorter
    than MIN_CHUNK_CHARS joins its neighbour when they fit together); a sentence too long for
    one chunk is cut into the fewest parts that fit, of balanced length, after a comma when one
    is near."""
    tokens = units(text)
    sentences: list[list[int]] = []
    for i, token in enumerate(tokens):
        if not sentences or tokens[sentences[-1][-1]][-1:] in SENTENCE_ENDS:
            sentences.append([])
        sentences[-1].append(i)
    groups: list[list[int]] = []
    for sentence in sentences:
        for part in _split(tokens, sentence, width, lines):
            said = _text(tokens, part)
            if groups and (cols(said) < MIN_CHUNK_CHARS or cols(_text(tokens, groups[-1])) < MIN_CHUNK_CHARS) \
                    and fits(_text(tokens, groups[-1] + part), width, lines):
                groups[-1] = groups[-1] + part
            else:
                groups.append(part)
    return groups


def _text(tokens: Sequence[str], ids: Sequence[int]) -> str:
    return join_units([tokens[k] for k in ids])


def _split(tokens: Sequence[str], ids: list[int], width: int, lines: int) -> list[list[int]]:
    if fits(_text(tokens, ids), width, lines) or len(ids) == 1:
        return [ids]
    total = cols(_text(tokens, ids))
    for n in range(2, len(ids) + 1):
        parts, rest = [], list(ids)
        for k in range(n - 1, 0, -1):  # k more cuts after this one
            target = (total - sum(cols(_text(tokens, p)) + 1 for p in parts)) / (k + 1)
            pos, best, best_score = 0, 1, float("inf")
            for j in range(1, len(rest)):
                pos = cols(_text(tokens, rest[:j]))
                last = tokens[rest[j - 1]]
                score = abs(pos - target) - (max(12.0, 0.25 * total) if last[-1:] in PAUSES else 0) \
                    + (10 if last.lower() in WEAK_ENDS else 0)
                if score < best_score:
                    best, best_score = j, score
            parts.append(rest[:best])
            rest = rest[best:]
            if not rest:
                break
        parts.append(rest)
        parts = [p for p in parts if p]
        if all(fits(_text(tokens, p), width, lines) or len(p) == 1 for p in parts):
            return parts
    return [[k] for k in ids]


def beat_cues(text: str, times: Sequence[tuple[float, float]], end: Optional[float] = None
              ) -> list[tuple[float, float, str]]:
    """(start, end, chunk text) of each chunk of a line, in seconds from the line's start.

    `times` are the written tokens' (start, end) (alignment.written_times). The first chunk shows
    from 0; each next one from when its first word starts; each lasts until the next, the last
    until `end` (default: its last word's end)."""
    tokens = units(text)
    groups = chunks(text)
    if not groups:
        return []
    starts = [0.0] + [max(0.0, times[g[0]][0]) for g in groups[1:]]
    for k in range(1, len(starts)):
        starts[k] = max(starts[k], starts[k - 1])
    last = times[groups[-1][-1]][1] if end is None else max(end, starts[-1])
    ends = starts[1:] + [last]
    return [(round(a, 4), round(b, 4), join_units([tokens[k] for k in g])) for a, b, g in zip(starts, ends, groups)]


def wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    """Split a line into caption lines of at most `width` columns (longer words stay whole;
    Chinese and Japanese break between characters)."""
    if not has_wide(text):
        return textwrap.wrap(" ".join(text.split()), width=width, break_long_words=False) or [""]
    lines: list[list[str]] = [[]]
    for unit in units(text):
        if lines[-1] and cols(join_units(lines[-1] + [unit])) > width:
            lines.append([])
        lines[-1].append(unit)
    return [join_units(line) for line in lines]


def timestamp(seconds: float, decimal: str) -> str:
    """'00:01:02,345' (SRT, decimal=',') or '00:01:02.345' (WebVTT, decimal='.')."""
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for n, cue in enumerate(cues, start=1):
        times = f"{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}"
        blocks.append("\n".join([str(n), times, *wrap(cue.text)]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_text(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT"]
    for cue in cues:
        times = f"{timestamp(cue.start, '.')} --> {timestamp(cue.end, '.')}"
        blocks.append("\n".join([cue.id, times, *(_vtt_text(line) for line in wrap(cue.text))]))
    return "\n\n".join(blocks) + "\n"
