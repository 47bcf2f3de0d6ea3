"""Words on screen and the glossary, per language (no Manim).

Scenes write their labels in English and look them up: `ui("keys (columns)")` is "claves
(columnas)" in Spanish. A label made with values (`ui(f"step {i} of {n}")`, "step 2 of 9") is
matched against the file's templates ("step {i} of {n}": "paso {i} de {n}") and its values carried
over as they are (a field whose name starts with "note" is itself looked up: a note in a note). `tr("step {i} of {n}",
i=2, n=9)` looks up a template and fills it. The
translations live in `narration/words/<code>.yaml`, one file per language, in these parts:

    glossary:   the terms a class learns (query, key, value, softmax, attention head, ...), used
                in every line and label of that language (tests check the script uses them)
    spoken:     words the voice needs for numbers and symbols (minus, point, transposed, ...)
    labels:     English label -> this language's label (fields in braces stay as they are)
    cues:       a scene's English cue word -> the word (or word start) that says it in this
                language's line (`line.wait_until("sum")` waits for "suma"; narration/cues.py)
    letters:    (optional) Latin letters and words as the voice says them in this script, for a
                phonemiser that cannot read Latin (Japanese: W -> ダブリュー; kokoro_g2p.py)

Numbers said in words (`number_words`) and tokens said in a line (`token_text`) live here too:
they use the language's spoken words. English needs no file: a label is its own English text. A label missing from a language's file
shows in English (the completeness test lists them).
"""

from __future__ import annotations

import hashlib
import re
import string
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from attention_explainer.config.languages import DEFAULT_LANGUAGE, LANGUAGES
from attention_explainer.narration.locale import (
    TOKEN_CHARS,
    current_language,
    decimal_symbol,
    integer_words,
    quote,
    short,
)

SECTIONS = ("glossary", "spoken", "labels", "cues", "letters")

# The spoken vocabulary in English (each language's `spoken:` gives its own).
SPOKEN_EN = {
    "minus": "minus", "point": "point", "transposed": "transposed", "squared": "squared", "cubed": "cubed",
    "to the": "to the", "root": "root", "the sum of": "the sum of", "times": "times", "over": "over",
    "by": "by", "about": "about", "is about": "is about", "equals": "equals", "is not equal to": "is not equal to",
    "at most": "at most", "at least": "at least", "less than": "less than", "greater than": "greater than",
    "to": "to", "dot": "dot", "plus": "plus", "plus or minus": "plus or minus", "in": "in",
    "the sum": "the sum", "and": "and", "percent": "percent", "infinity": "infinity", "divided by": "divided by",
    "{name} of {arg}": "{name} of {arg}",  # a function applied: softmax(x)
    "d_k": "d sub k",  # the keys' width, said
    "token": "token", "tokens": "tokens",  # the English word as the voice should say it in the language
    "key": "key", "keys": "keys", "value": "value", "values": "values", "score": "score", "scores": "scores",
}


def words_path(lang: str) -> Path:
    return Path(str(resources.files("attention_explainer.narration") / "words" / f"{lang}.yaml"))


@lru_cache(maxsize=None)
def words_file(lang: str) -> dict[str, dict[str, str]]:
    """The sections of one language's words file ({} for English, which needs none)."""
    path = words_path(lang)
    if lang == DEFAULT_LANGUAGE and not path.exists():
        return {s: {} for s in SECTIONS}
    return read_words(path)


