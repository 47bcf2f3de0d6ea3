"""`page`: the lesson page for an earlier render, from the files beside its video."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.production.page import write_page


@cli.command("page")
@click.argument("video", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="The page to write (default: <video name>.html beside the video).")
@click.option("--present", is_flag=True,
              help="Open in presenter mode: the video stops at the end of each beat; → Space PageDown go on, "
                   "← PageUp back, M mutes the voice (captions stay), F fullscreen.")
def page_cmd(video: Path, output: Optional[Path], present: bool) -> None:
    """Write the lesson page for VIDEO (an .mp4 or .webm that `render` wrote): the video with its
    chapters, the transcript highlighted word by word, and the lesson's numbers, live. It works
    offline from the video's folder (copy the folder, or the page and the video)."""
    click.echo(f"wrote {write_page(video, output, present)}")
