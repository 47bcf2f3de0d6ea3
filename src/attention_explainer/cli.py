"""The `attention-explainer` command: thin click wrappers over config, core, render and doctor."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer import __version__
from attention_explainer.attention import compute_trace
from attention_explainer.catalog import SCENES, scene_by_id, scene_ids
from attention_explainer.config import Config, UserError, json_schema, load_config

QUALITIES = ("l", "m", "h", "p", "k")

config_option = click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=True, path_type=Path),
    default=None,
    help="YAML config (default: the packaged configs/default.yaml).",
)
quality_option = click.option(
    "-q",
    "--quality",
    type=click.Choice(QUALITIES),
    default=None,
    help="l=480p15 m=720p30 h=1080p60 p=1440p60 k=2160p60 (default: the config's video.quality).",
)


def _load(config_path: Optional[Path]) -> Config:
    return load_config(config_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attention-explainer")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Render an explainer video of transformer self-attention for your own sentence."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command("scenes")
def scenes_cmd() -> None:
    """List the scene ids in video order (optional ones are marked)."""
    for info in SCENES:
        click.echo(f"{info.id}\t(optional)" if info.optional else info.id)


@cli.command("export")
@config_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def export_cmd(config_path: Optional[Path], fmt: str) -> None:
    """Print every number of the attention computation (the trace) on stdout."""
    trace = compute_trace(_load(config_path))
    data = trace.to_dict()
    if fmt == "json":
        click.echo(_trace_json(data))
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["matrix", "row", "col", "row_label", "col_label", "value"])
    toks = list(trace.tokens)
    labels: dict[str, tuple[list[str] | None, list[str] | None]] = {
        "X": (toks, None), "Q": (toks, None), "K": (toks, None), "V": (toks, None),
        "scores": (toks, toks), "scaled": (toks, toks), "weights": (toks, toks), "Z": (toks, None),
        "W_Q": (None, None), "W_K": (None, None), "W_V": (None, None),
    }
    for name in ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z"):
        rows, cols = labels[name]
        for i, row in enumerate(data[name]):
            for j, value in enumerate(row):
                writer.writerow([name, i, j, rows[i] if rows else "", cols[j] if cols else "", repr(value)])
    click.echo(buf.getvalue(), nl=False)


def _trace_json(data: dict[str, Any]) -> str:
    """JSON with one matrix row per line: diffable and readable, still standard JSON."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n".join("    " + json.dumps(row) for row in value)
            text = f"[\n{rows}\n  ]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


@cli.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the config file (for editor completion and checks)."""
    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@cli.command("doctor")
def doctor_cmd() -> None:
    """Check Python packages, Cairo/Pango, LaTeX, dvisvgm, the encoder and fonts."""
    from attention_explainer.doctor import run_checks

    ok = True
    for check in run_checks():
        mark = click.style("ok  ", fg="green") if check.ok else click.style("MISSING", fg="red")
        click.echo(f"{mark} {check.name}: {check.detail}")
        if not check.ok:
            ok = False
            click.echo(f"      fix: {check.fix}")
    if not ok:
        click.echo("Some parts are missing; install them as shown above.", err=True)
        sys.exit(1)
    click.echo("All good: attention-explainer can render.")


@cli.command("scene")
@click.argument("scene_id", type=click.Choice(scene_ids()), metavar="SCENE_ID")
@config_option
@quality_option
@click.option("--still", is_flag=True, help="Write only the last frame, as PNG.")
@click.option("--media-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("media"), show_default=True)
def scene_cmd(scene_id: str, config_path: Optional[Path], quality: Optional[str], still: bool, media_dir: Path) -> None:
    """Render one scene (for review). SCENE_ID is one of `attention-explainer scenes`."""
    from attention_explainer.render import render_scene

    config = _load(config_path)
    out = render_scene(scene_by_id(scene_id), config_path, quality or config.video.quality, media_dir, still=still)
    click.echo(f"wrote {out}")


@cli.command("render")
@config_option
@quality_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Final video path.")
@click.option("--media-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("media"), show_default=True)
def render_cmd(config_path: Optional[Path], quality: Optional[str], output: Optional[Path], media_dir: Path) -> None:
    """Render the configured scenes, in order, into the full video."""
    from attention_explainer.render import render_video

    config = _load(config_path)
    out = render_video(config, config_path, quality or config.video.quality, media_dir, output)
    click.echo(f"wrote {out}")


def main(argv: Optional[list[str]] = None) -> Any:
    """Entry point: user errors are one line on stderr and exit 2; --debug shows tracebacks."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        return cli.main(args=args, prog_name="attention-explainer", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        if debug:
            raise
        click.echo(f"error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except UserError as e:
        if debug:
            raise
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
