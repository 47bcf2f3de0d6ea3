"""The `attention-explainer` command: one thin module per command, over config, core, production."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer.cli import check, clean, doctor, export, init, listen, listing, narration, render, scene, storyboard  # noqa: F401 (register)
from attention_explainer.cli import page  # noqa: F401 (register)
from attention_explainer.cli.app import cli
from attention_explainer.cli.render import render_cmd
from attention_explainer.cli.scene import scene_cmd
from attention_explainer.cli.storyboard import storyboard_cmd
from attention_explainer.errors import UserError, one_line

__all__ = ["cli", "main", "render_cmd", "scene_cmd", "storyboard_cmd"]


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
        for line in getattr(e, "lines", None) or [str(e)]:  # a config with several problems: all of them
            click.echo(f"error: {one_line(line)}", err=True)
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
