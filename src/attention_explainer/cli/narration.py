"""`narration`: print the effective narration script of a config, ready to copy and edit."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import config_option, language_option, load
from attention_explainer.errors import one_line
from attention_explainer.narration.script import GLOBAL_CONDITIONS, GLOBAL_FIELDS, script_for

HEADER = """\
# Narration script{what}: every line, keyed by beat id.
# Copy the lines you want to change into a file of your own, edit them, and set
# `video.narration: that-file.yaml` in your config (path relative to the config).
# A line can be just "text"; `spoken:` is what a voice says instead; `variants:` are chosen by
# condition (the first that holds wins, else `text:`).
# Fields every line may use (a line's own fields are listed above it):{fields}
# A line's own kinds: token / intro_token (a token of the sentence / video.intro_sentence, quoted),
# flag (a condition for that line's variants).
# Counts take a noun ({{n:token}} -> "3 tokens", {{n:child|children}}) or `a` ({{d_model:a}} ->
# "a 4"); numbers take decimals ({{weight:.3}}); write {{{{ and }}}} for a brace.
# Conditions for variants ("causal", "one_token and not causal"):{conditions}
"""


@cli.command("narration")
@config_option
@language_option
@click.option("--all", "all_scenes", is_flag=True,
              help="Every scene's lines, not only those of the config's video.scenes.")
def narration_cmd(config_path: Optional[Path], all_scenes: bool, language: Optional[str] = None) -> None:
    """Print the narration script the config uses (id, written line, spoken line) as YAML.

    Your own lines from video.narration are in it; the output works as an override file.
    """
    cfg = load(config_path, language)
    script = script_for(cfg.video.narration if isinstance(cfg.video.narration, dict) else None, cfg.video.language)
    ids = script.ids() if all_scenes else [i for s in cfg.video.scenes for i in script.ids(s)]
    what = "" if config_path is None else f" for {one_line(str(config_path))}"
    fields = "".join(f"\n#   {{{name}}} ({kind}): {doc}" for name, (kind, doc) in GLOBAL_FIELDS.items())
    conditions = "".join(f"\n#   {name}: {doc}" for name, doc in GLOBAL_CONDITIONS.items())
    click.echo(HEADER.format(what=what, fields=fields, conditions=conditions), nl=False)
    click.echo("\n" + script.to_yaml(ids), nl=False)
