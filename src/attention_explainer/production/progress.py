"""Progress across the scenes of a render: live bars on a terminal, one line per event otherwise.

The render calls `start`, `update` (animations done so far), `done` and `close`; `--quiet` uses
`Silent`. rich comes with Manim, so this adds no dependency.
"""

from __future__ import annotations

import sys
from typing import Optional, Protocol, TextIO


class Progress(Protocol):
    def add(self, scene_id: str, title: str, total: Optional[int]) -> None: ...
    def start(self, scene_id: str) -> None: ...
    def update(self, scene_id: str, animations: int) -> None: ...
    def done(self, scene_id: str, reused: bool, seconds: float) -> None: ...
    def failed(self, scene_id: str) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


class Silent:
    def add(self, scene_id: str, title: str, total: Optional[int]) -> None: pass
    def start(self, scene_id: str) -> None: pass
    def update(self, scene_id: str, animations: int) -> None: pass
    def done(self, scene_id: str, reused: bool, seconds: float) -> None: pass
    def failed(self, scene_id: str) -> None: pass
    def note(self, text: str) -> None: pass
    def close(self) -> None: pass


class Lines(Silent):
    """For logs and CI: a line when a scene starts and when it ends."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, scene_id: str) -> None:
        self._say(f"rendering {scene_id} ...")

    def done(self, scene_id: str, reused: bool, seconds: float) -> None:
        self._say(f"{scene_id}: unchanged, reused" if reused else f"{scene_id}: rendered in {seconds:.1f} s")

    def failed(self, scene_id: str) -> None:
        self._say(f"{scene_id}: failed")

    def note(self, text: str) -> None:
        self._say(text)


class Bars(Silent):
    """rich progress bars: one per scene (animations done / expected) and the elapsed time."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.bars = RichProgress(
            TextColumn("{task.description:<16}"), BarColumn(), TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(), console=self.console, transient=False)
        self.tasks: dict[str, object] = {}
        self.bars.start()

    def add(self, scene_id: str, title: str, total: Optional[int]) -> None:
        self.tasks[scene_id] = self.bars.add_task(scene_id, total=total, start=False, status="queued")

    def start(self, scene_id: str) -> None:
        self.bars.start_task(self.tasks[scene_id])  # type: ignore[arg-type]
        self.bars.update(self.tasks[scene_id], status="rendering")  # type: ignore[arg-type]

    def update(self, scene_id: str, animations: int) -> None:
        task = self.tasks[scene_id]
        total = self.bars.tasks[task].total  # type: ignore[index]
        status = f"{animations}/{int(total)} animations" if total else f"{animations} animations"
        self.bars.update(task, completed=min(animations, total or animations), status=status)  # type: ignore[arg-type]

    def done(self, scene_id: str, reused: bool, seconds: float) -> None:
        task = self.tasks[scene_id]
        self.bars.start_task(task)  # type: ignore[arg-type]
        total = self.bars.tasks[task].total or 1  # type: ignore[index]
        self.bars.update(task, total=total, completed=total,  # type: ignore[arg-type]
                         status="unchanged, reused" if reused else f"rendered in {seconds:.1f} s")
        self.bars.stop_task(task)  # type: ignore[arg-type]

    def failed(self, scene_id: str) -> None:
        self.bars.update(self.tasks[scene_id], status="[red]failed")  # type: ignore[arg-type]
        self.bars.stop_task(self.tasks[scene_id])  # type: ignore[arg-type]

    def note(self, text: str) -> None:
        self.bars.console.print(text, markup=False, highlight=False)

    def close(self) -> None:
        self.bars.stop()


def make_progress(quiet: bool, stream: Optional[TextIO] = None) -> Progress:
    """Silent with --quiet, bars on a terminal, plain lines when output goes to a file or CI."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if getattr(stream, "isatty", lambda: False)():
        return Bars(stream)
    return Lines(stream)
