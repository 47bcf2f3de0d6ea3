"""One child process of production (a `manim render` of a scene, a check of some scenes): its
run record, its live log, its signals and what it leaves behind if it does not finish.

Render and check both start children through `Child`; `scheduler.run_children` runs many.
A child learns what to do from one typed run record (records.RunRecord, a JSON file) whose
path is its only environment variable of ours, $ATTENTION_EXPLAINER_RUN (records.RUN_ENV).
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, TextIO

from attention_explainer.errors import UserError
from attention_explainer.production.records import RUN_ENV, RunRecord
from attention_explainer.system.preflight import explain_failure

KILL_GRACE_SECONDS = 5.0  # after SIGINT, a child has this long to clean up before SIGKILL
LOG_COLUMNS = "120"  # width of Manim's (rich) log lines in the log files
TAIL_LINES = 200  # lines of a child's output kept in memory for its error message
# What children were told through the environment before the run record (and the record's own
# variable): never inherited from the parent's environment, so a child reads only its record.
STALE_VARS = tuple(f"ATTENTION_EXPLAINER_{n}" for n in ("RUN", "CONFIG", "BEATS", "SOURCES", "VOICE", "VOICE_CACHE",
                                                          "VOICE_SERVER", "CHECK"))
_ANIMATION = re.compile(r"Animation (\d+)\s*:")


class Interrupted(KeyboardInterrupt):
    """SIGTERM arrived (Ctrl-C raises KeyboardInterrupt itself): children are stopped, temp files removed."""


class ChildError(UserError):
    """A child process failed."""


class SignalsRaise:
    """While active, SIGTERM raises Interrupted in the main thread (like Ctrl-C does)."""

    def __enter__(self) -> None:
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGTERM, self._raise)

    @staticmethod
    def _raise(signum: int, frame: Any) -> None:
        raise Interrupted(f"signal {signum}")

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)


def child_env(record_path: Optional[Path] = None) -> dict[str, str]:
    """The parent's environment without the variables of STALE_VARS, plus the run record's path."""
    env = {k: v for k, v in os.environ.items() if k not in STALE_VARS}
    env.update({"COLUMNS": LOG_COLUMNS, "PYTHONUNBUFFERED": "1"})
    if record_path is not None:
        env[RUN_ENV] = str(Path(record_path).resolve())
    return env


@dataclass
class Child:
    """A child process to run: `cmd`, told what to do by `record` (written to `record_path`),
    finished when it exits 0 and `expect` exists; `leaves` are removed if it does not finish."""

    id: str  # what progress calls it (a scene id)
    cmd: list[str]
    log: Path
    record: Optional[RunRecord] = None
    record_path: Optional[Path] = None
    expect: Optional[Path] = None
    leaves: list[Path] = field(default_factory=list)
    scratch: list[Path] = field(default_factory=list)  # removed however it ends (Manim's audio WAV)
    partial_dir: Optional[Path] = None  # Manim's per-animation files: this run's are removed
    cost: float = 0.0  # expected seconds (the slowest start first)
    proc: Optional[subprocess.Popen[str]] = None
    reader: Optional[threading.Thread] = None
    started: float = 0.0
    started_wall: float = 0.0
    seconds: float = 0.0
    animations: int = 0
    error: Optional[str] = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))  # the output's last lines
    log_error: Optional[str] = None  # why the log file could not be written in full

    def start(self, on_animation: Callable[[str, int], None]) -> None:
        """Write the run record, start the process in its own group, follow its output."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        if self.expect is not None:
            self.expect.parent.mkdir(parents=True, exist_ok=True)
        if self.record is not None and self.record_path is not None:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            self.record.to_file(self.record_path, indent=1)
        self.started, self.started_wall = time.monotonic(), time.time()
        self.proc = subprocess.Popen(self.cmd, env=child_env(self.record_path if self.record else None),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", errors="replace",
                                     start_new_session=True,  # its own group: we stop it (and its LaTeX)
                                     preexec_fn=_die_with_parent)
        self.reader = threading.Thread(target=self._read_output, args=(on_animation,), daemon=True)
        self.reader.start()

    def _read_output(self, on_animation: Callable[[str, int], None]) -> None:
        """Copy the output into the log (and keep its tail in memory), count the animations.

        The pipe is drained to the end whatever happens to the log (a full disk): a child blocked
        on a full pipe would never finish, and the error line comes from the tail in memory."""
        assert self.proc is not None and self.proc.stdout is not None
        log: Optional[TextIO] = None
        try:
            log = open(self.log, "w", encoding="utf-8")
        except OSError as e:
            self.log_error = e.strerror or str(e)
        for line in self.proc.stdout:
            self.tail.append(line)
            if log is not None:
                try:
                    log.write(line)
                    log.flush()  # a live log, to follow with tail -f
                except OSError as e:
                    self.log_error = e.strerror or str(e)
                    log = _close_quietly(log)
            m = _ANIMATION.search(line)
            if m:
                self.animations = max(self.animations, int(m.group(1)) + 1)
                on_animation(self.id, self.animations)
        _close_quietly(log)

    def poll(self) -> bool:
        """True once the process has exited (then `seconds` and, on failure, `error` are set)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            return False
        if self.reader is not None:
            self.reader.join()
        self.seconds = time.monotonic() - self.started
        if self.proc.returncode != 0 or (self.expect is not None and not self.expect.exists()):
            tail = "".join(self.tail)
            self.error = explain_failure(tail) or failure_line(tail)
        return True

    @property
    def finished(self) -> bool:
        return (self.proc is not None and self.proc.returncode == 0 and self.error is None
                and (self.expect is None or self.expect.exists()))

    def stop(self) -> None:
        """Interrupt a running child (Manim then deletes its half-written file), kill it if it lingers."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, KILL_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def clean_up(self) -> None:
        """Remove what this run made besides its result: the record and scratch files; if
        unfinished, also its output, its leaves and this run's partial animation files."""
        for path in [*([self.record_path] if self.record_path else []), *self.scratch]:
            path.unlink(missing_ok=True)
        if self.finished:
            return
        for path in [*([self.expect] if self.expect else []), *self.leaves]:
            path.unlink(missing_ok=True)
        if self.started_wall and self.partial_dir is not None and self.partial_dir.is_dir():
            for path in self.partial_dir.iterdir():
                try:
                    if path.stat().st_mtime >= self.started_wall - 1:
                        path.unlink()
                except OSError:
                    pass

    def failure(self, what: str) -> str:
        """'<what> failed: <line> (full log: <path>)'."""
        where = f"log incomplete, {self.log_error}: {self.log}" if self.log_error else f"full log: {self.log}"
        return f"{what} failed: {self.error} ({where})"


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it when the process that started it dies (a Dask worker
    killed mid-task must not leave its Manim child rendering into the shared cache). Linux only."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _close_quietly(file: Optional[TextIO]) -> None:
    if file is not None:
        try:
            file.close()
        except OSError:
            pass
    return None


