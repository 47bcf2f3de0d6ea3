"""`course`: many lessons rendered as one graph, on this machine or a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import jobs_option, media_dir_option, preset_option, scene_lookup, scheduler_option


@cli.command("course")
@click.argument("course_file", type=click.Path(dir_okay=False, path_type=Path), metavar="COURSE.yaml")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("course"),
              show_default=True, help="Folder of the lessons: DIR/<name>/<name>.mp4, and DIR/course.json.")
@scheduler_option
@media_dir_option
@jobs_option
@preset_option
@click.pass_context
def course_cmd(ctx: click.Context, course_file: Path, out_dir: Path, scheduler: Optional[str], media_dir: Path,
               jobs: Optional[int], x264_preset: str) -> None:
    """Render every lesson of COURSE.yaml (see docs/course.md); work shared by lessons is done once.

    A lesson whose config is wrong is one error line; the others are still rendered. Exit 0 when
    every lesson has its video, else 1 (course.json says which failed and why). Ctrl-C or SIGTERM
    stops it; the scenes and chunks that finished are kept for the next run."""
    from attention_explainer.production.child import SignalsRaise
    from attention_explainer.production.course import load_course, render_course
    from attention_explainer.production.executor import executor_for

    load_course(course_file)  # a bad course file: one line, before any cluster is reached
    executor = executor_for(scheduler, jobs or 0)
    try:
        with SignalsRaise():  # SIGTERM as Ctrl-C: running tasks stopped, finished work kept, course.json says so
            result = render_course(course_file, out_dir, media_dir, executor, scene_lookup(ctx),
                                   say=lambda text: click.echo(text, err=text.startswith("error:")),
                                   x264_preset=x264_preset)
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    done = [s for s in result.lessons if s.status == "done"]
    click.echo(f"wrote {result.index} ({len(done)}/{len(result.lessons)} lessons; {result.rendered} task(s) "
               f"rendered, {result.reused} reused; took {result.seconds:.1f} s)")
    if len(done) < len(result.lessons):
        raise SystemExit(1)  # (ctx.exit is swallowed by main's standalone_mode=False)
