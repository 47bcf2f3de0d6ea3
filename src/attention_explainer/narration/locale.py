"""The lesson language in use, and how it writes and says numbers and tokens (no Manim).

One place for the screen and the voice: scenes draw `number_text(-0.35, 2)` ("−0.35" in
English, "−0,35" in Spanish) and narration lines fill their fields with the same functions; the
voice says "minus zero point three five" / "menos cero coma tres cinco" (words.number_words,
with the language's own words for minus and the decimal point).

Locale data comes from libraries, not hand tables: Babel (CLDR) gives each language's decimal
symbol, num2words says integers in words. The language is chosen once per process
(`use_language`, done by `script.context_for` from the config's video.language); every function
here takes an explicit `lang` too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from attention_explainer.config.languages import DEFAULT_LANGUAGE, LANGUAGES, Language

MINUS = "\u2212"  # a true minus sign, on screen and in captions
TOKEN_CHARS = 22  # tokens said in a line are cut to this many characters ("…")

_active = DEFAULT_LANGUAGE


def use_language(code: str) -> None:
    """Make `code` the language of this process's numbers, tokens, labels and spoken forms."""
    global _active
    if code not in LANGUAGES:
        raise KeyError(code)
    _active = code


def current_language() -> Language:
    return LANGUAGES[_active]


def _lang(lang: Optional[str]) -> Language:
    return LANGUAGES[lang or _active]


# ------------------------------------------------------------------------------------ numbers
def decimal_symbol(lang: Optional[str] = None) -> str:
    """The decimal separator of the language's locale (Babel/CLDR): '.' or ','."""
    return _decimal_symbol(_lang(lang).locale)


@lru_cache(maxsize=None)
def _decimal_symbol(babel_locale: str) -> str:
    from babel.numbers import get_decimal_symbol

    return str(get_decimal_symbol(babel_locale))


def number_text(value: float, decimals: int = 2, lang: Optional[str] = None) -> str:
    """A number as the video shows it: fixed decimals, the language's decimal symbol, a true
    minus, never "-0.00"; beyond 10⁵ in scientific notation ("1.23·10^7")."""
    if abs(value) >= 1e5:
        mant, exp = f"{value:.{decimals}e}".split("e")
        return f"{number_text(float(mant), decimals, lang)}·10^{int(exp)}"
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS).replace(".", decimal_symbol(lang))


def parse_number(text: str, lang: Optional[str] = None) -> float:
    """Inverse of number_text (tests read numbers back off the screen)."""
    return float(text.replace(MINUS, "-").replace(decimal_symbol(lang), "."))


def number_pattern(lang: Optional[str] = None) -> "re.Pattern[str]":
    """A written number in the language: '−0.35', '0,35', '12'."""
    dec = re.escape(decimal_symbol(lang))
    if dec == r"\.":
        return re.compile(r"[−-]?\d+(?:,\d{3})*(?:\.\d+)?")
    return re.compile(rf"[−-]?\d+(?:{dec}\d+)?")


_NUM2WORDS = {"es": "es", "fr": "fr", "it": "it", "pt-BR": "pt_BR", "ja": "ja", "de": "de"}


def integer_words(n: int, lang: Optional[str] = None) -> str:
    """An integer in words, e.g. 12 -> 'doce' in Spanish: num2words, or ICU's spellout rules
    (icu4py) for the languages num2words lacks (hi, zh)."""
    code = _lang(lang).code
    if code in _NUM2WORDS:
        from num2words import num2words

        return str(num2words(int(n), lang=_NUM2WORDS[code]))
    from icu4py.messageformat import MessageFormat

    return str(MessageFormat("{n, spellout}", _lang(lang).locale).format({"n": int(n)}))


def count_text(k: int, spec: str, lang: Optional[str] = None) -> str:
    """A count with its noun: spec 'token' -> '1 token' / '3 tokens' (English adds s), spec
    'fila|filas' -> '1 fila' / '3 filas'; without '|' other languages keep the noun as written
    (zh/ja/hi nouns do not change)."""
    one, bar, many = spec.partition("|")
    if not bar:
        many = one + "s" if _lang(lang).code == "en" else one
    noun = one if k == 1 else many
    return f"{k}{'' if _lang(lang).script == 'cjk' and not noun[:1].isascii() else ' '}{noun}"


def article(k: int) -> str:
    """'a' or 'an' before a number said aloud in English: an 8, an 11, an 18, an 80…, a 16."""
    return "an" if str(k).startswith("8") or k in (11, 18) else "a"


# ------------------------------------------------------------------------------------- tokens
QUOTES = {"fr": ("« ", " »"), "de": ("„", "“"), "ja": ("「", "」"), "zh": ("“", "”")}


def quote(text: str, lang: Optional[str] = None) -> str:
    """Text in the language's quotation marks: “cat”, « chat », „Katze“, 「猫」."""
    left, right = QUOTES.get(_lang(lang).code, ("“", "”"))
    return f"{left}{text}{right}"


def short(token: str, limit: int = 18) -> str:
    """A token for a line or a tight label: longer than `limit`, cut with an ellipsis."""
    return token if len(token) <= limit else token[: limit - 1] + "…"
