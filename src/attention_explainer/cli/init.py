"""`init`: write the commented default config to start from."""

from __future__ import annotations

from pathlib import Path

import click

from attention_explainer.cli.app import cli
from attention_explainer.config import default_config_path
from attention_explainer.errors import UserError

DEFAULT_NAME = "attention.yaml"


@cli.command("init")
@click.argument("path", type=click.Path(path_type=Path), default=Path(DEFAULT_NAME), metavar="[PATH]")
def init_cmd(path: Path) -> None:
    """Write the commented default config to PATH (default: ./attention.yaml) to edit.

    Every key is explained in the file. An existing file is never overwritten; a folder gets
    attention.yaml inside it. Then: `attention-explainer render -c PATH`.
    """
    from attention_explainer.production.atomic import AtomicFiles

    if path.is_dir():
        path = path / DEFAULT_NAME
    if path.exists() or path.is_symlink():
        raise UserError(f"{path}: already exists; not overwriting it (give another PATH, or delete it first)")
    if not path.parent.is_dir() and str(path.parent) not in ("", "."):
        raise UserError(f"{path.parent}: no such folder")
    text = default_config_path().read_text(encoding="utf-8")
    with AtomicFiles() as files:
        files.write_text(path, text)
        if path.exists():  # appeared meanwhile: still never overwrite
            raise UserError(f"{path}: already exists; not overwriting it")
        files.commit()
    click.echo(f"wrote {path}; edit it, then: attention-explainer render -c {path}")
