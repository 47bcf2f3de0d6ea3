"""`doctor`: is this machine ready to render?"""

from __future__ import annotations

import sys

import click

from attention_explainer.cli.app import cli

@cli.command("doctor")
def doctor_cmd() -> None:
    """Check Python packages, Cairo/Pango, LaTeX, dvisvgm, the encoder and fonts."""
    from attention_explainer.system.doctor import run_checks

    ok = True
    for check in run_checks():
        if check.ok:
            mark = click.style("ok  ", fg="green")
        elif check.optional:
            mark = click.style("optional", fg="yellow")
        else:
            mark = click.style("MISSING", fg="red")
        click.echo(f"{mark} {check.name}: {check.detail}")
        if not check.ok:
            ok = ok and check.optional
            click.echo(f"      {'recommended' if check.optional else 'fix'}: {check.fix}")
    if not ok:
        click.echo("Some parts are missing; install them as shown above.", err=True)
        sys.exit(1)
    click.echo("All good: attention-explainer can render.")
