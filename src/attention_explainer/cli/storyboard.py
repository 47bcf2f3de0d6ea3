"""`storyboard`: one PNG with the last frame of every configured scene."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import (
    language_option,
    voice_option,
    load,
    render_settings,
    scene_lookup,
    config_option,
    jobs_option,
    media_dir_option,
    quality_option,
    quiet_option,
)
from attention_explainer.system.preflight import preflight

@cli.command("storyboard")
@config_option
@language_option
@voice_option
@quality_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG file (default: <media-dir>/attention-explainer/<config>_<quality>_storyboard.png).")
@media_dir_option
@jobs_option
@quiet_option
@click.option("--every-beat", is_flag=True,
              help="One sheet per scene with a thumbnail at the end of every beat, written as "
                   "<output stem>_<scene id>.png (renders the scenes' videos, or reuses them).")
@click.pass_context
def storyboard_cmd(ctx: click.Context, config_path: Optional[Path], quality: Optional[str], output: Optional[Path],
                   media_dir: Path, jobs: Optional[int], quiet: bool, every_beat: bool,
                   language: Optional[str] = None, voice: Optional[str] = None) -> None:
    """One PNG with the last frame of every configured scene, labelled with its title
    (--every-beat: one PNG per scene, a frame at the end of each beat)."""
    from attention_explainer.production.render import render_beat_storyboards, render_storyboard, resolve_format

    resolve_format(output, None, still=True)  # the storyboard is a PNG
    config = load(config_path, language)
    preflight(media_dir, output, quality or config.video.quality, still=not every_beat)
    settings = render_settings(config, config_path, quality, media_dir, jobs, quiet, voice=voice)
    lookup = scene_lookup(ctx)
    if every_beat:
        for path in render_beat_storyboards([lookup(s) for s in config.video.scenes], settings, output):
            click.echo(f"wrote {path}")
        return
    out = render_storyboard([lookup(s) for s in config.video.scenes], settings, output)
    click.echo(f"wrote {out}")
