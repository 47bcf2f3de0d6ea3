"""`render`: the whole video, scenes in parallel, unchanged ones reused."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

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
    scheduler_option,
    voice_option,
    language_option,
)
from attention_explainer.production.page import check_extras, post_steps
from attention_explainer.production.settings import default_output, resolve_format
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
@scheduler_option
@click.pass_context
def render_cmd(ctx: click.Context, config_path: Optional[Path], quality: Optional[str], output: Optional[Path],
               media_dir: Path, jobs: Optional[int], quiet: bool, burn_captions: Optional[bool], voice: str,
               fmt: Optional[str], x264_preset: str, check: bool, page: bool, chapter_clips: bool,
               listen_back: bool, language: Optional[str] = None, scheduler: Optional[str] = None) -> None:
    """Render the configured scenes, in order, into the full video.

    First the layout check of the scenes that changed; then scenes render in parallel; a scene
    whose code, narration lines, the config values it reads, quality, captions and voice are
    unchanged is reused from the last render. Beside the video: captions (.srt, .vtt), chapters
    (.chapters.txt, also embedded) and a manifest (.manifest.json). With --scheduler (or
    $ATTENTION_EXPLAINER_SCHEDULER) the scenes and the assembly are tasks on a Dask cluster, as
    `course` runs them (see docs/course.md).
    """
    from attention_explainer.production.render import render_video

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
    executor = cluster_for(scheduler, jobs)
    if executor is not None:
        _render_on_cluster(executor, [lookup(s) for s in config.video.scenes], settings, output, fmt, check, page,
                           chapter_clips, quiet)
        if listen_back:
            _listen(default_output(settings, resolve_format(output, fmt)) if output is None else output, quiet)
        return
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
        _listen(result.video, quiet)


def _listen(video: Path, quiet: bool) -> None:
    from attention_explainer.cli.listen import report

    if not report(video, quiet=quiet):
        sys.exit(1)


def cluster_for(scheduler: Optional[str], jobs: Optional[int]) -> Any:
    """The Dask executor when --scheduler or $ATTENTION_EXPLAINER_SCHEDULER names one, else None
    (a local render); an unreachable scheduler is one error line, before anything is written."""
    import os

    from attention_explainer.production.executor import SCHEDULER_ENV, executor_for

    if not (scheduler or os.environ.get(SCHEDULER_ENV, "")).strip():
        return None
    return executor_for(scheduler, jobs or 0)


def _render_on_cluster(executor: Any, scenes: list[Any], settings: Any, output: Optional[Path], fmt: Optional[str],
                       check: bool, page: bool, chapter_clips: bool, quiet: bool) -> None:
    """The video's tasks (those `course` makes for a lesson) on the cluster; the same lines as a local render."""
    from attention_explainer.production.child import SignalsRaise
    from attention_explainer.production.graph_render import render_graph

    try:
        with SignalsRaise():  # SIGTERM as Ctrl-C: the tasks not started are cancelled
            result = render_graph(executor, scenes, settings, output, fmt, check=check, page=page,
                                  chapter_clips=chapter_clips, say=(lambda text: None) if quiet else
                                  (lambda text: click.echo(text, err=True)))
    finally:
        executor.close()
    minutes, seconds = divmod(int(round(result.duration)), 60)
    click.echo(f"wrote {result.video} ({minutes}:{seconds:02d}; {result.scenes} scenes: {result.rendered} rendered, "
               f"{result.scenes - result.rendered} unchanged; took {result.seconds:.1f} s)")
    for path in result.files[1:]:
        click.echo(f"wrote {path}")
    if not quiet:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
