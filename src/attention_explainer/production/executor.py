"""Executors run a graph of tasks (tasks.py), each once its dependencies are done.

    LocalExecutor(workers)   a process pool on this machine (the default)
    DaskExecutor(address)    a Dask `distributed` cluster at tcp://HOST:PORT whose workers have this
                             package installed and see the same cache folder; a task whose worker
                             dies runs again elsewhere (Dask reschedules it), and failed ones retry

`executor_for(scheduler, workers)` picks one: the --scheduler address, else
$ATTENTION_EXPLAINER_SCHEDULER, else local. `run(graph, on_done)` returns every task's outcome and
calls `on_done(task, outcome)` as each finishes; a task whose dependency failed fails too, without
running. Ctrl-C or SIGTERM stops what runs; finished tasks' files stay (they are in the cache), and
so do the finished chunks of a scene that was stopped midway (segments.py stores each as it ends).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

from attention_explainer.errors import UserError, one_line
from attention_explainer.production.tasks import Done, Task

SCHEDULER_ENV = "ATTENTION_EXPLAINER_SCHEDULER"
DASK_INSTALL = "bash scripts/bootstrap.sh dask (or: pip install 'attention-explainer[dask]')"
RETRIES = 2  # a failing task is tried this many more times on a cluster (a worker lost is not a failure)


class SchedulerError(UserError):
    """The Dask scheduler cannot be used (not installed, bad address, unreachable)."""


@dataclass(frozen=True)
class Outcome:
    """A task's result: `done` when it made its file, else `error` (one line)."""

    done: Optional[Done] = None
    error: Optional[str] = None


OnDone = Callable[[Task, Outcome], None]


class Executor(Protocol):
    name: str
    workers: int

    def run(self, graph: dict[str, Task], on_done: OnDone) -> dict[str, Outcome]: ...


def run_task(task: Task, *deps: Any) -> Done:
    """What a worker calls (the dependencies' results only order the work)."""
    return task.run()


def _idle_ignores_sigint() -> None:
    """A local pool worker's initializer: Ctrl-C does not kill an idle worker (no traceback); a
    running task takes SIGINT as KeyboardInterrupt (_run_local)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupt_once(signum: int, frame: Any) -> None:
    """KeyboardInterrupt, once: a terminal's Ctrl-C and the parent's forwarded SIGINT both arrive,
    and the second must not cut short the clean-up the first started."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _run_local(task: Task) -> Done:
    """run_task in a local pool worker: SIGINT (Ctrl-C, or the parent's on SIGTERM) stops the
    task's Manim children; chunks and scenes that finished are in the cache already."""
    signal.signal(signal.SIGINT, _interrupt_once)
    try:
        return task.run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _error_line(e: BaseException) -> str:
    return one_line(str(e)) if isinstance(e, UserError) else one_line(f"{type(e).__name__}: {e}")


class LocalExecutor:
    """A pool of `workers` processes on this machine; each task runs its Manim children itself."""

    name = "local"

    def __init__(self, workers: int = 0) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def run(self, graph: dict[str, Task], on_done: OnDone) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        pending = dict(graph)
        running: dict[Future[Done], Task] = {}
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_idle_ignores_sigint)
        try:
            while pending or running:
                for key, task in list(pending.items()):
                    failed = [d for d in task.deps if d in outcomes and outcomes[d].error is not None]
                    if failed:
                        del pending[key]
                        outcomes[key] = Outcome(error=f"not run: {outcomes[failed[0]].error}")
                        on_done(task, outcomes[key])
                    elif all(d in outcomes for d in task.deps) and len(running) < self.workers:
                        del pending[key]
                        running[pool.submit(_run_local, task)] = task
                if not running:
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        outcomes[task.key] = Outcome(done=future.result())
                    except Exception as e:  # one task's failure is its lessons' error, not the course's
                        outcomes[task.key] = Outcome(error=_error_line(e))
                    on_done(task, outcomes[task.key])
        except BaseException:
            # a Ctrl-C at a terminal reached the workers too; SIGTERM or `kill -INT` reached only
            # this process: pass it on, so each running task stops its children, then wait for them
            for process in list(getattr(pool, "_processes", {}).values()):
                try:
                    os.kill(process.pid, signal.SIGINT)
                except (OSError, AttributeError):
                    pass
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return outcomes


class DaskExecutor:
    """The tasks as Dask futures on the cluster at `address` (dependencies passed as futures)."""

    name = "dask"

    def __init__(self, address: str, client: Any = None, timeout: str = "10s") -> None:
        try:
            import distributed
        except ImportError:
            raise SchedulerError(f"--scheduler {address}: Dask is not installed; install it with {DASK_INSTALL}") \
                from None
        if not address.startswith(("tcp://", "tls://")) and client is None:
            raise SchedulerError(f"--scheduler {address}: give the scheduler's address as tcp://HOST:PORT "
                                 f"(from --scheduler or ${SCHEDULER_ENV})")
        try:
            self.client = client or distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as e:
            raise SchedulerError(f"--scheduler {address}: cannot reach the Dask scheduler ({one_line(str(e))})") \
                from None
        self.address = address
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info().get("workers", {}).values()))

    def run(self, graph: dict[str, Task], on_done: OnDone) -> dict[str, Outcome]:
        from distributed import as_completed

        futures: dict[str, Any] = {}
        self.rounds = getattr(self, "rounds", 0) + 1  # a graph run again gets fresh Dask keys

        def submit(key: str) -> Any:
            if key not in futures:
                task = graph[key]
                deps = [submit(d) for d in task.deps]
                futures[key] = self.client.submit(run_task, task, *deps, key=f"{task.key}-{self.rounds}",
                                                  pure=False, retries=RETRIES)
            return futures[key]

        for key in graph:
            submit(key)
        by_future = {f.key: graph[k] for k, f in futures.items()}
        outcomes: dict[str, Outcome] = {}
        try:
            for future in as_completed(list(futures.values())):
                task = by_future[future.key]
                try:
                    outcomes[task.key] = Outcome(done=future.result())
                except Exception as e:
                    outcomes[task.key] = Outcome(error=_error_line(e))
                on_done(task, outcomes[task.key])
        except BaseException:
            self.client.cancel(list(futures.values()))
            raise
        return outcomes

    def close(self) -> None:
        self.client.close()


def executor_for(scheduler: Optional[str], workers: int = 0) -> LocalExecutor | DaskExecutor:
    """--scheduler, else $ATTENTION_EXPLAINER_SCHEDULER, else a local pool of `workers`."""
    address = scheduler or os.environ.get(SCHEDULER_ENV) or ""
    if address.strip():
        if workers:
            raise SchedulerError(f"-j/--jobs sets this machine's pool; on the Dask scheduler {address.strip()} "
                                 "its workers decide how many tasks run (leave out -j, or start more workers)")
        return DaskExecutor(address.strip())
    return LocalExecutor(workers)
