"""The narration script: every line of the video as data, keyed by beat id (no Manim).

The English script ships as `script.yaml` beside this module, the other languages' as
`scripts/<code>.yaml` (same ids, same fields; `fields:` are declared in English only). A config's
`video.narration` names a file (or holds a mapping) that overrides any line of the script of its
`video.language`. A line is a template:

    math-softmax-sum:
      fields: {total: number}                  # values the scene passes (kind per name)
      text: "Add them all up. The sum is {total}."
      spoken: ...                              # optional: what a voice says instead
      variants:                                # optional: the first whose condition holds wins
        causal: "..."                          # a name, or "a and not b"

Templates use str.format-style named fields only: `{name}` or `{name:spec}`; no indexing, no
attribute access, no conversions, nothing evaluated. Specs: for counts a noun, pluralised
(`{n:token}` -> "1 token", "3 tokens"; `{n:child|children}`) or `a` ("a 4", "an 8"); for numbers
decimals (`{weight:.3}`). Fields every line may use come from the config and the trace
(GLOBAL_FIELDS); a line's own fields are declared under `fields:` and passed by its scene
(`self.beat(key="softmax-sum", total=...)`). Conditions: GLOBAL_CONDITIONS, plus the line's own
`flag` fields.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from attention_explainer.config.catalog import scene_ids
from attention_explainer.config.languages import DEFAULT_LANGUAGE, LANGUAGES
from attention_explainer.core.tokens import tokenize
from attention_explainer.errors import ConfigError, did_you_mean, one_line
from attention_explainer.narration.locale import current_language, use_language
from attention_explainer.narration.spoken import respell
from attention_explainer.narration.words import words_digest
from attention_explainer.narration.template import (  # noqa: F401 (re-exported)
    KINDS,
    MAX_LINE_CHARS,
    TOKEN_CHARS,
    check_condition,
    check_template,
    holds,
    number_text,
    render_value,
    token_text,
)


# name -> (kind, meaning); filled by `context_for` from the config and the trace
GLOBAL_FIELDS: dict[str, tuple[str, str]] = {
    "sentence": ("text", "the config's sentence, as typed"),
    "n": ("count", "tokens in the sentence"),
    "d_model": ("count", "model width (model.d_model)"),
    "d_k": ("count", "width of queries, keys and values (model.d_k)"),
    "sqrt_d_k": ("number", "√d_k (2 decimals)"),
    "heads": ("count", "heads of the multi-head segment (model.heads)"),
    "d_head": ("count", "width of one head, d_model / heads"),
    "first_token": ("text", "the first token, quoted"),
    "last_token": ("text", "the last token, quoted"),
    "intro_n": ("count", "tokens in video.intro_sentence"),
}
GLOBAL_CONDITIONS: dict[str, str] = {
    "causal": "model.causal is on",
    "positional": "model.positional_encoding is on",
    "one_token": "the sentence is one token",
    "sliced": "more than 8 tokens (the math segment shows a slice)",
    "long_sentence": "the sentence is longer than 60 characters",
    "one_dk": "d_k is 1",
    "exact_root": "√d_k is exact at 2 decimals",
    "weights_given": "W_Q, W_K and W_V all come from the config",
    "some_weights_given": "some, not all, of W_Q, W_K, W_V come from the config",
    "one_head": "model.heads is 1",
    "two_heads": "model.heads is 2",
    "one_intro_token": "video.intro_sentence is one token",
}


@dataclass(frozen=True)
class Line:
    """A filled line: `text` for captions, `spoken` (None: the text) for a voice."""

    id: str
    text: str
    spoken: Optional[str] = None

    @property
    def voice(self) -> str:
        return self.spoken or self.text


@dataclass(frozen=True)
class Form:
    text: str
    spoken: Optional[str] = None

    def data(self) -> Any:
        return self.text if self.spoken is None else {"text": self.text, "spoken": self.spoken}


@dataclass(frozen=True)
class Entry:
    """One line of the script: its default form, variants by condition, and the scene's fields."""

    id: str
    form: Form
    variants: tuple[tuple[str, Form], ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """As written in a script file (what `attention-explainer narration` prints)."""
        out: dict[str, Any] = {"text": self.form.text}
        if self.form.spoken is not None:
            out["spoken"] = self.form.spoken
        if self.variants:
            out["variants"] = {cond: form.data() for cond, form in self.variants}
        return out


@dataclass(frozen=True)
class Context:
    """What lines are filled from: the global fields and conditions of one config and trace."""

    values: Mapping[str, Any]
    flags: Mapping[str, bool]
    tokens: tuple[str, ...]
    intro_tokens: tuple[str, ...]


# ------------------------------------------------------------------------------------ script
class Script:
    """Entries by id, in script order. `line()` fills one; `with_overrides()` replaces some."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self.entries = dict(entries)

    def kinds(self, line_id: str) -> dict[str, str]:
        """Every field a line may use, with its kind (global ones and the scene's own)."""
        own = self.entries[line_id].fields
        return {**{k: kind for k, (kind, _) in GLOBAL_FIELDS.items()}, **own,
                **{c: "flag" for c in GLOBAL_CONDITIONS}}

    def ids(self, scene_id: Optional[str] = None) -> list[str]:
        return [i for i in self.entries if scene_id is None or scene_of(i) == scene_id]

    def line(self, line_id: str, ctx: Context, beat_id: Optional[str] = None, **values: Any) -> Line:
        """The filled line; `values` are exactly the entry's declared fields (a scene bug otherwise)."""
        entry = self.entries[line_id]
        if set(values) != set(entry.fields):
            raise TypeError(f"{line_id}: the scene passes {sorted(values)}, the script declares "
                            f"{sorted(entry.fields)}")
        kinds = self.kinds(line_id)
        flags = {**ctx.flags, **{k: bool(v) for k, v in values.items() if entry.fields[k] == "flag"}}
        form = next((f for cond, f in entry.variants if holds(cond, flags)), entry.form)
        all_values = {**ctx.values, **values}

        def fill(template: str) -> str:
            out = []
            for literal, name, spec, _ in string.Formatter().parse(template):
                out.append(literal)
                if name is not None:
                    out.append(render_value(all_values[name], kinds[name], spec or "", ctx.tokens, ctx.intro_tokens))
            return "".join(out)

        # a line's own spoken form keeps the language's respelled terms (tokène) as to_spoken does
        return Line(beat_id or line_id, fill(form.text), None if form.spoken is None else respell(fill(form.spoken)))

    def with_overrides(self, overrides: Optional[Mapping[str, Any]]) -> "Script":
        """A copy with the given lines replaced (each a whole line: text, spoken and variants)."""
        if not overrides:
            return self
        entries = dict(self.entries)
        for line_id, data in overrides.items():
            base = entries[line_id]
            entries[line_id] = _entry(line_id, data, base.fields)
        return Script(entries)

    def to_yaml(self, ids: Optional[list[str]] = None) -> str:
        """The lines as an override file a user can edit (a comment lists each line's fields)."""
        blocks = []
        for line_id in ids if ids is not None else list(self.entries):
            entry = self.entries[line_id]
            text = yaml.safe_dump({line_id: entry.data()}, allow_unicode=True, sort_keys=False, width=1000)
            if entry.fields:
                own = ", ".join(f"{k} ({kind})" for k, kind in entry.fields.items())
                text = f"# {line_id} also knows: {own}\n{text}"
            blocks.append(text + "\n")
        return "".join(blocks)


def scene_of(line_id: str) -> str:
    """The scene a line belongs to: the longest scene id that prefixes it ("math-x" -> "math")."""
    owners = [s for s in scene_ids() if line_id.startswith(f"{s}-")]
    return max(owners, key=len) if owners else ""


def _form(line_id: str, data: Any, kinds: Mapping[str, str]) -> Form:
    if isinstance(data, Mapping):
        unknown = [k for k in data if k not in ("text", "spoken")]
        if unknown:
            raise ConfigError(one_line(f"narration line '{line_id}': unknown key '{unknown[0]}' in a "
                                       f"variant{did_you_mean(str(unknown[0]), ['text', 'spoken'])}"))
        spoken = data.get("spoken")
        return Form(check_template(line_id, data.get("text"), kinds),
                    None if spoken is None else check_template(line_id, spoken, kinds))
    return Form(check_template(line_id, data, kinds))


def _entry(line_id: str, data: Any, fields: Mapping[str, str]) -> Entry:
    """An entry from its file form ("text", or a mapping of text/spoken/variants[/fields])."""
    kinds = {**{k: kind for k, (kind, _) in GLOBAL_FIELDS.items()}, **fields,
             **{c: "flag" for c in GLOBAL_CONDITIONS}}
    if not isinstance(data, Mapping):
        return Entry(line_id, _form(line_id, data, kinds), (), fields)
    allowed = ["text", "spoken", "variants"]
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ConfigError(one_line(f"narration line '{line_id}': unknown key '{unknown[0]}'"
                                   f"{did_you_mean(str(unknown[0]), allowed)}"))
    variants = data.get("variants") or {}
    if not isinstance(variants, Mapping):
        raise ConfigError(f"narration line '{line_id}': variants must be a mapping of condition: line")
    flags = [k for k, kind in kinds.items() if kind == "flag"]
    return Entry(line_id, _form(line_id, {k: data.get(k) for k in ("text", "spoken") if k in data}, kinds),
                 tuple((check_condition(line_id, c, flags), _form(line_id, v, kinds))
                       for c, v in variants.items()), fields)


def script_path(language: str = DEFAULT_LANGUAGE) -> Path:
    """The shipped script of a language: script.yaml (English) or scripts/<code>.yaml."""
    base = resources.files("attention_explainer.narration")
    name = "script.yaml" if language == DEFAULT_LANGUAGE else f"scripts/{language}.yaml"
    return Path(str(base / name))


@lru_cache(maxsize=None)
def default_script(language: str = DEFAULT_LANGUAGE) -> Script:
    """The script shipped with the package, in one language (English: the reference, which
    declares every line's fields; a translation has the same ids and takes English's fields)."""
    path = script_path(language)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    english = None if language == DEFAULT_LANGUAGE else default_script(DEFAULT_LANGUAGE)
    entries = {}
    for line_id, item in data.items():
        fields = dict(item.pop("fields", None) or {}) if isinstance(item, dict) else {}
        if english is not None:
            if line_id not in english.entries:
                raise ValueError(f"{path.name}: line '{line_id}' is not in the English script")
            if fields and fields != dict(english.entries[line_id].fields):
                raise ValueError(f"{path.name}: {line_id}: fields differ from the English script's")
            fields = dict(english.entries[line_id].fields)
        bad = [k for k, kind in fields.items() if kind not in KINDS or k in GLOBAL_FIELDS]
        if bad:
            raise ValueError(f"{path.name}: {line_id}: field {bad[0]} redefines a global or has no kind")
        entries[line_id] = _entry(line_id, item, fields)
    if english is not None:  # a line not yet translated is said in English (the tests list them)
        entries = {i: entries.get(i, e) for i, e in english.entries.items()}
    return Script(entries)


def parse_overrides(data: Any, source: str = "video.narration") -> dict[str, Any]:
    """Check an override mapping (id -> line) against the script; its normal form, or a
    ConfigError naming the source and the line."""
    at = f"{source}: " if source else ""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{at}must be a mapping of line id: line, got {type(data).__name__}")
    script = default_script()
    known = list(script.entries)
    out: dict[str, Any] = {}
    for line_id, item in data.items():
        if line_id not in script.entries:
            raise ConfigError(one_line(f"{at}unknown narration line '{line_id}'"
                                       f"{did_you_mean(str(line_id), known)}"))
        try:
            out[line_id] = _entry(line_id, item, script.entries[line_id].fields).data()
        except ConfigError as e:
            raise ConfigError(one_line(f"{at}{e}")) from None
    return out


def script_for(overrides: Any, language: Optional[str] = None) -> Script:
    """The effective script: the shipped one of `language` (default: the language in use, see
    locale.use_language) with a config's checked overrides (the mapping `check_narration` puts
    in `video.narration`; anything else: none)."""
    code = language or current_language().code
    return default_script(code).with_overrides(overrides if isinstance(overrides, Mapping) else None)


def context_for(cfg: Any, trace: Any) -> Context:
    """The global fields and conditions of a config and its trace. Makes the config's
    video.language the one in use (numbers, quoted tokens, labels, spoken forms)."""
    use_language(getattr(cfg.video, "language", DEFAULT_LANGUAGE))
    tokens, m = tuple(trace.tokens), cfg.model
    intro = tuple(tokenize(cfg.video.intro_sentence))
    root = float(trace.sqrt_d_k)
    given = sum(getattr(m, k) is not None for k in ("W_Q", "W_K", "W_V"))
    values = {
        "sentence": cfg.sentence, "n": len(tokens), "d_model": m.d_model, "d_k": m.d_k,
        "sqrt_d_k": root, "heads": m.heads, "d_head": m.d_model // m.heads,
        "first_token": token_text(tokens, 0, numbered=False),
        "last_token": token_text(tokens, len(tokens) - 1, numbered=False), "intro_n": len(intro),
    }
    flags = {
        "causal": bool(m.causal), "positional": bool(m.positional_encoding), "one_token": len(tokens) == 1,
        "sliced": len(tokens) > 8, "long_sentence": len(cfg.sentence) > 60, "one_dk": m.d_k == 1,
        "exact_root": abs(root - round(root, 2)) <= 1e-9 * max(1.0, root),
        "weights_given": given == 3, "some_weights_given": 0 < given < 3,
        "one_head": m.heads == 1, "two_heads": m.heads == 2, "one_intro_token": len(intro) == 1,
    }
    return Context(values, flags, tokens, intro)


def scene_lines(scene_id: str, overrides: Optional[Mapping[str, Any]],
                language: Optional[str] = None) -> dict[str, Any]:
    """The effective lines of one scene (its part of the render cache key: editing a line of
    another scene leaves this scene's segment valid); in another language than English, with a
    digest of that language's on-screen words under "@words"."""
    code = language if language in LANGUAGES else DEFAULT_LANGUAGE
    script = script_for(overrides, code)
    lines = {i: script.entries[i].data() for i in script.ids(scene_id)}
    if code != DEFAULT_LANGUAGE:
        lines["@words"] = f"{code}:{words_digest(code)}"
    return lines
