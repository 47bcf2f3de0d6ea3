"""Last-frame image regression of the scenes, with Manim's frames_comparison.

Each test renders a scene's last frame (854×480, animations skipped) and compares it, pixel by
pixel with a small tolerance, with a control frame in tests/control_data/scenes/<name>.npz.

Regenerate the control data after an intended visual change (and on a new machine: the frames
depend on the Cairo and Pango versions and on the installed fonts), then look at the new frames
before committing them:

    .venv/bin/python -m pytest tests/test_frames.py --set_test      # writes the .npz files
    .venv/bin/python -m pytest tests/test_frames.py                 # must pass now
    .venv/bin/python -m pytest tests/test_frames.py --show_diff     # on failure: plot the diff

To cover another scene, add a function like `test_heatmap_default` below: decorate it with
`@frames_comparison(base_scene=configured(MyScene), **CACHES)`, call `MyScene.construct(scene)`
in it, and run it once with --set_test. `configured(MyScene, {...})` points the scene at another
config (a dict as in a YAML file); name the test after it (`test_myscene_light`).

How frames_comparison works (manim 0.22): it builds its own subclass of `base_scene` whose
construct calls the test function, renders it inside `tempconfig` (its monoframe config: 854×480,
1 frame per second, dry run) and checks the last frame. It skips itself when Cairo is older than
its MIN_CAIRO_VERSION (1.18, for Manim's own control data); Debian 12 has 1.16, and our control
data are made with it, so the minimum is lowered (tests/scenetools.py) to the Cairo in use. The --set_test and
--show_diff options are registered in tests/conftest.py; `__module_test__` names the control
data folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from attention_explainer.production.scene_input import CONFIG_ENV, scene_input
from attention_explainer.scenes.base import ExplainerScene
from attention_explainer.scenes.heatmap import AttentionHeatmap
from attention_explainer.scenes.pipeline import FullPipeline

from scenetools import CACHES, frames_comparison

__module_test__ = "scenes"  # control data in tests/control_data/scenes/

pytestmark = pytest.mark.system  # exact pixels need the bootstrap toolchain (Cairo, Pango, fonts, LaTeX)


def configured(scene_cls: type[ExplainerScene], config: Optional[dict[str, Any]] = None) -> type[ExplainerScene]:
    """A subclass of scene_cls that reads `config` (None: the packaged default) in its setup.

    frames_comparison builds the scene itself, so the config cannot come from a fixture: the
    subclass points scene_input() at it just for setup (where ExplainerScene reads it).
    """

    class Configured(scene_cls):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            saved = os.environ.pop(CONFIG_ENV, None)
            try:
                with tempfile.TemporaryDirectory(prefix="frames-config-") as folder:
                    if config is not None:
                        path = Path(folder) / "config.yaml"
                        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
                        os.environ[CONFIG_ENV] = str(path)
                    scene_input.cache_clear()
                    super().setup()
            finally:
                os.environ.pop(CONFIG_ENV, None)
                if saved is not None:
                    os.environ[CONFIG_ENV] = saved
                scene_input.cache_clear()

    Configured.__name__ = Configured.__qualname__ = f"{scene_cls.__name__}Configured"
    return Configured


@frames_comparison(base_scene=configured(AttentionHeatmap), **CACHES)
def test_heatmap_default(scene: AttentionHeatmap) -> None:
    AttentionHeatmap.construct(scene)


@frames_comparison(base_scene=configured(FullPipeline), **CACHES)
def test_pipeline_default(scene: FullPipeline) -> None:
    FullPipeline.construct(scene)
