"""Beat ids are stable: every beat of every scene has an explicit key.

Users record one WAV per beat id (`--voice wav-dir:PATH`, `<beat-id>.wav`). Numbered ids
(`math-07`) shift when a beat is inserted or a config switches a conditional beat on or off, so
every `self.beat(...)` passes `key=`: the id is `<scene_id>-<key>` whatever the config.
"""

from __future__ import annotations

import ast
import importlib
import re
from typing import Any

import pytest

from attention_explainer.config.catalog import SCENES, scene_by_id
from scenetools import beat_keys, build_scene, sentence

TWENTY = " ".join(f"w{k}" for k in range(1, 21))  # beyond the heatmap's 16 drawn tokens

# Per scene: configs that switch its conditional beats (and 1 / 8 / 16+ tokens, causal, positions,
# heads), and the keys (regexes) of those beats. Every other beat must have the same id, in the
# same order, in every config. Few builds per scene: each takes seconds (math the longest); the
# source check below covers the beats no config reaches.
CASES: dict[str, tuple[dict[str, dict[str, Any]], tuple[str, ...]]] = {
    "why-attention": ({
        "default": {},
        "one-intro-token": {"sentence": sentence(8), "model": {"causal": True},
                            "video": {"intro_sentence": "Hello"}},
    }, ("pair-count", "one-hop")),
    "math": ({  # one token: the cheapest builds of the longest scene
        "one-token": {"sentence": sentence(1)},
        "one-token-causal-positional": {"sentence": sentence(1),
                                        "model": {"causal": True, "positional_encoding": True}},
    }, ("positions", "causal-mask")),
    "heatmap": ({
        "default": {},
        "one-token": {"sentence": sentence(1)},
        "twenty-causal": {"sentence": TWENTY, "model": {"causal": True}},
    }, ("too-many", "causal", "second-key")),
    "pipeline": ({"default": {}}, ()),
    "outro": ({
        "default": {},
        "long-closing": {"sentence": sentence(8), "video": {"closing_line": (
            "Attention compares every token with every other token. "
            "Softmax turns the scores into weights that add up to one, row by row. "
            "The weights then mix the values, and every token leaves with a new vector of its own.")}},
    }, (r"closing-\d+",)),
    "causal-mask": ({
        "one-token": {"sentence": sentence(1)},
        "eight": {"sentence": sentence(8)},
    }, ("compare-rows",)),
    "real-model": ({  # a split word and an [UNK] piece switch the merge and unknown beats
        "default": {},
        "unknown": {"sentence": "The animal didn't cross because it was 🐈"},
    }, ("unknown", "merge")),
}


def scene_class(scene_id: str) -> type:
    info = scene_by_id(scene_id)
    return getattr(importlib.import_module(f"attention_explainer.scenes.{info.module}"), info.cls)


def merged(scene_id: str, overlay: dict[str, Any]) -> dict[str, Any]:
    """The overlay on a config that lists the scene (optional ones too), captions off (faster)."""
    config: dict[str, Any] = {key: dict(value) if isinstance(value, dict) else value
                              for key, value in overlay.items()}
    video = config.setdefault("video", {})
    video["scenes"] = ["math"] if scene_id == "math" else ["math", scene_id]
    config["display"] = {**config.get("display", {}), "captions": False}
    return config


def test_cases_cover_every_scene() -> None:
    """Scenes without conditional beats, but pipeline, are checked by scenetools.check_beats in
    their own tests (same rules, no extra builds)."""
    assert sorted([*CASES, "multi-head", "positional-encoding", "scaling"]) == sorted(s.id for s in SCENES)


@pytest.mark.parametrize("scene_id", [s.id for s in SCENES])
def test_every_beat_call_passes_a_key(scene_id: str) -> None:
    """In the source, so a beat that no config below reaches cannot fall back to a number."""
    info = scene_by_id(scene_id)
    tree = ast.parse(info.path.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "beat" and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"]
    assert calls, info.path
    missing = [c.lineno for c in calls if not any(k.arg == "key" for k in c.keywords)]
    assert not missing, f"{info.path.name}: self.beat(...) without key= on lines {missing}"


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One folder for the module: the builds share the Tex and text caches."""
    return tmp_path_factory.mktemp("beat_keys")


@pytest.mark.slow
@pytest.mark.parametrize("scene_id", list(CASES))
def test_beat_ids_are_keyed_unique_and_stable(tmp_path, scene_id: str) -> None:  # type: ignore[no-untyped-def]
    configs, conditional = CASES[scene_id]
    cls = scene_class(scene_id)
    built = {name: beat_keys(build_scene(cls, tmp_path, merged(scene_id, overlay)), scene_id)
             for name, overlay in configs.items()}

    def is_conditional(key: str) -> bool:
        return any(re.fullmatch(pattern, key) for pattern in conditional)

    # the beats every config has keep their ids, in the same order
    fixed = {name: [k for k in keys if not is_conditional(k)] for name, keys in built.items()}
    first = next(iter(fixed))
    for name, keys in fixed.items():
        assert keys == fixed[first], f"{scene_id}: {name} vs {first}"
    # the configs really switch each conditional beat (or, in a loop, how many there are)
    for pattern in conditional:
        matched = {frozenset(k for k in keys if re.fullmatch(pattern, k)) for keys in built.values()}
        assert len(matched) > 1, f"{scene_id}: {pattern} not switched by {sorted(configs)}"
