"""Run scenes with Manim in child processes and collect their output files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

from attention_explainer.catalog import SceneInfo, scene_by_id
from attention_explainer.config import Config, UserError
from attention_explainer.scene_input import CONFIG_ENV

# Manim's quality letter -> the folder name it writes videos into.
RESOLUTION_DIR = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}


class RenderError(UserError):
    """A scene failed to render."""


def manim_command(info: SceneInfo, quality: str, media_dir: Path, still: bool = False) -> list[str]:
    """The `manim render` call for one scene."""
    cmd = [sys.executable, "-m", "manim", "render", str(info.path), info.cls, f"-q{quality}",
           "--media_dir", str(media_dir), "--progress_bar", "none", "-v", "WARNING"]
    if still:
        cmd += ["-s", "--format", "png"]
    return cmd


def scene_output(info: SceneInfo, quality: str, media_dir: Path, still: bool = False) -> Path:
    """Where Manim writes the scene's video (or last-frame PNG with still)."""
    if still:
        from manim import __version__ as manim_version

        return media_dir / "images" / info.module / f"{info.cls}_ManimCE_v{manim_version}.png"
    return media_dir / "videos" / info.module / RESOLUTION_DIR[quality] / f"{info.cls}.mp4"


def render_scene(
    info: SceneInfo, config_path: Optional[Path], quality: str, media_dir: Path, still: bool = False
) -> Path:
    """Render one scene in a child process; returns the file it wrote."""
    env = dict(os.environ)
    if config_path is not None:
        env[CONFIG_ENV] = str(Path(config_path).resolve())
    else:
        env.pop(CONFIG_ENV, None)
    result = subprocess.run(manim_command(info, quality, media_dir, still), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = scene_output(info, quality, media_dir, still)
    if result.returncode != 0 or not out.exists():
        tail = [ln for ln in result.stdout.strip().splitlines() if ln.strip()][-1:] or ["no output"]
        raise RenderError(f"scene '{info.id}' failed to render: {tail[0].strip()}")
    return out


def render_video(
    config: Config, config_path: Optional[Path], quality: str, media_dir: Path, output: Optional[Path]
) -> Path:
    """Render every configured scene in order. (Stitching into one file: see assemble.py.)"""
    outs = [render_scene(scene_by_id(s), config_path, quality, media_dir) for s in config.video.scenes]
    return outs[-1].parent if output is None else output
