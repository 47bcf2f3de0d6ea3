"""All-or-nothing output files: write to temp files beside the targets, then rename them all.

A render that fails or is interrupted never leaves a half-written video, and an earlier video at
that path stays intact until the new one (and its captions, chapters, manifest) are complete.
Temp files are named `.<name>.tmp-<pid>-<random><suffix>` in the target's folder (same file
system, so os.replace is atomic); a later run removes those whose process is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

_TEMP_RE = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]+(\.[^.]*)?$")


def temp_path(final: Path) -> Path:
    """A fresh temp path beside `final` that keeps its suffix (muxers pick the format by it)."""
    return final.with_name(f".{final.stem}.tmp-{os.getpid()}-{secrets.token_hex(4)}{final.suffix}")


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends (so a commit is never cut in half)."""
    mask = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class AtomicFiles:
    """Collects temp files for final paths; `commit()` renames them all, `discard()` deletes them."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def temp_for(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(final)
        self._pending.append((tmp, final))
        return tmp

    def write_text(self, final: Path, text: str) -> None:
        self.temp_for(final).write_text(text, encoding="utf-8")

    def commit(self) -> list[Path]:
        with signals_deferred():
            for tmp, final in self._pending:
                os.replace(tmp, final)
        done = [final for _, final in self._pending]
        self._pending.clear()
        return done

    def discard(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()

    def __enter__(self) -> "AtomicFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()  # whatever was not committed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(folder: Path, pattern: Optional[str] = None) -> int:
    """Delete temp files left by runs that were killed outright (SIGKILL, power loss)."""
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        m = _TEMP_RE.match(path.name)
        if m and (pattern is None or pattern in path.name) and not _alive(int(m.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
