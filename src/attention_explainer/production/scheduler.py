"""Run child processes, `parallel` at once, the most expensive first.

Today's unit of work is one child per scene (render) or per group of scenes (check); issue 19's
chunks are children too, so the scheduler knows only `Child`: its cost, start, poll, stop and
clean-up. A graph of tasks run by a process pool or a Dask cluster replaces `run_children`
without touching what a child is.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Optional, Protocol, Sequence

from attention_explainer.production.child import Child, Interrupted, SignalsRaise

POLL_SECONDS = 0.05


class Events(Protocol):
    """What the scheduler tells (progress.Progress has these)."""

    def start(self, scene_id: str) -> None: ...
    def update(self, scene_id: str, animations: int) -> None: ...
    def done(self, scene_id: str, reused: bool, seconds: float) -> None: ...
    def failed(self, scene_id: str) -> None: ...


def by_cost(children: Sequence[Child]) -> list[Child]:
    """Slowest first (unknown cost counts as slowest): the last to finish is then a short one,
    so no core idles while a long child runs alone."""
    return sorted(children, key=lambda c: -(c.cost if c.cost > 0 else float("inf")))


def run_children(children: Sequence[Child], parallel: int, events: Events,
                 stop: Optional[threading.Event] = None) -> Optional[Child]:
    """Run the children, `parallel` at once, in the order given. At the first failure the others
    are stopped and the failed child is returned (its .error set); on a signal (or `stop` set,
    from another thread) everything is stopped and Interrupted (or KeyboardInterrupt)
    propagates. Unfinished children leave no files behind; every child's run record is removed."""
    lock = threading.Lock()

    def animation(child_id: str, count: int) -> None:
        with lock:
            events.update(child_id, count)

    pending = deque(children)
    running: list[Child] = []
    try:
        with SignalsRaise():
            while pending or running:
                if stop is not None and stop.is_set():
                    raise Interrupted("stopped")
                while pending and len(running) < max(1, parallel):
                    child = pending.popleft()
                    child.start(animation)
                    running.append(child)
                    with lock:
                        events.start(child.id)
                for child in list(running):
                    if not child.poll():
                        continue
                    running.remove(child)
                    with lock:
                        if child.error is not None:
                            events.failed(child.id)
                            return child
                        events.done(child.id, False, child.seconds)
                time.sleep(POLL_SECONDS)
        return None
    finally:
        for child in running:
            child.stop()
        for child in children:
            child.clean_up()
