"""The config's pydantic v2 models: field paths in errors, no unknown keys, frozen results, and
the JSON Schema that `attention-explainer schema` prints, with one description per field."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from attention_explainer.config.languages import DEFAULT_LANGUAGE, LANGUAGES, language_codes
from attention_explainer.config.quality import QUALITY_HELP, Quality
from attention_explainer.config.limits import (
    MAX_ABS_VALUE,
    MAX_DIM,
    MAX_PRECISION,
    MAX_SENTENCE_CHARS,
    MAX_TOKENS,
)
from attention_explainer.core.focus import focus_index, focus_problem
from attention_explainer.core.intro_link import link_problem
from attention_explainer.core.spec import AttentionSpec, RealModelSpec, frozen_rows
from attention_explainer.core.tokens import tokenize
from attention_explainer.errors import closest
from attention_explainer.config.catalog import DEFAULT_SCENE_IDS, scene_ids

Matrix = list[list[float]]


def _check_text(v: str) -> str:
    """Refuse characters that cannot be shown: controls other than tab and newline, and lone
    surrogates (possible through YAML escapes such as "\\x1b" or "\\ud800")."""
    for i, ch in enumerate(v):
        cat = unicodedata.category(ch)
        if cat == "Cc" and ch not in "\t\n\r":
            raise ValueError(f"contains the control character U+{ord(ch):04X} at position {i + 1}; remove it")
        if cat == "Cs":
            raise ValueError(f"contains U+{ord(ch):04X} at position {i + 1}, half of a surrogate pair, "
                             "which is not text; remove it")
    return v


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_matrix(name: str, value: Optional[Matrix]) -> Optional[Matrix]:
    if value is None:
        return None
    if not value:
        raise ValueError("must not be empty")
    width = len(value[0])
    for i, row in enumerate(value):
        if len(row) != width:
            raise ValueError(f"row {i} has {len(row)} numbers but row 0 has {width}")
        for j, x in enumerate(row):
            if not math.isfinite(x):
                raise ValueError(f"entry [{i}][{j}] must be a finite number, got {x}")
            if abs(x) > MAX_ABS_VALUE:
                raise ValueError(f"entry [{i}][{j}] = {x:g} is beyond the limit of ±{MAX_ABS_VALUE:g}")
    return value


class ModelConfig(_Section):
    """Sizes and numbers of the single attention head."""

    d_model: int = Field(4, description=f"Width of each token embedding (1 to {MAX_DIM}).")
    d_k: int = Field(3, description=f"Width of queries, keys and values (1 to {MAX_DIM}).")
    seed: int = Field(0, description="Seed for the embeddings and weights that are not given.")
    causal: bool = Field(False, description="Mask future tokens (decoder-style attention).")
    embeddings: Optional[Matrix] = Field(
        None, description="Optional X: one row of d_model numbers per token."
    )
    W_Q: Optional[Matrix] = Field(None, description="Optional query weights, d_model rows × d_k columns.")
    W_K: Optional[Matrix] = Field(None, description="Optional key weights, d_model rows × d_k columns.")
    W_V: Optional[Matrix] = Field(None, description="Optional value weights, d_model rows × d_k columns.")
    heads: int = Field(
        2,
        description=(
            "Heads of the optional multi-head segment (1 to d_model); each head is d_model/heads "
            "wide, so heads must divide d_model."
        ),
    )
    positional_encoding: bool = Field(
        False,
        description=(
            "Add the sin/cos positional encoding to X before the projections, in every segment "
            "(the math segment then shows X = embeddings + positions)."
        ),
    )

    @field_validator("d_model", "d_k")
    @classmethod
    def _dimension(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"must be a positive integer, got {v}")
        if v > MAX_DIM:
            raise ValueError(f"must be at most {MAX_DIM} (larger cannot be shown), got {v}")
        return v

    @field_validator("seed")
    @classmethod
    def _seed(cls, v: int) -> int:
        if v < 0:
            raise ValueError(f"must be a non-negative integer, got {v}")
        return v

    @field_validator("heads")
    @classmethod
    def _heads(cls, v: int) -> int:
        if not 1 <= v <= MAX_DIM:
            raise ValueError(f"must be an integer from 1 to {MAX_DIM}, got {v}")
        return v

    @field_validator("embeddings", "W_Q", "W_K", "W_V")
    @classmethod
    def _matrix(cls, v: Optional[Matrix], info: Any) -> Optional[Matrix]:
        return _check_matrix(info.field_name, v)


class DisplayConfig(_Section):
    """How the numbers and the frame look."""

    precision: int = Field(
        1,
        description=(
            "Decimals of X and the weights (0 to 3). Generated inputs are rounded to it, so "
            "Q, K, V (shown with twice as many decimals) are exact products a viewer can check."
        ),
    )
    theme: Literal["dark", "light"] = Field("dark", description="Colour theme of the video.")
    captions: bool = Field(True, description="Show the narration as on-screen captions.")

    @field_validator("precision")
    @classmethod
    def _precision(cls, v: int) -> int:
        if not 0 <= v <= MAX_PRECISION:
            raise ValueError(f"must be an integer from 0 to {MAX_PRECISION}, got {v}")
        return v


class VideoConfig(_Section):
    """Which segments, in which order, at which quality."""

    scenes: list[str] = Field(
        list(DEFAULT_SCENE_IDS),
        description="Scene ids in video order (see `attention-explainer scenes`).",
    )
    quality: Quality = Field("h", description=f"Manim quality letter: {QUALITY_HELP}.")
    intro_sentence: str = Field(
        "The animal didn't cross the street because it was too tired",
        description="Sentence of the why-attention segment, where a long-range link matters.",
    )
    closing_line: str = Field(
        "Attention is all you need, and now you know how it works.",
        description="Last line of the outro.",
    )
    focus: Optional[int | str] = Field(
        None,
        description=(
            "The query the video works through: a token as typed (\"bank\"; a repeated word means its "
            "first occurrence, \"the (2)\" the second) or its 1-based position. The math segment works "
            "its row, the heatmap reads it, the pipeline follows it. Default: the last token in the "
            "math segment, the most peaked row in the heatmap."
        ),
    )
    intro_link: Optional[list[str]] = Field(
        None,
        description=(
            "The link the why-attention segment asks about: [word, the word it refers to], both words "
            "of intro_sentence (\"[it, animal]\"); the real-model segment answers it. Default: an "
            "English guess (the last pronoun and the noun after a determiner before it)."
        ),
    )
    narration: Optional[str | dict[str, Any]] = Field(
        None,
        description=(
            "Your own narration lines: a YAML file (path relative to this config) of `line id: line`, "
            "overriding only the lines it gives; `attention-explainer narration` prints them all."
        ),
    )
    language: str = Field(
        DEFAULT_LANGUAGE,
        description=(
            "Language of everything the viewer reads or hears (narration, captions, labels, numbers): "
            + ", ".join(language_codes()) + " (`--language` overrides; see docs/languages.md)."
        ),
    )
    voice: str = Field(
        "neural",
        description=(
            "Narration voice (`--voice` overrides): neural (offline neural voice, the default), "
            "kokoro[:NAME] (Kokoro-82M, any language), espeak[:VOICE], wav-dir:PATH[+VOICE] (your "
            "recordings, <line-id>.wav; VOICE says the others), cmd:TEMPLATE (any TTS program "
            "writing {out}), or none (captions only). See docs/voices.md."
        ),
    )

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        if v not in LANGUAGES:
            raise ValueError(f"unknown language '{v}'; choose one of: {', '.join(language_codes())}")
        return v

    @field_validator("scenes")
    @classmethod
    def _scenes(cls, v: list[str]) -> list[str]:
        known = scene_ids()
        if not v:
            raise ValueError("must list at least one scene")
        for s in v:
            if s not in known:
                hint = closest(s, known)
                tip = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                raise ValueError(f"unknown scene '{s}'{tip}")
        if len(set(v)) != len(v):
            raise ValueError("lists a scene twice")
        return v

    @field_validator("focus", mode="before")
    @classmethod
    def _focus_type(cls, v: Any) -> Any:
        if v is None or isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)):
            return v
        raise ValueError(f"must be a token (a string) or a 1-based position (an integer), got {v!r}")

    @field_validator("narration", mode="before")
    @classmethod
    def _narration(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, (str, dict)):
            raise ValueError(f"must name a YAML file of narration lines, got {type(v).__name__}")
        # A mapping (inline, or the lines of the file) is checked against the script by the
        # narration layer (narration/config_check.py), as is the voice.
        if isinstance(v, str) and not v.strip():
            raise ValueError("must name a YAML file of narration lines (or be left out)")
        return v

    @field_validator("intro_sentence", "closing_line")
    @classmethod
    def _line(cls, v: str, info: Any) -> str:
        if not tokenize(v):  # blank, or invisible characters only
            raise ValueError("must not be empty")
        if len(v) > MAX_SENTENCE_CHARS:
            raise ValueError(f"must be at most {MAX_SENTENCE_CHARS} characters, got {len(v)}")
        _check_text(v)
        if info.field_name == "intro_sentence":  # read token by token, like the sentence
            n = len(tokenize(v))
            if n > MAX_TOKENS:
                raise ValueError(f"has {n} tokens; the limit is {MAX_TOKENS}")
        return v


def _check_sentence(v: str) -> str:
    """A sentence the video can tokenize and show: not too long, printable, 1 to MAX_TOKENS tokens."""
    if len(v) > MAX_SENTENCE_CHARS:
        raise ValueError(f"must be at most {MAX_SENTENCE_CHARS} characters, got {len(v)}")
    _check_text(v)
    n = len(tokenize(v))
    if n == 0:
        raise ValueError("has no tokens; write at least one word")
    if n > MAX_TOKENS:
        raise ValueError(f"has {n} tokens; the limit is {MAX_TOKENS}")
    return v


class RealModelConfig(_Section):
    """The pretrained model of the optional real-model segment (and `export --real-model`)."""

    path: Optional[str] = Field(
        None,
        description=(
            "Folder of a BERT-family model (config.json, model.safetensors, tokenizer.json or "
            "vocab.txt), e.g. a download of bert-base-uncased. Default: the packaged all-MiniLM-L6-v2."
        ),
    )
    sentence: Optional[str] = Field(
        None, description="Sentence the real model reads (default: the main sentence)."
    )

    @field_validator("path")
    @classmethod
    def _path(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not v.strip():
            raise ValueError("must not be empty (leave it out for the packaged model)")
        return v

    @field_validator("sentence")
    @classmethod
    def _sentence(cls, v: Optional[str]) -> Optional[str]:
        return v if v is None else _check_sentence(v)


class Config(_Section):
    """Everything the video depends on. Build with `load_config` or `Config.model_validate`."""

    sentence: str = Field("The cat sat", description="The sentence whose attention the video computes.")
    model: ModelConfig = Field(default_factory=ModelConfig)
    display: DisplayConfig = Field(default_factory=DisplayConfig)
    video: VideoConfig = Field(default_factory=VideoConfig)
    real_model: RealModelConfig = Field(default_factory=RealModelConfig)

    @field_validator("sentence")
    @classmethod
    def _sentence(cls, v: str) -> str:
        return _check_sentence(v)

    @model_validator(mode="after")
    def _shapes(self) -> "Config":
        n, d_model, d_k = len(self.tokens), self.model.d_model, self.model.d_k
        expected = {
            "embeddings": (n, d_model, "tokens × d_model"),
            "W_Q": (d_model, d_k, "d_model × d_k"),
            "W_K": (d_model, d_k, "d_model × d_k"),
            "W_V": (d_model, d_k, "d_model × d_k"),
        }
        for name, (rows, cols, meaning) in expected.items():
            m = getattr(self.model, name)
            if m is not None and (len(m), len(m[0])) != (rows, cols):
                raise ValueError(
                    f"model.{name}: expected shape {rows}×{cols} ({meaning}), "
                    f"got {len(m)}×{len(m[0])}"
                )
        return self

    @model_validator(mode="after")
    def _head_size(self) -> "Config":
        # Checked when heads is set or the multi-head segment is on (the default of 2 heads must
        # not reject an odd d_model for a video that has no multi-head segment).
        m = self.model
        if m.d_model % m.heads and ("heads" in m.model_fields_set or "multi-head" in self.video.scenes):
            divisors = ", ".join(str(k) for k in range(1, m.d_model + 1) if m.d_model % k == 0)
            raise ValueError(
                f"model.heads: {m.heads} heads cannot split d_model = {m.d_model} into equal heads "
                f"(d_model / heads must be a whole number); use one of {divisors}"
            )
        return self

    @model_validator(mode="after")
    def _focus(self) -> "Config":
        problem = focus_problem(self.tokens, self.video.focus)
        if problem:
            raise ValueError(f"video.focus: {problem}")
        return self

    @model_validator(mode="after")
    def _intro_link(self) -> "Config":
        problem = link_problem(tokenize(self.video.intro_sentence), self.video.intro_link)
        if problem:
            raise ValueError(f"video.intro_link: {problem}")
        return self

    @property
    def focus_index(self) -> Optional[int]:
        """0-based index of video.focus in the tokens; None without a focus (see core/focus.py)."""
        return focus_index(self.tokens, self.video.focus)

    @property
    def tokens(self) -> list[str]:
        return tokenize(self.sentence)

    def attention_spec(self) -> AttentionSpec:
        """The core's input for the toy head (compute_trace, compute_multihead)."""
        m = self.model
        return AttentionSpec(
            tokens=tuple(self.tokens), d_model=m.d_model, d_k=m.d_k, precision=self.display.precision,
            seed=m.seed, causal=m.causal, positional_encoding=m.positional_encoding, heads=m.heads,
            embeddings=frozen_rows(m.embeddings), W_Q=frozen_rows(m.W_Q), W_K=frozen_rows(m.W_K),
            W_V=frozen_rows(m.W_V))

    def real_model_spec(self) -> RealModelSpec:
        """The core's input for the real-model segment (compute_real_trace)."""
        rm = self.real_model
        return RealModelSpec(
            sentence=rm.sentence or self.sentence, intro_sentence=self.video.intro_sentence,
            path=Path(rm.path) if rm.path else None,
            sentence_field="real_model.sentence" if rm.sentence else "sentence",
            main_sentence=self.sentence, main_tokens=tuple(self.tokens), focus_index=self.focus_index)