_BOX = re.compile(r"^[\s│╭╮╰╯─┃━┏┓┗┛|]*$")
_LOG_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)?(INFO|WARNING|ERROR|CRITICAL|DEBUG)?\s+")
_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


def failure_line(log_text: str) -> str:
    """The most telling line of a failed child: the exception, else the last non-frame line."""
    lines = [ln.rstrip() for ln in log_text.splitlines()]
    lines = [ln for ln in lines if ln.strip() and not _BOX.match(ln)]
    for ln in reversed(lines):
        if _ERROR_LINE.match(ln.strip()):
            return ln.strip()
    for ln in reversed(lines):
        text = ln.strip().strip("│").strip()
        if text and not text.startswith(("File ", "Traceback")):
            return _LOG_PREFIX.sub("", text) or text
    return "no output (see the log)"


def stop_all(children: Sequence[Child]) -> None:
    for child in children:
        child.stop()


def finished_svg(path: Path) -> bool:
    """Whether an SVG of Manim's TeX or text cache was written to its end (a process killed while
    writing one leaves it empty or cut off, and Manim would read it back as a broken formula)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 64))
            return f.read().rstrip().endswith(b"</svg>")
    except OSError:
        return False


def drop_unfinished_svgs(media_dir: Path) -> None:
    """Remove the cut-off SVGs a killed process left in `media_dir`'s TeX and text caches."""
    for sub in ("Tex", "texts"):
        for path in (media_dir / sub).glob("*.svg") if (media_dir / sub).is_dir() else []:
            if not finished_svg(path):
                path.unlink(missing_ok=True)


class MediaDir:
    """A Manim media dir that no other process uses meanwhile: <root>/<name>, else <name>.1, ...
    (its TeX and text caches stay warm between runs). Two processes writing one scene into one
    folder overwrite each other's partial movie files, and read each other's half-written TeX.
    Held (an flock on <dir>.lock) until `release`."""

    def __init__(self, root: Path, name: str, tries: int = 64) -> None:
        root.mkdir(parents=True, exist_ok=True)
        for n in range(tries):
            path = root / (name if n == 0 else f"{name}.{n}")
            lock = open(f"{path}.lock", "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            self.path, self._lock = path, lock
            drop_unfinished_svgs(path)
            return
        raise RuntimeError(f"no free media dir for {name} under {root}")

    def release(self) -> None:
        self._lock.close()

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.release()
