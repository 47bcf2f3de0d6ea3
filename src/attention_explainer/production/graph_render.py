"""One video as a graph of tasks (`render --scheduler`): the tasks a course makes for one lesson
(tasks.lesson_tasks: a RenderScene per scene, then the AssembleVideo), run by an executor.

    render_graph(executor, scenes, settings, output, fmt, ...)  -> GraphVideo

The outputs are those of a local render: the video, its captions, chapters and manifest, and with
`page`/`chapter_clips` the lesson page and the chapter clips; the AssembleVideo task writes them
all (with `check`, after the layout check of the scenes, on the worker). On a cluster the media
dir and the output must be on storage every worker mounts at the same path (docs/course.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

from attention_explainer.config.catalog import SceneInfo
from attention_explainer.errors import UserError
from attention_explainer.production.executor import Executor, Outcome
from attention_explainer.production.settings import RenderSettings, default_output, resolve_format
from attention_explainer.production.tasks import AssembleVideo, Task, lesson_tasks, merge


@dataclass
class GraphVideo:
    """What render_graph made: the video's files (the video first), its length, the scenes
    rendered and reused, notes for the user and the seconds it all took."""

    video: Path
    files: list[Path]
    duration: float
    scenes: int
    rendered: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def render_graph(executor: Executor, scenes: Sequence[SceneInfo], settings: RenderSettings,
                 output: Optional[Path] = None, fmt: Optional[str] = None, check: bool = False,
                 page: bool = False, chapter_clips: bool = False,
                 say: Callable[[str], None] = lambda text: None) -> GraphVideo:
    """Render the video of `scenes` with `executor`; a task that failed is one UserError line."""
    t0 = time.monotonic()
    fmt = resolve_format(output, fmt)
    output = (Path(output) if output is not None else default_output(settings, fmt)).resolve()
    if output.is_dir():
        raise UserError(f"{output}: is a directory; give a file name for the video")
    # one task is one core of one worker; the worker has no terminal for progress bars
    task_settings = replace(settings, media_dir=Path(settings.media_dir).resolve(), jobs=1, quiet=True)
    graph = merge(lesson_tasks(scenes, task_settings, output, settings.name, fmt=fmt, check=check, page=page,
                               chapter_clips=chapter_clips))
    video_key = next(k for k, t in graph.items() if isinstance(t, AssembleVideo))
    say(f"render: {len(graph)} task(s) on {executor.name} ({executor.workers} worker(s))")
    outcomes: dict[str, Outcome] = {}

    def on_done(task: Task, outcome: Outcome) -> None:
        outcomes[task.key] = outcome
        done = outcome.done
        said = f"failed: {outcome.error}" if outcome.error else "reused" if done and done.reused \
            else f"done in {done.seconds:.1f} s" if done else ""
        say(f"{task.label}: {said}")
        for note in done.notes if done is not None and not isinstance(task, AssembleVideo) else ():
            say(f"  {note}")

    executor.run(graph, on_done)
    if outcomes[video_key].error is not None:  # once more (a file a dying worker left): finished work is cached
        say("render: trying the failed tasks once more")
        executor.run({k: t for k, t in graph.items() if outcomes[k].error is not None or k == video_key}, on_done)
    video = outcomes[video_key]
    if video.done is None:
        failed = [o.error for k, o in outcomes.items() if k != video_key and o.error is not None]
        raise UserError(failed[0] if failed else str(video.error))
    scene_done = [outcomes[k].done for k in graph if k != video_key]
    return GraphVideo(Path(video.done.file), [Path(f) for f in video.done.files], video.done.duration,
                      len(scenes), sum(1 for d in scene_done if d is not None and not d.reused),
                      time.monotonic() - t0, list(video.done.notes))
