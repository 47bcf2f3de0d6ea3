"""`render`: the whole video, scenes in parallel, unchanged ones reused."""

from __future__ import annotations

import sys
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
    jobs_option,
    media_dir_option,
    preset_option,
    quality_option,
    quiet_option,
    voice_option,
    language_option,
)
from attention_explainer.production.page import check_extras, post_steps
from attention_explainer.system.preflight import preflight


@cli.command("render")
@config_option
@language_option
@quality_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Final video; must end in the format written (default: <media-dir>/attention-explainer/"
                   "<config>_<quality>[_<voice>].<format>).")
@media_dir_option
@jobs_option
@quiet_option
@captions_option
@voice_option
@format_option
@preset_option
@click.option("--check/--no-check", "check", default=True, show_default=True,
              help="Check every beat's layout first (see `check`) and stop on what would show: off screen, "
                   "overlaps, captions out of their band.")
@click.option("--page", "page", is_flag=True,
              help="Also write the lesson page <video name>.html beside the video (see `page`).")
@click.option("--chapter-clips", "chapter_clips", is_flag=True,
              help="Also write one MP4 per chapter, each with its audio and captions, into <video name>.chapters/.")
@click.option("--listen", "listen_back", is_flag=True,
              help="Then listen back (see `listen`): Whisper's error rate per line; exit 1 above the threshold.")
@click.pass_context
def render_cmd(ctx: click.Context, config_path: Optional[Path], quality: Optional[str], output: Optional[Path],
               media_dir: Path, jobs: Optional[int], quiet: bool, burn_captions: Optional[bool], voice: str,
               fmt: Optional[str], x264_preset: str, check: bool, page: bool, chapter_clips: bool,
               listen_back: bool, language: Optional[str] = None) -> None:
    """Render the configured scenes, in order, into the full video.

    First the layout check of the scenes that changed; then scenes render in parallel; a scene
    whose code, narration lines, the config values it reads, quality, captions and voice are
    unchanged is reused from the last render. Beside the video: captions (.srt, .vtt), chapters
    (.chapters.txt, also embedded) and a manifest (.manifest.json).
    """
    from attention_explainer.production.render import render_video, resolve_format

    resolve_format(output, fmt)  # a wrong -o suffix fails before anything renders
    check_extras(resolve_format(output, fmt), page, chapter_clips)
    if listen_back:
        from attention_explainer.narration.listen import model_folder

        model_folder()  # Whisper missing: one line saying how to install it, before any work
    config = load(config_path, language)
    preflight(media_dir, output, quality or config.video.quality)
    settings = render_settings(config, config_path, quality, media_dir, jobs, quiet, burn_captions, voice,
                                x264_preset, check_voice=True)
    lookup = scene_lookup(ctx)
    result = render_video([lookup(s) for s in config.video.scenes], settings, output, fmt, check=check,
                          post=post_steps(page, chapter_clips))
    rendered = sum(not s.reused for s in result.segments)
    minutes, seconds = divmod(int(round(result.assembly.duration)), 60)
    checked = f"{len(result.check.checked)} checked, " if result.check is not None else ""
    click.echo(f"wrote {result.video} ({minutes}:{seconds:02d}; {len(result.segments)} scenes: {checked}{rendered} "
               f"rendered, {len(result.segments) - rendered} unchanged; took {result.seconds:.1f} s)")
    for path in result.assembly.files[1:]:
        click.echo(f"wrote {path}")
    if not quiet:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
    if listen_back:
        from attention_explainer.cli.listen import report

        if not report(result.video, quiet=quiet):
            sys.exit(1)
