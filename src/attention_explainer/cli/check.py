"""`check`: every configured scene built without drawing, inspected at every beat and animation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import (
    config_option,
    jobs_option,
    language_option,
    load,
    media_dir_option,
    scene_lookup,
)


@cli.command("check")
@config_option
@language_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document (scenes, findings, seconds) on stdout.")
@media_dir_option
@jobs_option
@click.pass_context
def check_cmd(ctx: click.Context, config_path: Optional[Path], as_json: bool, media_dir: Path,
              jobs: Optional[int], language: Optional[str] = None) -> None:
    """Check the layout and readability of every configured scene, for the config's sentence.

    Builds each scene with animations skipped (nothing is drawn or encoded) and looks at every
    beat and at the start and end of every animation: nothing outside the safe area, captions in
    their band in at most 2 lines, no overlapping texts or boxes, text at least 14 px high at
    1080p, WCAG AA contrast (4.5:1), every beat held its reading time, one baseline per token
    row. One line per finding (scene, beat, what, where); exit 1 when there is any.
    """
    from attention_explainer.production.check import check_scenes

    config = load(config_path, language)
    lookup = scene_lookup(ctx)
    result = check_scenes([lookup(s) for s in config.video.scenes], config, media_dir, jobs or 0)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        for finding in result.findings:
            click.echo(finding.line())
        how = "unchanged, reused" if result.reused else \
            f"{len(result.checked)} changed, built in {result.seconds:.1f} s"
        click.echo(f"checked {len(result.scenes)} scenes ({how}): "
                   f"{len(result.findings) or 'no'} finding{'' if len(result.findings) == 1 else 's'}", err=True)
    if result.findings:
        raise SystemExit(1)  # (click's ctx.exit is swallowed by main's standalone_mode=False)
