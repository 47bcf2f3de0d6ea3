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
    SceneIdType,
    config_option,
    scene_captions_option,
    scene_format_option,
    media_dir_option,
    preset_option,
    quality_option,
    quiet_option,
    voice_option,
    language_option,
)
from attention_explainer.system.preflight import preflight

@cli.command("scene")
@click.argument("scene_id", type=SceneIdType(), metavar="SCENE_ID")
@config_option
@language_option
@quality_option
@click.option("--still", is_flag=True, help="Write only the last frame, as a PNG (-o must end in .png).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: <media-dir>/attention-explainer/<config>_<scene>_<quality>[_<voice>].mp4, "
                   "or .png with --still).")
@media_dir_option
@scene_format_option
@scene_captions_option
@voice_option
@preset_option
@quiet_option
@click.option("--beat", "beat", default=None, metavar="BEAT_ID",
              help="Only this beat (e.g. math-softmax-sum, as `narration` lists them), from the state before "
                   "it: seconds instead of the whole scene. Written as <output stem>_<beat>.mp4.")
@click.pass_context
def scene_cmd(ctx: click.Context, scene_id: str, config_path: Optional[Path], quality: Optional[str], still: bool,
              output: Optional[Path], media_dir: Path, fmt: Optional[str], burn_captions: Optional[bool],
              voice: str, x264_preset: str, quiet: bool, beat: Optional[str], language: Optional[str] = None) -> None:
    """Render one scene for review: its video, or with --still its last frame as a PNG.

    SCENE_ID is one of `attention-explainer scenes` (any scene, listed in the config or not).
    Writes only that file: no captions, chapters or manifest (`render` writes those).
    """
    from attention_explainer.production.render import render_scene, resolve_format

    resolve_format(output, fmt, still)  # a wrong -o suffix fails before anything renders
    if beat is not None and still:
        raise click.UsageError("--beat renders the beat's animations; leave out --still")
    config = load(config_path, language)
    preflight(media_dir, output, quality or config.video.quality, still)
    settings = render_settings(config, config_path, quality, media_dir, 1, quiet, burn_captions, voice, x264_preset,
                               check_voice=not still)
    out = render_scene(scene_lookup(ctx)(scene_id), settings, still=still, fmt=fmt, output=output, beat=beat)
    click.echo(f"wrote {out}")
