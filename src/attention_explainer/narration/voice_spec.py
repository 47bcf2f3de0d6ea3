"""Which voice speaks a video's language: `resolve_voice(spec, language)` gives the full voice spec
(the language's default when none is given), `voice_note` a plain word for the user about it."""

from __future__ import annotations

from typing import Optional

from attention_explainer.config.languages import LANGUAGES
from attention_explainer.narration.voice import VoiceError, parse_voice_spec

ENGLISH_DEFAULT = "neural"  # measured in docs/voices.md: joe (Piper) vs af_heart (Kokoro)


def resolve_voice(spec: Optional[str], language: str) -> str:
    """The full voice spec for a video in `language` (a code of config/languages.py).
    None or `default`: that language's default (English: ENGLISH_DEFAULT; German: espeak-ng).
    `neural`: the offline neural voice of the language (English: Piper joe; others: their Kokoro
    voice; German has none: espeak-ng). `kokoro` or `kokoro:NAME` get the language
    (`kokoro:NAME@LANG`); `espeak` gets the language's espeak-ng voice; `wav-dir:PATH+VOICE`
    resolves VOICE. Raises VoiceError when the voice cannot speak it."""
    if language not in LANGUAGES:
        raise VoiceError(f"unknown language '{language}'; known: {', '.join(LANGUAGES)}")
    lang = LANGUAGES[language]
    if spec is None or spec.strip() in ("", "default") or (spec.strip() == "neural" and language != "en"):
        spec = ENGLISH_DEFAULT if language == "en" else lang.default_voice
    recorded, plus, rest = spec.strip().partition("+")
    if plus:
        return f"{recorded}+{resolve_voice(rest, language)}"
    name, arg = parse_voice_spec(spec)
    if name == "kokoro":
        voice_name = arg.partition("@")[0] or lang.kokoro_voice
        if not voice_name or lang.kokoro_lang is None:
            raise VoiceError(f"--voice kokoro: no Kokoro voice speaks {lang.name}; use {lang.default_voice}")
        return f"kokoro:{voice_name}@{language}"
    if name == "espeak" and not arg:
        return f"espeak:{lang.espeak}"
    return spec.strip()


def voice_note(spec: str, language: str) -> Optional[str]:
    """A plain word to show the user about the chosen voice, e.g. German's espeak-ng."""
    if language == "de" and parse_voice_spec(spec.rpartition("+")[2])[0] == "espeak":
        return ("German has no neural voice: the narration is espeak-ng's (clear but robotic); "
                "record your own lines with --voice wav-dir:PATH+espeak:de to replace some")
    return None
