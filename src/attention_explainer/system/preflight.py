"""Fast checks before a render, so a missing tool or a full disk is one clear line up front
instead of a Manim traceback minutes later.

    preflight(media_dir, output, quality, still)  # raises PreflightError (a UserError: exit 2)

Checks, in the order a user would fix them (each well under a second, no subprocess):
  1. `latex` and `dvisvgm` on PATH (every scene sets formulas), naming the Debian package;
  2. the font the scenes use (DejaVu Sans), as Pango sees it;
  3. the media folder (and the folder of -o) can be created and written;
  4. some free space there (MIN_FREE_MB, by quality; a rough floor, not a promise).

`explain_failure(line)` turns the last line of a failed Manim run (render.failure_line) into the
same kind of message when the cause is one of these (latex gone mid-run, disk full, read-only).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from attention_explainer.config.quality import QUALITIES
from attention_explainer.errors import UserError

APP_DIR = "attention-explainer"  # as render.APP_DIR (not imported: render pulls in the assembler)
APT = "sudo apt-get install"
TOOLS = {  # program -> Debian package
    "latex": "texlive-latex-base",
    "dvisvgm": "dvisvgm",
}
FONT = "DejaVu Sans"
FONT_PACKAGE = "fonts-dejavu-core"
# Free space a render should find, in MB: rough floors (Manim keeps one file per animation, the
# cache keeps a copy of each scene), to stop early rather than at the last scene.
MIN_FREE_MB = dict(zip(QUALITIES, (100, 250, 500, 1000, 2000)))  # by quality, lowest first
MIN_FREE_MB_STILL = 50


class PreflightError(UserError):
    """Something a render needs is missing; the message says what and how to fix it."""


def missing_tool_message(tool: str) -> str:
    package = TOOLS.get(tool, tool)
    what = "LaTeX" if tool == "latex" else tool
    return (f"{what} is not installed ('{tool}' is not on PATH), and the video's formulas need it; "
            f"install it with: {APT} {package} (or run scripts/bootstrap.sh setup)")


def check_tools(path: Optional[str] = None) -> None:
    """latex and dvisvgm on PATH (or on `path`, a PATH string)."""
    for tool in TOOLS:
        if shutil.which(tool, path=path) is None:
            raise PreflightError(missing_tool_message(tool))


def check_font() -> None:
    """The scenes' font is known to Pango (without it, text falls back to another font or boxes)."""
    try:
        import manimpango
    except ImportError:  # doctor reports the package; the render would fail on import anyway
        return
    if FONT not in manimpango.list_fonts():
        raise PreflightError(f"the font {FONT} is not installed; install it with: {APT} fontconfig {FONT_PACKAGE}")


def _existing_parent(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_writable(folder: Path, what: str = "media folder", option: str = "--media-dir") -> None:
    """`folder` exists or can be made, and a file can be written in it (then removed)."""
    folder = Path(folder)
    base = _existing_parent(folder)
    if not base.is_dir():
        raise PreflightError(f"{folder}: cannot be the {what}: {base} is a file, not a folder; "
                             f"choose another with {option}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".preflight-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise PreflightError(f"{folder}: is a file, not a folder; choose another {what} with {option}") from None
    except OSError as e:
        reason = e.strerror or str(e)
        raise PreflightError(f"{folder}: the {what} is not writable ({reason}); "
                             f"choose another with {option}") from None


def check_free_space(folder: Path, need_mb: int) -> None:
    """At least need_mb megabytes free on the disk holding `folder`."""
    free_mb = shutil.disk_usage(_existing_parent(Path(folder))).free // (1024 * 1024)
    if free_mb < need_mb:
        raise PreflightError(f"{folder}: only {free_mb} MB free on that disk; this render needs about "
                             f"{need_mb} MB: free some space or choose another folder with --media-dir")


def preflight(media_dir: Path, output: Optional[Path] = None, quality: str = "l", still: bool = False) -> None:
    """Raise PreflightError with one line if a render cannot work here. Takes milliseconds."""
    check_tools()
    check_font()
    app = Path(media_dir) / APP_DIR
    check_writable(app)
    if output is not None:
        parent = Path(output).parent
        check_writable(parent if str(parent) else Path("."), "output folder", "-o")
    check_free_space(app, MIN_FREE_MB_STILL if still else MIN_FREE_MB.get(quality, MIN_FREE_MB["h"]))


# ----------------------------------------------------------------- failures during the render

_NOT_FOUND = re.compile(r"FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<tool>[^'/]+)'")
_ERRNO = re.compile(r"\[Errno (?P<code>\d+)\]")
_TAIL = 20_000  # characters of a log to search: the traceback at its end


def explain_failure(text: str) -> Optional[str]:
    """One line saying why a Manim run failed, or None when the cause is not one of these:
    LaTeX or dvisvgm missing (FileNotFoundError naming them: removed, or PATH changed, after the
    preflight), a full disk, a read-only or unwritable folder.

    `text` is the run's log, or just its last line (render.failure_line). The whole log is better:
    a full disk can surface as "RuntimeError: Failed to finish video segment" with the errno on
    the lines after it.
    """
    tail = text[-_TAIL:]
    tail = tail[max(tail.rfind("Traceback"), 0):]  # the error that ended the run, not earlier noise
    m = _NOT_FOUND.search(tail)
    if m and m.group("tool") in TOOLS:
        return missing_tool_message(m.group("tool"))
    codes = [int(c) for c in _ERRNO.findall(tail)]
    if any(c in (errno.ENOSPC, errno.EDQUOT) for c in codes):
        return "the disk is full (No space left on device); free some space or choose another folder with --media-dir"
    if errno.EROFS in codes:
        return "the media folder is on a read-only disk; choose another folder with --media-dir"
    if any(c in (errno.EACCES, errno.EPERM) for c in codes):
        return "no permission to write in the media folder; choose another folder with --media-dir"
    return None
