"""Phonemes for the neural voice, from espeak-ng run as a separate program, and which spoken word
each phoneme belongs to.

Piper voices are trained on espeak-ng's IPA, so espeak-ng's own output is what they expect.
espeak-ng (GPL-3.0) runs as a child process, as for `--voice espeak`; nothing of it is imported
or linked. espeak-ng joins words in fluent speech ("of the" -> "ʌvðə"), so word boundaries come
from phonemising each word alone too and sharing the clause's phonemes out by those lengths.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Optional, Sequence

from attention_explainer.errors import UserError

CLAUSE_END = re.compile(r"([.,;:!?…]+)$")
SENTENCE_END = set(".!?…")
_LANG_SWITCH = re.compile(r"\([a-z-]+\)")  # espeak's "(fr)" language-switch marks


@dataclass(frozen=True)
class Clause:
    """Consecutive spoken words up to a punctuation mark (kept for the voice's prosody)."""

    first: int  # index of its first word in the line
    words: tuple[str, ...]
    punct: str  # "", ",", ".", "?" ...
    ends_sentence: bool


def clauses(words: Sequence[str]) -> list[Clause]:
    """Cut the line's words after each punctuation mark."""
    out: list[Clause] = []
    start = 0
    for i, word in enumerate(words):
        m = CLAUSE_END.search(word)
        last = i == len(words) - 1
        if m or last:
            punct = m.group(1)[-1] if m else ""
            ends = last or punct in SENTENCE_END
            out.append(Clause(start, tuple(words[start:i + 1]), punct, ends))
            start = i + 1
    return out


def espeak_program() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise UserError("the neural voice needs espeak-ng for its phonemes; install it: "
                        "sudo apt-get install espeak-ng (or pass --voice none)")
    return exe


def _run(lines: Sequence[str], voice: str, tie: bool = False) -> list[str]:
    text = "".join(line + ".\n" for line in lines)
    ties = ["--tie=^"] if tie else []  # Kokoro's mapping (misaki) reads tied affricates and diphthongs
    result = subprocess.run([espeak_program(), "-q", "--ipa", *ties, "-v", voice], input=text, text=True,
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise UserError(f"espeak-ng failed: {(result.stderr.strip().splitlines() or ['no message'])[-1]}")
    return [_LANG_SWITCH.sub("", ln).strip() for ln in result.stdout.splitlines() if ln.strip()]


def ipa(lines: Sequence[str], voice: str = "en-us", tie: bool = False) -> list[str]:
    """IPA of each line (one espeak-ng call; one call per line if espeak-ng split a line)."""
    if not lines:
        return []
    speakable = [bool(re.search(r"\w", line)) for line in lines]
    asked = [line for line, ok in zip(lines, speakable) if ok]
    got = _run(asked, voice, tie) if asked else []
    if len(got) != len(asked):
        got = [" ".join(_run([line], voice, tie)) for line in asked]
    it = iter(got)
    return [next(it) if ok else "" for ok in speakable]


def strip_word(word: str) -> str:
    return word.strip("\"'“”‘’()[]{}.,;:!?…")


def word_owners(clause_ipa: str, word_ipas: Sequence[str]) -> list[Optional[int]]:
    """For each character of the clause's IPA, the index (in the clause) of the word it belongs
    to, or None for the spaces between words. Shares the clause's phonemes out in proportion to
    each word's phonemes said alone, with each boundary moved to a nearby space when there is one."""
    chars = [i for i, c in enumerate(clause_ipa) if c != " "]
    owners: list[Optional[int]] = [None] * len(clause_ipa)
    lengths = [len(w.replace(" ", "")) for w in word_ipas]
    total = sum(lengths)
    if not chars or total == 0:
        return owners
    spaces = [k for k in range(1, len(chars)) if chars[k] - chars[k - 1] > 1]  # a word starts at k
    cuts, acc = [], 0
    for n in lengths[:-1]:
        acc += n
        cut = round(acc / total * len(chars))
        near = [s for s in spaces if abs(s - cut) <= 2]
        cuts.append(min(near, key=lambda s: abs(s - cut)) if near else cut)
    bounds = [0, *cuts, len(chars)]
    for w in range(len(word_ipas)):
        lo, hi = bounds[w], max(bounds[w], bounds[w + 1])
        for k in range(lo, min(hi, len(chars))):
            owners[chars[k]] = w
    return owners
