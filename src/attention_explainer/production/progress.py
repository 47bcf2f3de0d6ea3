"""Progress across the scenes of a render, with an ETA: live bars on a terminal, one line per
event otherwise.

The render calls `add` (per scene: animations and seconds its last render took, when known),
`start`, `update` (animations done so far), `done`, `failed`, `note` and `close`; `--quiet`
uses `Silent`. rich comes with Manim, so this adds no dependency.

The ETA (`Estimate`) knows each scene's expected cost from the start: how long it took last
time, else `expected_seconds` (measured costs per scene and quality). A running scene needs
what its own pace so far says (time per share of its animations), else its expected cost minus
the time it ran. The speed of this machine today (seconds taken / expected, over the scenes
finished) scales the scenes not started, which are laid out on the cores they will run on
(`parallel`), slowest first: the ETA is when the last core finishes.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, TextIO

DEFAULT_SCENE_SECONDS = 30.0  # a scene of unknown cost at 1080p60 (a test's, your own)
# CPU seconds (user + sys, x264's threads included) of each scene of the default video at 1080p60
# with held frames repeated (scenes/encoding.py), silent, measured 2026-12-05 on this machine
# (docs/speed.md); a check (animations skipped) costs about CHECK_SHARE of a 480p15 render.
SCENE_SECONDS_1080P60 = {"why-attention": 52.0, "math": 120.0, "heatmap": 24.0, "pipeline": 51.0, "outro": 35.0}
QUALITY_SHARE = {"l": 0.3, "m": 0.5, "h": 1.0, "p": 1.8, "k": 3.5}  # of the 1080p60 cost (480p15 is not 1/8:
CHECK_SHARE = 0.5                                                     # drawing and TeX do not scale down)
STILL_SHARE = 0.25
MIN_MEASURED_SECONDS = 3.0  # a running scene's own pace is trusted after this long


def expected_seconds(scene_id: str, quality: str, still: bool = False, base: Optional[float] = None) -> float:
    """How long a scene never rendered here is expected to take (one core); `base`: its 1080p60
    cost when known, else the catalog's figure for its id."""
    at_1080 = base if base is not None else SCENE_SECONDS_1080P60.get(scene_id, DEFAULT_SCENE_SECONDS)
    seconds = at_1080 * QUALITY_SHARE.get(quality, 1.0)
    return seconds * (STILL_SHARE if still else 1.0)


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
    weight: Optional[float]  # expected seconds; None: unknown (the mean of the known ones)
    total: Optional[int]  # animations expected
    fraction: float = 0.0  # done so far, by animations
    reused: bool = False
    started: Optional[float] = None  # when it started running
    seconds: Optional[float] = None  # what it took, once finished


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
        now = self.clock()
        if self.began is None:
            self.began = now
        self.scenes[scene_id].started = now

    def update(self, scene_id: str, animations: int) -> None:
        work = self.scenes[scene_id]
        if work.total:
            work.fraction = min(0.99, animations / work.total)  # done only when the file is there

    def done(self, scene_id: str, reused: bool) -> None:
        work = self.scenes[scene_id]
        work.fraction, work.reused = 1.0, reused
        if not reused and work.started is not None:
            work.seconds = self.clock() - work.started

    def _weights(self) -> dict[str, float]:
        active = {k: w for k, w in self.scenes.items() if not w.reused}
        known = [w.weight for w in active.values() if w.weight is not None]
        fallback = sum(known) / len(known) if known else DEFAULT_SCENE_SECONDS
        return {k: w.weight if w.weight is not None else fallback for k, w in active.items()}

    def scenes_done(self) -> tuple[int, int]:
        """(scenes finished or reused, scenes in all)."""
        return sum(w.fraction >= 1.0 for w in self.scenes.values()), len(self.scenes)

    def speed(self) -> float:
        """Seconds taken per second expected, over the scenes finished (1 before any)."""
        weights = self._weights()
        finished = [(w.seconds, weights[k]) for k, w in self.scenes.items() if w.seconds is not None and k in weights]
        expected = sum(e for _, e in finished)
        return sum(t for t, _ in finished) / expected if expected > 0 else 1.0

    def remaining(self) -> Optional[float]:
        """Seconds left, or None when nothing is left to render."""
        weights, speed, now = self._weights(), self.speed(), self.clock()
        running: list[float] = []
        queued: list[float] = []
        for k, cost in weights.items():
            work = self.scenes[k]
            if work.fraction >= 1.0:
                continue
            cost *= speed
            if work.started is None:
                queued.append(cost)
                continue
            ran = now - work.started
            if work.fraction > 0 and ran >= MIN_MEASURED_SECONDS:
                running.append(ran * (1.0 - work.fraction) / work.fraction)  # its own pace so far
            else:
                running.append(max(cost - ran, 0.05 * cost))  # as expected; overdue: nearly done
        if not running and not queued:
            return None
        cores = sorted(running + [0.0] * max(0, self.parallel - len(running)))
        for cost in sorted(queued, reverse=True):  # each queued scene goes to the core free first
            cores[0] += cost
            cores.sort()
        return max(cores)

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


CHECK = "check "  # the id of a check's child starts so: 'check math, outro'


def _verbs(item: str) -> tuple[str, str, str]:
    """('rendering', 'rendered', 'math') or, for a check's child, ('checking', 'checked', 'math, outro')."""
    if item.startswith(CHECK):
        return "checking", "checked", item[len(CHECK):]
    return "rendering", "rendered", item


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
        doing, _, name = _verbs(scene_id)
        self._say(f"{doing} {name} ...")

    def update(self, scene_id: str, animations: int) -> None:
        self.eta.update(scene_id, animations)

    def done(self, scene_id: str, reused: bool, seconds: float) -> None:
        self.eta.done(scene_id, reused)
        if reused:
            self._say(f"{scene_id}: unchanged, reused")
            return
        finished, count = self.eta.scenes_done()
        left = self.eta.text()
        _, did, name = _verbs(scene_id)
        unit = "scenes" if not any(k.startswith(CHECK) for k in self.eta.scenes) else "steps"
        self._say(f"{name}: {did} in {seconds:.1f} s ({finished}/{count} {unit}"
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
        self.bars.update(self.tasks[scene_id], status=_verbs(scene_id)[0])  # type: ignore[arg-type]
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
                         status="unchanged, reused" if reused else f"{_verbs(scene_id)[1]} in {seconds:.1f} s")
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
