"""`scenes` and `schema`: what the video can hold and how the config is shaped."""

from __future__ import annotations

import json

import click

from attention_explainer.cli.app import cli
from attention_explainer.config import json_schema
from attention_explainer.production.catalog import SCENES

@cli.command("scenes")
def scenes_cmd() -> None:
    """List the scene ids in video order (optional ones are marked)."""
    for info in SCENES:
        click.echo(f"{info.id}\t(optional)" if info.optional else info.id)


@cli.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the config file (for editor completion and checks)."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
