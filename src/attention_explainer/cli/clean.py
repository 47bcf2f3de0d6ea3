"""`clean`: free the disk space old renders hold in media/."""

from __future__ import annotations

from pathlib import Path

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import media_dir_option


@cli.command("clean")
@media_dir_option
@click.option("--all", "everything", is_flag=True,
              help="Remove the whole cache (segments, Manim's folders with the TeX cache, spoken clips, work "
                   "files, logs); the next render renders every scene again.")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed and how much it would free.")
def clean_cmd(media_dir: Path, everything: bool, dry_run: bool) -> None:
    """Remove cached scene segments that no manifest in <media-dir>/attention-explainer/ refers to,
    and the work files interrupted renders left behind; say how much that freed.

    Finished videos, captions, chapters, manifests and PNGs are never removed. A segment used
    only by a video written elsewhere (-o) is removed too: that scene renders again next time.
    """
    from attention_explainer.production.housekeeping import clean
    from attention_explainer.production.settings import APP_DIR

    app_dir = media_dir / APP_DIR
    freed = clean(app_dir, everything=everything, dry_run=dry_run)
    verb = "would free" if dry_run else "freed"
    kept = f"; kept {freed.kept} segment(s) the manifests use" if freed.kept else ""
    click.echo(f"{verb} {freed.summary()} in {app_dir}{kept}")
