"""`scene`: render one scene, or its last frame, for review."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import (
    load,
    render_settings,
    scene_lookup,
    captions_option,
    config_option,
    format_option,
    media_dir_option,
    preset_option,
    quality_option,
    quiet_option,
    voice_option,
)
from attention_explainer.production.catalog import scene_ids
from attention_explainer.system.preflight import preflight

@cli.command("scene")
@click.argument("scene_id", type=click.Choice(scene_ids()), metavar="SCENE_ID")
@config_option
@quality_option
@click.option("--still", is_flag=True, help="Write only the last frame, as PNG.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: <media-dir>/attention-explainer/<config>_<scene>_<quality>.<format>).")
@media_dir_option
@format_option
@captions_option
@voice_option
@preset_option
@quiet_option
@click.pass_context
def scene_cmd(ctx: click.Context, scene_id: str, config_path: Optional[Path], quality: Optional[str], still: bool,
              output: Optional[Path], media_dir: Path, fmt: Optional[str], burn_captions: Optional[bool],
              voice: str, x264_preset: str, quiet: bool) -> None:
    """Render one scene (for review). SCENE_ID is one of `attention-explainer scenes`."""
    from attention_explainer.production.render import render_scene

    config = load(config_path)
    preflight(media_dir, output, quality or config.video.quality, still)
    settings = render_settings(config, config_path, quality, media_dir, 1, quiet, burn_captions, voice, x264_preset)
    out = render_scene(scene_lookup(ctx)(scene_id), settings, still=still, fmt=fmt, output=output)
    click.echo(f"wrote {out}")
