"""The lesson's languages: one record per code, the single place that says how each language is
written, spoken and heard back. Plain data, imported by config (validation), narration (script,
voices, numbers, listening back) and the scenes (labels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

Script = Literal["latin", "cjk", "devanagari"]


@dataclass(frozen=True)
class Language:
    """How one language is written, spoken and heard back."""

    code: str  # the code users type: en, es, fr, it, pt-BR, hi, zh, ja, de
    name: str  # its name in English, for messages and docs
    native: str  # its name in itself, for the page and the docs
    script: Script  # how captions are cut: by words (latin, devanagari) or by characters (cjk)
    locale: str  # Babel locale for number formats (decimal comma or point, minus sign)
    espeak: str  # espeak-ng voice (separate process): phonemes, or the voice itself for de
    whisper: str  # Whisper's language code for listening back
    kokoro_voice: Optional[str]  # default Kokoro-82M voice (None: no neural voice exists)
    kokoro_lang: Optional[str]  # Kokoro's one-letter language id (misaki's), None without one
    metric: Literal["wer", "cer"]  # listening back counts words, or characters where no spaces

    @property
    def default_voice(self) -> str:
        """The voice spec used when the config names none for this language."""
        return f"kokoro:{self.kokoro_voice}" if self.kokoro_voice else f"espeak:{self.espeak}"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "English", "latin", "en_US", "en-us", "en", "af_heart", "a", "wer"),
        Language("es", "Spanish", "Español", "latin", "es_ES", "es", "es", "ef_dora", "e", "wer"),
        Language("fr", "French", "Français", "latin", "fr_FR", "fr-fr", "fr", "ff_siwis", "f", "wer"),
        Language("it", "Italian", "Italiano", "latin", "it_IT", "it", "it", "if_sara", "i", "wer"),
        Language("pt-BR", "Portuguese (Brazil)", "Português (Brasil)", "latin", "pt_BR", "pt-br", "pt",
                 "pf_dora", "p", "wer"),
        Language("hi", "Hindi", "हिन्दी", "devanagari", "hi_IN", "hi", "hi", "hf_alpha", "h", "wer"),
        Language("zh", "Chinese (Mandarin)", "中文", "cjk", "zh_Hans_CN", "cmn", "zh", "zf_xiaobei", "z",
                 "cer"),
        Language("ja", "Japanese", "日本語", "cjk", "ja_JP", "ja", "ja", "jf_alpha", "j", "cer"),
        Language("de", "German", "Deutsch", "latin", "de_DE", "de", "de", None, None, "wer"),
    )
}

DEFAULT_LANGUAGE = "en"


def language_codes() -> list[str]:
    """The codes in the order users see them listed."""
    return list(LANGUAGES)
