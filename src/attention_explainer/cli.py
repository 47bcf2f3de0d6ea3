"""The `attention-explainer` command: thin click wrappers over config, core, render and doctor."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer import __version__
from attention_explainer.attention import compute_trace
from attention_explainer.catalog import SCENES, scene_by_id, scene_ids
from attention_explainer.preflight import preflight
from attention_explainer.config import Config, UserError, json_schema, load_config, one_line
from attention_explainer.formats import DEFAULT_X264_PRESET, FORMATS, X264_PRESETS

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


# ------------------------------------------------------------ rendering (scene, render, storyboard)

media_dir_option = click.option(
    "--media-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("media"), show_default=True,
    help="Where outputs, the render cache and logs go (under <media-dir>/attention-explainer/).")
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None,
    help="Scenes rendered at once, each in its own process (default: one per CPU core).")
quiet_option = click.option("--quiet", is_flag=True, help="No progress output; only say where the files went.")
captions_option = click.option(
    "--burn-captions/--no-burn-captions", "burn_captions", default=None,
    help="Draw the narration into the frames (default: the config's display.captions). "
         "Caption files (.srt, .vtt) are written either way.")
voice_option = click.option(
    "--voice", default="none", show_default=True, metavar="none|espeak[:VOICE]|wav-dir:PATH|cmd:TEMPLATE",
    help="Narration: espeak-ng, your recordings named <beat-id>.wav (ids in the manifest), or any TTS "
         "command, e.g. 'cmd:pico2wave -w {out} {text}'.")
preset_option = click.option(
    "--x264-preset", type=click.Choice(X264_PRESETS),
    default=DEFAULT_X264_PRESET, show_default=True,
    help="x264 speed of the scene videos; the quality is set by x264's crf either way. ultrafast renders "
         "1080p60 ~25% faster with ~2.5x larger files; medium (Manim's own) is ~40% slower, files alike.")
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                             help="mp4 (default) joins scenes without re-encoding; webm and gif re-encode (slower). "
                                  "Without it, an -o file ending in .webm or .gif chooses.")


def _render_settings(config: Config, config_path: Optional[Path], quality: Optional[str], media_dir: Path,
                     jobs: Optional[int] = None, quiet: bool = False, burn_captions: Optional[bool] = None,
                     voice: str = "none", x264_preset: str = DEFAULT_X264_PRESET) -> Any:
    from attention_explainer.render import RenderSettings

    return RenderSettings(config=config, name=Path(config_path).stem if config_path else "default",
                          quality=quality, media_dir=media_dir, jobs=jobs or 0, captions=burn_captions,
                          voice=voice, quiet=quiet, x264_preset=x264_preset)


def _scene_lookup(ctx: click.Context) -> Any:
    """id -> SceneInfo: the catalog's, unless the caller injected one (tests: main(obj={...}))."""
    obj = ctx.find_root().obj or {}
    return obj.get("scene_lookup") or scene_by_id


@cli.command("scene")
@click.argument("scene_id", type=click.Choice(scene_ids()), metavar="SCENE_ID")
@config_option
@quality_option
@click.option("--still", is_flag=True, help="Write only the last frame, as PNG.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: <media-dir>/attention-explainer/<config>_<scene>_<quality>.<format>).")
@media_dir_option
@format_option
@captions_option
@voice_option
@preset_option
@quiet_option
@click.pass_context
def scene_cmd(ctx: click.Context, scene_id: str, config_path: Optional[Path], quality: Optional[str], still: bool,
              output: Optional[Path], media_dir: Path, fmt: Optional[str], burn_captions: Optional[bool],
              voice: str, x264_preset: str, quiet: bool) -> None:
    """Render one scene (for review). SCENE_ID is one of `attention-explainer scenes`."""
    from attention_explainer.render import render_scene

    config = _load(config_path)
    preflight(media_dir, output, quality or config.video.quality, still)
    settings = _render_settings(config, config_path, quality, media_dir, 1, quiet, burn_captions, voice, x264_preset)
    out = render_scene(_scene_lookup(ctx)(scene_id), settings, still=still, fmt=fmt, output=output)
    click.echo(f"wrote {out}")


