"""`scenes` and `schema`: what the video can hold and how the config is shaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.config import json_schema
from attention_explainer.cli.options import load
from attention_explainer.config.catalog import SCENES, scene_by_id

@cli.command("scenes")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=True, path_type=Path), default=None,
              help="List this config's video.scenes in its order first, then the scenes it leaves out.")
def scenes_cmd(config_path: Optional[Path]) -> None:
    """List the scene ids in video order (optional ones are marked).

    With --config: the config's scenes in its order (optional ones marked), then every other
    scene marked "not included".
    """
    if config_path is None:
        for info in SCENES:
            click.echo(f"{info.id}\t(optional)" if info.optional else info.id)
        return
    order = list(load(config_path).video.scenes)
    for scene_id in order:
        click.echo(f"{scene_id}\t(optional)" if scene_by_id(scene_id).optional else scene_id)
    for info in SCENES:
        if info.id not in order:
            click.echo(f"{info.id}\t({'optional, ' if info.optional else ''}not included)")


@cli.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the config file (for editor completion and checks)."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
