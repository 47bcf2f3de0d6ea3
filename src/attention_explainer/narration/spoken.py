"""Spoken form of a written narration line: symbols and numbers said the way a teacher says them.

The captions show the written line (`QKᵀ / √d_k`); the voice reads the spoken one ("Q K
transposed over root d-k"). Rules work on one whitespace-separated token at a time, so every
written token knows which spoken words it became (`spoken_tokens`): captions use that to time
the written words from the spoken ones. A line's own spoken form (from the narration script)
replaces all of this.

In another lesson language the same rules speak its words (narration/words.py `word`: "menos",
"coma", "traspuesta") and its numbers (locale.number_words: "menos cero coma tres cinco").
"""

from __future__ import annotations

import re

from attention_explainer.narration.locale import current_language, number_pattern
from attention_explainer.narration.locale import integer_words as locale_integer_words
from attention_explainer.narration.units import join_units, units
from attention_explainer.narration.words import SPOKEN_EN
from attention_explainer.narration.words import number_words as locale_number_words
from attention_explainer.narration.words import word as vocab

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "θ": "theta",
         "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "φ": "phi", "ω": "omega"}
# Symbols that stand alone as a word, or glue two operands inside a token ("3×4", "a≈b").
OPERATORS = {"×": "by", "÷": "divided by", "≈": "about", "=": "equals", "≠": "is not equal to",
             "≤": "at most", "≥": "at least", "<": "less than", ">": "greater than", "→": "to",
             "·": "dot", "+": "plus", "±": "plus or minus", "∈": "in", "Σ": "the sum", "∑": "the sum",
             "√": "root", "&": "and", "%": "percent", "∞": "infinity"}
ALONE = {"×": "times", "−": "minus", "-": "minus", "/": "over", "—": ",", "–": ","}
SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
                "⁸": "8", "⁹": "9", "ⁿ": "n", "ᵢ": "i", "ʲ": "j", "ᵏ": "k"}
SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7",
              "₈": "8", "₉": "9", "ᵢ": "i", "ⱼ": "j", "ₖ": "k", "ₙ": "n"}
EDGE = "\"'“”‘’([{)]}.,;:!?…«»„。、，！？；：「」『』（）《》।"  # stripped from a token's ends
NUMBER = re.compile(r"[−-]?\d+(?:,\d{3})*(?:\.\d+)?")
APPLIED = re.compile(r"([A-Za-z]+)\((.+)\)(\w*)")  # a function applied: softmax(QKᵀ/√d_k)V
MATRIX = re.compile(r"[A-Z][A-Z₀-₉ᵀ]{0,3}")  # V, QKᵀ: after an applied function it is multiplied


