"""What a scene process reads: its run record and one SceneInput, computed by the core from the
config the record names (or $ATTENTION_EXPLAINER_CONFIG, or the packaged default, under a plain
`manim render`).

Scenes never read YAML or compute numbers themselves; they read `scene_input()`: the config, the
main trace, the intro sentence's tokens and the numbers of each optional segment. Under a render
the config is a config_reads.Recorder, and `write_sources` records the keys read with the files.
"""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

from attention_explainer.core.attention import AttentionTrace, compute_trace
from attention_explainer.core.multihead import MultiHeadTrace, compute_multihead
from attention_explainer.core.real_model.trace import RealModelTrace, compute_real_trace
from attention_explainer.core.tokens import tokenize
from attention_explainer.core.variants import (
    CausalComparison,
    OrderDemo,
    ScalingDemo,
    causal_comparison,
    order_demo,
    realistic_d_k,
    scaling_demo,
)
from attention_explainer.config import Config
from attention_explainer.narration.config_check import load_checked_config
from attention_explainer.narration.script import Context, context_for
from attention_explainer.production.chunks import at_or_after
from attention_explainer.production.config_reads import Recorder, unwrap
from attention_explainer.production.records import RUN_ENV, LoadedSources, RunRecord
from attention_explainer.production.sources import loaded_sources, project_roots

CONFIG_ENV = "ATTENTION_EXPLAINER_CONFIG"  # for a plain `manim render` of a scene file (no run record)
_data_files: set[str] = set()  # data files a scene read besides code (the real model's weights)


class SceneInput:
    """Everything the scenes draw, from one config.

    `config` and `trace` (the main computation) are computed at once, `intro_tokens` (the
    why-attention sentence) and `context` (what narration lines are filled from) on first use; the optional segments' numbers (`multihead`, `causal`, `scaling`, `order`)
    at once when the config lists their segment, else on first use (a scene rendered on its own).
    `config, trace = scene_input()` still works (iterating gives those two).
    """

    OPTIONAL = {"multi-head": "multihead", "causal-mask": "causal", "scaling": "scaling",
                "positional-encoding": "order"}  # segment id -> attribute

    def __init__(self, config: Config) -> None:
        self.config = config
        self.trace: AttentionTrace = compute_trace(config.attention_spec())
        for scene_id, name in self.OPTIONAL.items():
            if scene_id in config.video.scenes:
                getattr(self, name)

    @cached_property
    def intro_tokens(self) -> tuple[str, ...]:
        return tuple(tokenize(self.config.video.intro_sentence))

    @cached_property
    def context(self) -> Context:
        """The narration's global fields and conditions. Read from the real config: what the
        scene's lines use is in its cache key already (segment_cache.narration_values)."""
        return context_for(unwrap(self.config), self.trace)

    @cached_property
    def multihead(self) -> MultiHeadTrace:
        """The multi-head segment's heads, on the main trace's X."""
        return compute_multihead(self.config.attention_spec(), self.trace)

    @cached_property
    def causal(self) -> CausalComparison:
        """The causal-mask segment's softmax without and with the mask."""
        return causal_comparison(self.trace)

    @cached_property
    def scaling(self) -> ScalingDemo:
        """The scaling segment's random vectors at a realistic width."""
        return scaling_demo(self.config.model.seed, realistic_d_k(self.trace.d_k))

    @cached_property
    def order(self) -> OrderDemo:
        """The positional-encoding segment's sentence and its reordering, with and without PE."""
        return order_demo(self.trace, self.config.model.positional_encoding)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.config, self.trace))


@lru_cache(maxsize=1)
def run_record() -> Optional[RunRecord]:
    """What production asked this process to do ($ATTENTION_EXPLAINER_RUN), None under a plain
    `manim render`."""
    path = os.environ.get(RUN_ENV)
    return RunRecord.from_file(path) if path else None


@lru_cache(maxsize=1)
def scene_input() -> SceneInput:
    """The SceneInput of the run record's config (else $ATTENTION_EXPLAINER_CONFIG, else the
    packaged one); under a render that records sources, the config records what is read."""
    run = run_record()
    config = load_checked_config(run.config if run else (os.environ.get(CONFIG_ENV) or None))
    return SceneInput(Recorder(config) if run and run.sources else config)  # type: ignore[arg-type]


def write_sources(scene_file: Optional[str]) -> None:
    """At the end of a scene process: record what it depended on (files imported, data files
    read, config keys read) where the run record says, for the render cache."""
    run = run_record()
    if run is None or not run.sources:
        return
    config = scene_input().config if scene_input.cache_info().currsize else None  # never read: all keys count
    keys = sorted(config.recorded) if isinstance(config, Recorder) else None
    files = loaded_sources(project_roots(scene_file), [*([scene_file] if scene_file else []), *_data_files])
    tmp = Path(f"{run.sources}.{os.getpid()}.tmp")
    LoadedSources(files=files, config_keys=keys).to_file(tmp, indent=1)
    os.replace(tmp, run.sources)


_drawing: set[int] = set()  # the renderers whose chunk has started drawing


def chunk_gate(renderer: Any, beat_id: str) -> None:
    """Called as each beat starts (ExplainerScene.beat): a chunk's child (issue 19, the run
    record's beats_from/beats_until) skips the animations of the beats before its first, as
    Manim's -n does (Manim's renderer then builds each animation's end state and advances the
    time without drawing), draws from its first beat on, and ends the scene (Manim's
    EndSceneEarlyException: the video is written, tear_down writes the beats) on entering the
    beat the next chunk starts at. Nothing happens outside a chunk."""
    run = run_record()
    if run is None or (run.beats_from is None and run.beats_until is None):
        return
    if run.beats_until is not None and at_or_after(run.beat_order, beat_id, run.beats_until):
        from manim.utils.exceptions import EndSceneEarlyException  # only a chunk's child imports it here

        raise EndSceneEarlyException()
    if run.beats_from is None or id(renderer) in _drawing:
        return
    drawing = at_or_after(run.beat_order, beat_id, run.beats_from)
    if drawing:
        _drawing.add(id(renderer))
    renderer._original_skipping_status = renderer.skip_animations = not drawing


def real_model_input() -> RealModelTrace:
    """The real-model trace of the same config (the pretrained model's attention). Only the
    real-model scene calls it: loading the model takes ~0.3 s and ~200 MB, which the other scenes
    never pay. A missing model or bad real_model.path is a one-line UserError."""
    trace = _real_trace(scene_input().config.model_dump_json())
    folder = Path(trace.model_path)
    _data_files.update(str(p) for p in sorted(folder.iterdir()) if p.is_file())  # new weights re-render
    return trace


@lru_cache(maxsize=1)
def _real_trace(config_json: str) -> RealModelTrace:
    return compute_real_trace(Config.model_validate_json(config_json).real_model_spec())


def check_real_model(config: Config) -> None:
    """Before rendering: when the config lists the real-model segment, load the model and run the
    sentence once, so a missing model, a bad real_model.path or a too-long sentence is one line
    before any scene starts (the result is cached for this process)."""
    if REAL_MODEL_ID in config.video.scenes:
        _real_trace(config.model_dump_json())


REAL_MODEL_ID = "real-model"
