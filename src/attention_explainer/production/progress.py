"""Progress across the scenes of a render, with an ETA: live bars on a terminal, one line per
event otherwise.

The render calls `add` (per scene: animations and seconds its last render took, when known),
`start`, `update` (animations done so far), `done`, `failed`, `note` and `close`; `--quiet`
uses `Silent`. rich comes with Manim, so this adds no dependency.

The ETA (`Estimate`) weighs each scene to render by how long it took last time (a scene never
rendered counts as the mean of the known ones, or DEFAULT_SCENE_SECONDS), counts a running
scene done in proportion to its animations, and divides the work left by the rate measured so
far; before anything is measured, by the number of scenes rendered at once.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, TextIO

DEFAULT_SCENE_SECONDS = 60.0  # a scene never rendered before, when no other scene is known either
MIN_MEASURED_SECONDS = 3.0  # trust the measured rate after this long


class Progress(Protocol):
    def add(self, scene_id: str, title: str, total: Optional[int], seconds: Optional[float] = None) -> None: ...
    def start(self, scene_id: str) -> None: ...
    def update(self, scene_id: str, animations: int) -> None: ...
    def done(self, scene_id: str, reused: bool, seconds: float) -> None: ...
    def failed(self, scene_id: str) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class _Work:
    weight: Optional[float]  # estimated seconds; None: unknown (the mean of the known ones)
    total: Optional[int]  # animations expected
    fraction: float = 0.0  # done so far
    reused: bool = False


class Estimate:
    """Seconds left for the scenes of one render (see the module docstring)."""

    def __init__(self, parallel: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.parallel = max(1, parallel)
        self.clock = clock
        self.scenes: dict[str, _Work] = {}
        self.began: Optional[float] = None  # when the first scene started rendering

    def add(self, scene_id: str, total: Optional[int], seconds: Optional[float]) -> None:
        self.scenes[scene_id] = _Work(seconds if seconds and seconds > 0 else None, total)

    def start(self, scene_id: str) -> None:
        if self.began is None:
            self.began = self.clock()

    def update(self, scene_id: str, animations: int) -> None:
        work = self.scenes[scene_id]
        if work.total:
            work.fraction = min(0.99, animations / work.total)  # done only when the file is there

    def done(self, scene_id: str, reused: bool) -> None:
        work = self.scenes[scene_id]
        work.fraction, work.reused = 1.0, reused

    def _weights(self) -> dict[str, float]:
        active = {k: w for k, w in self.scenes.items() if not w.reused}
        known = [w.weight for w in active.values() if w.weight is not None]
        fallback = sum(known) / len(known) if known else DEFAULT_SCENE_SECONDS
        return {k: w.weight if w.weight is not None else fallback for k, w in active.items()}

    def scenes_done(self) -> tuple[int, int]:
        """(scenes finished or reused, scenes in all)."""
        return sum(w.fraction >= 1.0 for w in self.scenes.values()), len(self.scenes)

    def remaining(self) -> Optional[float]:
        """Seconds left, or None when nothing is left to render."""
        weights = self._weights()
        total = sum(weights.values())
        done = sum(weights[k] * self.scenes[k].fraction for k in weights)
        left = total - done
        if left <= 1e-9:
            return None
        elapsed = self.clock() - self.began if self.began is not None else 0.0
        if done > 0 and elapsed >= MIN_MEASURED_SECONDS:
            return left * elapsed / done  # the rate measured on this machine, now
        return max(0.0, left / self.parallel - elapsed)

    def text(self) -> str:
        """'about 2:05 left', '' when nothing is left."""
        seconds = self.remaining()
        if seconds is None:
            return ""
        minutes, secs = divmod(int(round(seconds)), 60)
        return f"about {minutes}:{secs:02d} left"


class Silent:
    def add(self, scene_id: str, title: str, total: Optional[int], seconds: Optional[float] = None) -> None: pass
    def start(self, scene_id: str) -> None: pass
    def update(self, scene_id: str, animations: int) -> None: pass
    def done(self, scene_id: str, reused: bool, seconds: float) -> None: pass
    def failed(self, scene_id: str) -> None: pass
    def note(self, text: str) -> None: pass
    def close(self) -> None: pass


class Lines(Silent):
    """For logs and CI: a line when a scene starts and when it ends, the latter with the ETA."""

    def __init__(self, stream: TextIO, parallel: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.eta = Estimate(parallel, clock)

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def add(self, scene_id: str, title: str, total: Optional[int], seconds: Optional[float] = None) -> None:
        self.eta.add(scene_id, total, seconds)

    def start(self, scene_id: str) -> None:
        self.eta.start(scene_id)
        self._say(f"rendering {scene_id} ...")

    def update(self, scene_id: str, animations: int) -> None:
        self.eta.update(scene_id, animations)

    def done(self, scene_id: str, reused: bool, seconds: float) -> None:
        self.eta.done(scene_id, reused)
        if reused:
            self._say(f"{scene_id}: unchanged, reused")
            return
        finished, count = self.eta.scenes_done()
        left = self.eta.text()
        self._say(f"{scene_id}: rendered in {seconds:.1f} s ({finished}/{count} scenes"
                  f"{'; ' + left if left else ''})")

    def failed(self, scene_id: str) -> None:
        self._say(f"{scene_id}: failed")

    def note(self, text: str) -> None:
        self._say(text)


class Bars(Silent):
    """rich progress bars: one per scene (animations done / expected) and one for all scenes,
    with the ETA across them."""

    ALL = "all scenes"

    def __init__(self, stream: TextIO, parallel: int = 1) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream)
        self.eta = Estimate(parallel)
        self.bars = RichProgress(
            TextColumn("{task.description:<20}"), BarColumn(), TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(), console=self.console, transient=False)
        self.tasks: dict[str, object] = {}
        self.overall = self.bars.add_task(self.ALL, total=1.0, start=False, status="")
        self.bars.start()

    def _refresh_overall(self) -> None:
        finished, count = self.eta.scenes_done()
        weights = self.eta._weights()
        total = sum(weights.values()) or 1.0
        done = sum(weights[k] * self.eta.scenes[k].fraction for k in weights) if weights else total
        left = self.eta.text()
        self.bars.update(self.overall, total=total, completed=done,  # type: ignore[arg-type]
                         status=f"{finished}/{count} scenes" + (f", {left}" if left else ""))

    def add(self, scene_id: str, title: str, total: Optional[int], seconds: Optional[float] = None) -> None:
        self.eta.add(scene_id, total, seconds)
        self.tasks[scene_id] = self.bars.add_task(scene_id, total=total, start=False, status="queued")
        self._refresh_overall()

    def start(self, scene_id: str) -> None:
        self.eta.start(scene_id)
        self.bars.start_task(self.overall)  # type: ignore[arg-type]
        self.bars.start_task(self.tasks[scene_id])  # type: ignore[arg-type]
        self.bars.update(self.tasks[scene_id], status="rendering")  # type: ignore[arg-type]
        self._refresh_overall()

    def update(self, scene_id: str, animations: int) -> None:
        self.eta.update(scene_id, animations)
        task = self.tasks[scene_id]
        total = self.bars.tasks[task].total  # type: ignore[index]
        status = f"{animations}/{int(total)} animations" if total else f"{animations} animations"
        self.bars.update(task, completed=min(animations, total or animations), status=status)  # type: ignore[arg-type]
        self._refresh_overall()

    def done(self, scene_id: str, reused: bool, seconds: float) -> None:
        self.eta.done(scene_id, reused)
        task = self.tasks[scene_id]
        self.bars.start_task(task)  # type: ignore[arg-type]
        total = self.bars.tasks[task].total or 1  # type: ignore[index]
        self.bars.update(task, total=total, completed=total,  # type: ignore[arg-type]
                         status="unchanged, reused" if reused else f"rendered in {seconds:.1f} s")
        self.bars.stop_task(task)  # type: ignore[arg-type]
        self._refresh_overall()

    def failed(self, scene_id: str) -> None:
        self.bars.update(self.tasks[scene_id], status="[red]failed")  # type: ignore[arg-type]
        self.bars.stop_task(self.tasks[scene_id])  # type: ignore[arg-type]

    def note(self, text: str) -> None:
        self.bars.console.print(text, markup=False, highlight=False)

    def close(self) -> None:
        self.bars.stop_task(self.overall)  # type: ignore[arg-type]
        self.bars.stop()


def make_progress(quiet: bool, stream: Optional[TextIO] = None, parallel: int = 1) -> Progress:
    """Silent with --quiet, bars on a terminal, plain lines when output goes to a file or CI."""
    stream = stream or sys.stderr
    if quiet:
        return Silent()
    if getattr(stream, "isatty", lambda: False)():
        return Bars(stream, parallel)
    return Lines(stream, parallel)