def integer_words(n: int) -> str:
    """12 -> 'twelve', 2026 -> 'two thousand twenty six' (below a billion; larger: digit by digit)."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + integer_words(rest))
    for size, name in ((1_000_000, "million"), (1000, "thousand")):
        if n >= size and n < 1_000_000_000:
            rest = n % size
            return integer_words(n // size) + f" {name}" + ("" if rest == 0 else " " + integer_words(rest))
    return " ".join(ONES[int(d)] for d in str(n))


def number_words(text: str) -> str:
    """'−0.35' -> 'minus zero point three five'; '1,000' -> 'one thousand'."""
    sign = "minus " if text[0] in "−-" else ""
    whole, _, frac = text.lstrip("−-").replace(",", "").partition(".")
    said = integer_words(int(whole))
    if frac:
        said += " point " + " ".join(ONES[int(d)] for d in frac)
    return sign + said


def _english() -> bool:
    return current_language().code == "en"


def _say(name: str) -> str:
    """An operator or symbol word in the lesson language."""
    return SPOKEN_EN.get(name, name) if _english() else vocab(name)


def _number(text: str) -> str:
    return number_words(text) if _english() else locale_number_words(text)


def _integer(n: int) -> str:
    return integer_words(n) if _english() else locale_integer_words(n)


def _letters(core: str) -> str:
    """'QK' -> 'Q K' (matrix names and acronyms are said letter by letter)."""
    return " ".join(core) if re.fullmatch(r"[A-Z]{2,4}", core) else core


# English terms kept in a language's text, said as its words file's `spoken:` respells them
LOANWORDS = ("token", "tokens", "key", "keys", "value", "values", "score", "scores")


def _core(core: str) -> str:
    """The spoken form of a token without its surrounding punctuation."""
    if core.lower() in LOANWORDS:  # French "tokène", German "Kies": as a class says them (espeak said "tɔkɛ̃", "kaɪs")
        said = _say(core.lower())
        return said[:1].upper() + said[1:] if core[0].isupper() else said
    if core in ALONE:
        return ALONE[core] if ALONE[core] == "," else _say(ALONE[core])
    if core in OPERATORS:
        return _say(OPERATORS[core])
    if core in GREEK:
        return GREEK[core]
    if number_pattern().fullmatch(core):
        return _number(core)
    if APPLIED.fullmatch(core):
        return _operand(core)
    out: list[str] = []
    # operands joined by an operator inside one token: "3×4", "x≈0.5", "Z=AV"
    parts = re.split(r"([×÷≈=≠≤≥→·±<>+])", core)
    if len(parts) > 1 and all(parts[::2]):
        for i, part in enumerate(parts):
            out.append(_say("is about" if part == "≈" else OPERATORS[part]) if i % 2 else _operand(part))
        return " ".join(out)
    return _operand(core)


def _operand(core: str) -> str:
    applied = APPLIED.fullmatch(core)
    if applied:
        name, inner, after = applied.groups()
        said = _say("{name} of {arg}").format(name=name, arg=_core(inner))
        return said + (f", {_say('times')} {_operand(after)}" if after else "")
    if "/" in core and all(core.split("/")) and re.search(r"[A-Z√ᵀ^_\d]", core):  # QKᵀ/√d_k
        return f" {_say('over')} ".join(_core(part) for part in core.split("/"))
    said = core
    said = re.sub(r"^[Σ∑]", _say("the sum of") + " ", said)
    said = re.sub(r"^√", _say("root") + " ", said)
    tr = " " + _say("transposed")
    said = said.replace("ᵀ", tr).replace("^T", tr).replace("^⊤", tr)
    said = said.replace("⊤", tr)
    said = re.sub(r"\^2\b|²", " " + _say("squared"), said)
    said = re.sub(r"\^3\b|³", " " + _say("cubed"), said)
    said = re.sub(r"\^\(?([^\s)]+)\)?", lambda m: f" {_say('to the')} {m.group(1)}", said)  # e^s, e^(x)
    said = re.sub("[" + "".join(SUPERSCRIPTS) + "]+",
                  lambda m: f" {_say('to the')} " + "".join(SUPERSCRIPTS[c] for c in m.group(0)), said)
    said = re.sub("[" + "".join(SUBSCRIPTS) + "]+",
                  lambda m: " " + "".join(SUBSCRIPTS[c] for c in m.group(0)), said)
    # d_k as a teacher reads it ("d sub k", "de ka"): "d k is" was heard "decay is", "d-k" "deca" (docs/voices.md)
    said = re.sub(r"\bd_k\b", _say("d_k"), said)
    said = re.sub(r"_\{?([^\s}]+)\}?", r" \1", said)  # W_Q -> W Q, d_model -> d model
    said = "".join(GREEK.get(c, c) for c in said)
    words = []
    for word in said.split():
        if number_pattern().fullmatch(word):
            words.append(_number(word))
        elif re.fullmatch(r"\d+", word):
            words.append(_integer(int(word)))
        else:
            words.append(_letters(word))
    return " ".join(words)


def _bare(token: str) -> tuple[int, int]:
    """(start, end) of a token's core: its surrounding quotes, brackets and punctuation dropped
    (a bracket closing a function's argument stays: softmax(QKᵀ/√d_k))."""
    start, end = 0, len(token)
    while start < end and token[start] in EDGE:
        start += 1
    while end > start and token[end - 1] in EDGE:
        end -= 1
    while end < len(token) and token[end] == ")" and token[start:end].count("(") > token[start:end].count(")"):
        end += 1
    return start, end


def spoken_token(token: str) -> str:
    """One written token (may carry punctuation) -> its spoken form ('' for nothing to say)."""
    start, end = _bare(token)
    core = token[start:end]
    if not core:
        return token if any(c in ".,;:!?" for c in token) else ""
    # opening quotes and brackets are not said; a sentence's full stop stays in the tail
    # (a number's decimal point was kept in the core)
    tail = "".join(c for c in token[end:] if c in ".,;:!?…。、，！？；：।")
    return _core(core) + tail


def spoken_tokens(written: str) -> list[tuple[str, str]]:
    """(written token, its spoken form) for every whitespace-separated token of the line."""
    pairs = [(tok, spoken_token(tok)) for tok in units(written)]
    for i in range(1, len(pairs)):  # "softmax(QKᵀ/√d_k) V": the function's value times V
        (before, said_before), (tok, said) = pairs[i - 1], pairs[i]
        if APPLIED.fullmatch(before[slice(*_bare(before))]) and MATRIX.fullmatch(tok[slice(*_bare(tok))]):
            pairs[i - 1] = (before, said_before + ",")
            pairs[i] = (tok, f"{_say('times')} {said}")
    return pairs


def respell(spoken: str) -> str:
    """A line's own spoken form with the language's respelled terms (LOANWORDS: French "tokène",
    German "Kies"): the voice is given it as written, so without this "nos tokens" kept the nasal
    "tɔkɛ̃" the respelling exists to avoid. Nothing else changes (English: nothing at all)."""
    def one(token: str) -> str:
        start, end = _bare(token)
        core = token[start:end]
        return token[:start] + _core(core) + token[end:] if core.lower() in LOANWORDS else token
    return " ".join(one(t) for t in spoken.split(" "))


def to_spoken(written: str) -> str:
    """The whole line as the voice should read it."""
    return join_units([s for _, s in spoken_tokens(written) if s.strip()])