@cli.command("render")
@config_option
@quality_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Final video (default: <media-dir>/attention-explainer/<config>_<quality>.<format>).")
@media_dir_option
@jobs_option
@quiet_option
@captions_option
@voice_option
@format_option
@preset_option
@click.pass_context
def render_cmd(ctx: click.Context, config_path: Optional[Path], quality: Optional[str], output: Optional[Path],
               media_dir: Path, jobs: Optional[int], quiet: bool, burn_captions: Optional[bool], voice: str,
               fmt: Optional[str], x264_preset: str) -> None:
    """Render the configured scenes, in order, into the full video.

    Scenes render in parallel; a scene whose code, config values, quality, captions and voice
    are unchanged is reused from the last render. Beside the video: captions (.srt, .vtt),
    chapters (.chapters.txt, also embedded) and a manifest (.manifest.json).
    """
    from attention_explainer.render import render_video

    config = _load(config_path)
    preflight(media_dir, output, quality or config.video.quality)
    settings = _render_settings(config, config_path, quality, media_dir, jobs, quiet, burn_captions, voice,
                                x264_preset)
    lookup = _scene_lookup(ctx)
    result = render_video([lookup(s) for s in config.video.scenes], settings, output, fmt)
    rendered = sum(not s.reused for s in result.segments)
    minutes, seconds = divmod(int(round(result.assembly.duration)), 60)
    click.echo(f"wrote {result.video} ({minutes}:{seconds:02d}; {len(result.segments)} scenes: {rendered} rendered, "
               f"{len(result.segments) - rendered} unchanged; took {result.seconds:.1f} s)")
    for path in result.assembly.files[1:]:
        click.echo(f"wrote {path}")
    if not quiet:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)


@cli.command("storyboard")
@config_option
@quality_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG file (default: <media-dir>/attention-explainer/<config>_<quality>_storyboard.png).")
@media_dir_option
@jobs_option
@quiet_option
@click.pass_context
def storyboard_cmd(ctx: click.Context, config_path: Optional[Path], quality: Optional[str], output: Optional[Path],
                   media_dir: Path, jobs: Optional[int], quiet: bool) -> None:
    """One PNG with the last frame of every configured scene, labelled with its title."""
    from attention_explainer.render import render_storyboard

    config = _load(config_path)
    preflight(media_dir, output, quality or config.video.quality, still=True)
    settings = _render_settings(config, config_path, quality, media_dir, jobs, quiet)
    lookup = _scene_lookup(ctx)
    out = render_storyboard([lookup(s) for s in config.video.scenes], settings, output)
    click.echo(f"wrote {out}")


def main(argv: Optional[list[str]] = None) -> Any:
    """Entry point: user errors are one line on stderr and exit 2; --debug shows tracebacks.

    Every message is one line with unprintable characters escaped (a config key or a file name can
    hold a newline or a terminal escape). A closed pipe (`export | head`) ends quietly; a failed
    write (disk full, read-only folder) is one line and exit 2; an unexpected bug is one line and
    exit 1, its traceback shown with --debug.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="attention-explainer", standalone_mode=False)
        sys.stdout.flush()  # a full disk under `export > file` shows here, not at interpreter exit
        return result
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort as e:  # click turns Ctrl-C into Abort (after a newline that ends the "^C")
        ctrl_c = isinstance(e.__cause__ or e.__context__, KeyboardInterrupt)
        click.echo("error: interrupted" if ctrl_c else "error: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        if debug:
            raise
        if isinstance(e, getattr(click.exceptions, "NoArgsIsHelpError", ())):
            click.echo(e.format_message(), err=True)  # click >= 8.2: a bare group shows its help
        else:
            click.echo(f"error: {one_line(e.format_message())}", err=True)
        sys.exit(e.exit_code)
    except UserError as e:
        if debug:
            raise
        click.echo(f"error: {one_line(str(e))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        _drop_stdout()  # the reader is gone: nothing more to say, and nothing to say it to
        sys.exit(141)  # 128 + SIGPIPE, as `yes | head` gives
    except OSError as e:
        if debug:
            raise
        _drop_stdout()
        click.echo(f"error: {one_line(_os_error(e))}", err=True)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - a bug: still one line, the traceback with --debug
        if debug:
            raise
        click.echo(f"error: internal error: {one_line(f'{type(e).__name__}: {e}')} "
                   "(run again with --debug for the traceback, and please report it)", err=True)
        sys.exit(1)


def _os_error(e: OSError) -> str:
    """One line for a failed read or write: what, where, and for a full disk what to do."""
    where = f"{e.filename}: " if e.filename else ""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}the disk is full ({e.strerror}); free some space and run again"
    if e.errno == errno.EROFS:
        folder = f"{Path(str(e.filename)).parent}: " if e.filename else ""
        return f"{folder}the folder is read-only; choose another (--media-dir, -o)"
    return f"{where}{e.strerror or e}"


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the exit flush of unwritable buffered output cannot print a
    second error (Python's "Exception ignored ... BrokenPipeError")."""
    try:
        sys.stdout.flush()
        return
    except (OSError, ValueError):
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
