"""Build scenes in-process for tests: real construct, animations skipped, nothing encoded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import yaml
from manim import Scene, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer

from attention_explainer.scene_input import CONFIG_ENV, scene_input


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
