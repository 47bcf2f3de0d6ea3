"""Which voice speaks a lesson language: the one place that turns (video.voice, language) into a
voice spec (no Manim).

Until the multilingual Kokoro voices land (engineer `voice`: `resolve_voice(spec, language)`),
the voices of today serve: English keeps its default (the offline neural voice, `neural`); any
other language is spoken by espeak-ng in that language when the config asks for the default
voice or for plain `espeak`. Every caller goes through `choose_voice`, so swapping in
`resolve_voice` is a change of this function's body only.
"""

from __future__ import annotations

from typing import Optional

from attention_explainer.config.languages import DEFAULT_LANGUAGE, LANGUAGES

DEFAULT_SPEC = "neural"  # config.models.VideoConfig.voice's default


def choose_voice(spec: Optional[str], language: str = DEFAULT_LANGUAGE) -> str:
    """The voice spec that speaks `language`: `spec` as given, except that the default voice and
    plain `espeak` become espeak-ng in that language ("espeak:es") outside English."""
    spec = (spec or DEFAULT_SPEC).strip()
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return spec
    if spec.lower() in (DEFAULT_SPEC, "espeak"):
        return f"espeak:{LANGUAGES[language].espeak}"
    return spec


def voice_note(spec: str, language: str) -> Optional[str]:
    """A plain sentence for the user when the language has no neural voice and espeak-ng speaks
    it (German), else None."""
    lang = LANGUAGES.get(language)
    if lang is None or lang.kokoro_voice is not None or not spec.lower().startswith("espeak"):
        return None
    return (f"{lang.name} ({lang.code}) has no neural voice: the narration is spoken by espeak-ng, "
            "a clear but robotic synthetic voice")
