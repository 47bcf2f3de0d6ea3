"""Templates of narration lines: how a field is said, and the checks a line must pass (no Manim).

The template language (str.format-style named fields, no code) is described in
narration/script.py; this module fills one field and checks one template or condition.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any, Mapping

from attention_explainer.errors import ConfigError, did_you_mean, one_line
from attention_explainer.narration.locale import TOKEN_CHARS, article, count_text, number_text  # noqa: F401
from attention_explainer.narration.words import token_text

MAX_LINE_CHARS = 300  # a caption chunk shows at most 2 lines; longer lines are split and drag
KINDS = ("count", "number", "text", "token", "intro_token", "flag")

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_NOUN = re.compile(r"[^\W\d_][\w\u0900-\u097F' -]*(\|[^\W\d_][\w\u0900-\u097F' -]*)?\Z")  # + Devanagari marks
_DECIMALS = re.compile(r"\.([0-4])\Z")


# ------------------------------------------------------------------------------ numbers, tokens
# One place for the screen and the voice, in the lesson language: narration/locale.py.
def render_value(value: Any, kind: str, spec: str, tokens: tuple[str, ...], intro_tokens: tuple[str, ...]) -> str:
    """One field as said in a line (kinds and specs: see narration/script.py)."""
    if kind == "count":
        if spec == "a":
            return f"{article(int(value))} {int(value)}"
        if spec:
            return count_text(int(value), spec)
        return str(int(value))
    if kind == "number":
        match = _DECIMALS.match(spec)
        return number_text(float(value), int(match.group(1)) if match else 2)
    if kind == "token":
        return token_text(tokens, int(value))
    if kind == "intro_token":
        return token_text(intro_tokens, int(value), numbered=False)
    return str(value)


# ------------------------------------------------------------------------------------ checks
def spec_ok(kind: str, spec: str) -> bool:
    if not spec:
        return True
    if kind == "count":
        return spec == "a" or bool(_NOUN.match(spec))
    return kind == "number" and bool(_DECIMALS.match(spec))


def check_template(line_id: str, template: Any, kinds: Mapping[str, str]) -> str:
    """The template, or a ConfigError naming the line: not text, empty, too long, a placeholder
    that does not exist or a spec its kind does not take."""
    if not isinstance(template, str):
        raise ConfigError(f"narration line '{line_id}': must be text, got {type(template).__name__}")
    if not template.strip():
        raise ConfigError(f"narration line '{line_id}' is empty; write the line or leave the id out")
    for i, ch in enumerate(template):
        if (unicodedata.category(ch) == "Cc" and ch not in "\t\n") or unicodedata.category(ch) == "Cs":
            raise ConfigError(f"narration line '{line_id}' contains the character U+{ord(ch):04X} at "
                              f"position {i + 1}, which cannot be shown; remove it")
    if len(template) > MAX_LINE_CHARS:
        raise ConfigError(f"narration line '{line_id}' is {len(template)} characters; the limit is "
                          f"{MAX_LINE_CHARS} (captions show 2 lines at a time)")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ConfigError(one_line(f"narration line '{line_id}': {e} (write {{{{ and }}}} for a brace)")) from None
    usable = [k for k, kind in kinds.items() if kind != "flag"]
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in usable:
            raise ConfigError(one_line(f"narration line '{line_id}': unknown placeholder {{{name}}}"
                                       f"{did_you_mean(name, usable) if _NAME.match(name) else ''}"))
        if conversion or not spec_ok(kinds[name], spec or ""):
            raise ConfigError(one_line(f"narration line '{line_id}': {{{name}}} does not take "
                                       f"'{'!' + conversion if conversion else ':' + str(spec)}' "
                                       f"(a {kinds[name]}; see `attention-explainer narration`)"))
    return template


def check_condition(line_id: str, cond: Any, flags: list[str]) -> str:
    if not isinstance(cond, str) or not cond.strip():
        raise ConfigError(f"narration line '{line_id}': a variant needs a condition name")
    for term in cond.split(" and "):
        name = term.strip().removeprefix("not ").strip()
        if name not in flags:
            raise ConfigError(one_line(f"narration line '{line_id}': unknown condition '{name}'"
                                       f"{did_you_mean(name, flags)}"))
    return cond


def holds(cond: str, flags: Mapping[str, bool]) -> bool:
    for term in cond.split(" and "):
        term = term.strip()
        negated = term.startswith("not ")
        if bool(flags[term.removeprefix("not ").strip()]) == negated:
            return False
    return True
