"""The `attention-explainer` click group; each command lives in its own module beside this one."""

from __future__ import annotations

import click

from attention_explainer import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attention-explainer")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Render an explainer video of transformer self-attention for your own sentence."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
