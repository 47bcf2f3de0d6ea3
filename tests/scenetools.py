"""Build scenes in-process for tests: real construct, animations skipped, nothing encoded."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional

import yaml
from manim import Scene, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.production.scene_input import CONFIG_ENV, scene_input


def use_config(tmp_path: Path, config: Optional[dict[str, Any]]) -> None:
    """Point scene_input() at a YAML written from `config` (None: the packaged default)."""
    if config is None:
        os.environ.pop(CONFIG_ENV, None)
    else:
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        os.environ[CONFIG_ENV] = str(path)
    scene_input.cache_clear()


def build_scene(scene_cls: type[Scene], tmp_path: Path, config: Optional[dict[str, Any]] = None) -> Scene:
    """Run the scene's construct with every animation skipped (fast); returns the scene."""
    use_config(tmp_path, config)
    try:
        with tempconfig({"dry_run": True, "disable_caching": True,
                         "media_dir": str(tmp_path / "media"), "quality": "low_quality",
                         "progress_bar": "none", "verbosity": "WARNING"}):
            scene = scene_cls(renderer=CairoRenderer(skip_animations=True))
            scene.render()
    finally:
        os.environ.pop(CONFIG_ENV, None)
        scene_input.cache_clear()
    return scene


# --------------------------------------------------------- checks shared by the scene test files
WORDS = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"


def sentence(n: int) -> str:
    """A sentence of n distinct one-word tokens (n ≤ 16)."""
    return " ".join(WORDS.split()[:n])


def optional_config(scene_id: str) -> dict[str, Any]:
    """The default config with an optional segment switched on. Captions off: they change no
    timing (beats hold by reading time either way) and building them is most of a test's time."""
    return {"video": {"scenes": ["math", scene_id]}, "display": {"captions": False}}


KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # kebab-case


def beat_keys(scene: Any, scene_id: str) -> list[str]:
    """The beats' keys, after checking each id is `<scene_id>-<kebab-case key, not all digits>`
    (a numbered id means a beat without key=) and that no two are the same."""
    keys = []
    for b in scene.beats:
        assert b.id.startswith(f"{scene_id}-"), b.id
        key = b.id[len(scene_id) + 1:]
        assert KEY.fullmatch(key), f"{b.id}: key is not kebab-case"
        assert not key.replace("-", "").isdigit(), f"{b.id}: numbered id (the beat has no key=)"
        keys.append(key)
    assert len(set(keys)) == len(keys), f"duplicate beat ids: {keys}"
    return keys


def check_beats(scene: Any, scene_id: str) -> None:
    """The scene has beats with keyed, unique ids, each held at least its reading time."""
    from attention_explainer.narration.beats import reading_time

    assert scene.beats
    beat_keys(scene, scene_id)
    for b in scene.beats:
        assert b.end - b.start >= reading_time(b.text) - 1e-3


def check_layout(scene: Any) -> None:
    """Everything but the caption stays inside the frame and above the caption band."""
    from attention_explainer.scenes.layout import OUTSIDE_CAPTION as box

    for mob in scene.mobjects:
        if mob is scene._caption:
            continue
        assert mob.get_left()[0] >= box.left and mob.get_right()[0] <= box.right, mob
        assert mob.get_bottom()[1] >= box.bottom and mob.get_top()[1] <= box.top, mob


def shown_equals(view: Any, values: Any, decimals: int) -> None:
    """Every entry a MatrixView shows is the value at its index, formatted as on screen."""
    from attention_explainer.scenes.components import fmt

    assert view.shown, "nothing shown"
    for (r, c), text in view.shown.items():
        assert text == fmt(values[r, c], decimals), (r, c)