def read_words(path: Path) -> dict[str, dict[str, str]]:
    """A words file's sections, checked: a ValueError of one line names the file and the key.
    Cue keys are kept casefolded (a scene may write "Columns" or "columns")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: must be a mapping of sections ({', '.join(SECTIONS)})")
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise ValueError(f"{path.name}: unknown section '{unknown[0]}' (sections: {', '.join(SECTIONS)})")
    out: dict[str, dict[str, str]] = {}
    for section in SECTIONS:
        items = data.get(section) or {}
        if not isinstance(items, dict):
            raise ValueError(f"{path.name}: {section}: must be a mapping of English: translation")
        out[section] = {str(k): str(v) for k, v in items.items()}
    for cue, said in (data.get("cues") or {}).items():
        if not isinstance(said, str) or not said.strip():
            raise ValueError(f"{path.name}: cues: {cue}: must be the word of the line that says it, "
                             f"got {said!r}")
    out["cues"] = {k.casefold(): v.strip() for k, v in out["cues"].items()}
    return out


def words_digest(lang: str) -> str:
    """A digest of the language's words file (part of a scene's cache key)."""
    path = words_path(lang)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def _active(lang: Optional[str]) -> str:
    return lang or current_language().code


def tr(english: str, lang: Optional[str] = None, **fields: Any) -> str:
    """A label in the lesson language: its translation (English when none), fields filled."""
    code = _active(lang)
    text = english if code == DEFAULT_LANGUAGE else words_file(code)["labels"].get(english, english)
    return text.format(**fields) if fields else text


@lru_cache(maxsize=None)
def _patterns(lang: str) -> list[tuple["re.Pattern[str]", str]]:
    """(regex of an English template, its translation) for every label with fields."""
    out = []
    for english, translated in words_file(lang)["labels"].items():
        if "{" not in english:
            continue
        regex, names = "", []
        for literal, name, _, _ in string.Formatter().parse(english):
            regex += re.escape(literal)
            if name is not None:
                regex += f"(?P<{name}>.+?)" if name not in names else f"(?P={name})"
                names.append(name)
        out.append((re.compile(regex + r"\Z", re.S), translated))
    return sorted(out, key=lambda p: -len(re.sub(r"\(\?P[<=]\w+>?[^)]*\)", "", p[0].pattern)))  # most literal text first


def ui(text: str, lang: Optional[str] = None) -> str:
    """On-screen text in the lesson language: its translation, or the translation of the
    template it was made from with the values carried over (English, or no match: unchanged)."""
    code = _active(lang)
    if code == DEFAULT_LANGUAGE or not text:
        return text
    labels = words_file(code)["labels"]
    if text in labels:
        return labels[text]
    for pattern, translated in _patterns(code):
        match = pattern.match(text)
        if match:
            # a field named note... is itself a label (a note inside a note); others are values
            return translated.format(**{k: ui(v, code) if k.startswith("note") else v
                                        for k, v in match.groupdict().items()})
    return text


def cue_word(cue: str, lang: Optional[str] = None) -> str:
    """What says a scene's English cue word in the language's lines: its `cues:` entry (English,
    or none listed: the cue itself)."""
    code = _active(lang)
    if code == DEFAULT_LANGUAGE:
        return cue
    return words_file(code)["cues"].get(cue.casefold(), cue)


def word(name: str, lang: Optional[str] = None) -> str:
    """A word of the spoken vocabulary ("minus", "point", "transposed"...) in the language."""
    code = _active(lang)
    if code == DEFAULT_LANGUAGE:
        return SPOKEN_EN[name]
    return words_file(code)["spoken"].get(name, SPOKEN_EN[name])


# ------------------------------------------------------------------- numbers and tokens said
# Languages whose teachers read the digits after the decimal comma as one number ("zéro virgule
# dix-neuf"; leading zeros each said: "zéro virgule zéro cinq"). French read digit by digit
# ("zéro virgule un neuf") was heard "0,9" and "0,4" for 0,19 and 0,64 (listening back).
DECIMALS_AS_NUMBER = {"fr"}


def number_words(text: str, lang: Optional[str] = None) -> str:
    """A written number said in words: '−0,35' -> 'menos cero coma tres cinco' (the digits after
    the decimal symbol one by one, as a teacher reads them out; French: 'moins zéro virgule
    trente-cinq', DECIMALS_AS_NUMBER)."""
    code = _active(lang)
    dec = decimal_symbol(code)
    whole, _, frac = text.lstrip("−-").partition(dec)
    whole = re.sub(r"\D", "", whole)  # thousands separators
    parts = [word("minus", code)] if text[:1] in "−-" else []
    parts.append(integer_words(int(whole or 0), code))
    if frac:
        parts.append(word("point", code))
        digits = [d for d in frac if d.isdigit()]
        if code in DECIMALS_AS_NUMBER and digits and set(digits) != {"0"}:
            zeros = len(digits) - len("".join(digits).lstrip("0"))
            parts += [integer_words(0, code)] * zeros + [integer_words(int("".join(digits)), code)]
        else:
            parts += [integer_words(int(d), code) for d in digits]
    return " ".join(parts)


def token_text(tokens: Sequence[str], i: int, numbered: bool = True, lang: Optional[str] = None,
               limit: int = TOKEN_CHARS) -> str:
    """Token i said in a line: quoted, cut to `limit` characters, with its position when repeated
    ("“the” (token 4)")."""
    said = quote(short(tokens[i], limit), lang)
    if numbered and list(tokens).count(tokens[i]) > 1:
        return f"{said} ({tr('token {k}', lang=lang, k=i + 1)})"
    return said


def glossary(lang: str) -> dict[str, str]:
    """English term -> the term a class learns in `lang` (English: the term itself)."""
    if lang == DEFAULT_LANGUAGE:
        return {k: k for k in words_file(LANGUAGES_WITH_GLOSSARY[0])["glossary"]}
    return dict(words_file(lang)["glossary"])


def fields_of(template: str) -> set[str]:
    """The field names a label or line uses ({n}, {k:token} -> {'n', 'k'})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


LANGUAGES_WITH_GLOSSARY = [c for c in LANGUAGES if c != DEFAULT_LANGUAGE]
