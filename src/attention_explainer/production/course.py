"""`course`: many lessons (each a config, or overrides of the default one) rendered as one graph.

A course file (YAML):

    defaults:            # optional: for every lesson (the same keys as a lesson's)
      quality: l
      voice: none
    lessons:
      - name: cat        # the lesson's folder under the output folder: DIR/cat/cat.mp4
        sentence: "The cat sat"
      - name: dogs
        config: dogs.yaml   # a config file (relative to the course file), then the overrides
        focus: 2

Overrides: sentence, focus, language, voice, quality, scenes. Every lesson's scenes become
RenderScene tasks and its video an AssembleVideo task (tasks.py); tasks of one key are done once,
so lessons that share a scene (the same intro) share its render. The executor (executor.py) is a
local process pool, or a Dask cluster. DIR/course.json lists every lesson with its video, status
('done', 'failed', 'invalid', 'interrupted') and error; it is rewritten as lessons finish, so
after Ctrl-C it tells what was made (the finished scenes stay in the cache for the next run).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attention_explainer.config import Config
from attention_explainer.config.loader import _with_model_path, default_config_path, parse_yaml, read_text, validate_config
from attention_explainer.errors import UserError, one_line
from attention_explainer.narration.config_check import check_narration
from attention_explainer.narration.voice_spec import resolve_voice
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.executor import Executor, Outcome
from attention_explainer.production.settings import RenderSettings, cache_folder  # noqa: F401 (re-exported)
from attention_explainer.production.tasks import AssembleVideo, Task, lesson_tasks, merge

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
OVERRIDES = {"sentence": ("sentence",), "focus": ("video", "focus"), "language": ("video", "language"),
             "voice": ("video", "voice"), "quality": ("video", "quality"), "scenes": ("video", "scenes")}


class CourseError(UserError):
    """The course file cannot be used."""


class _Overrides(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: Optional[str] = Field(None, description="A config file (relative to the course file).")
    sentence: Optional[str] = Field(None, description="The sentence whose attention the lesson computes.")
    focus: Optional[int | str] = Field(None, description="The token the lesson follows (video.focus).")
    language: Optional[str] = Field(None, description="The narration's language (video.language).")
    voice: Optional[str] = Field(None, description="The narration voice (video.voice), e.g. none, neural.")
    quality: Optional[str] = Field(None, description="Manim quality letter (checked with the lesson's config).")
    scenes: Optional[list[str]] = Field(None, description="The lesson's scenes (video.scenes).")


class Lesson(_Overrides):
    """One lesson: its name (its folder) and what differs from the defaults."""

    name: str = Field(pattern=NAME_PATTERN, description="The lesson's folder and file name.")


class CourseFile(BaseModel):
    """A course: defaults for every lesson, and the lessons."""

    model_config = ConfigDict(extra="forbid")

    defaults: _Overrides = Field(default_factory=_Overrides, description="For every lesson.")
    lessons: list[Lesson] = Field(min_length=1, description="The lessons, in order.")

    @field_validator("lessons")
    @classmethod
    def _unique(cls, lessons: list[Lesson]) -> list[Lesson]:
        seen: set[str] = set()
        for lesson in lessons:
            if lesson.name in seen:
                raise ValueError(f"two lessons are named '{lesson.name}'; names must differ (they name folders)")
            seen.add(lesson.name)
        return lessons


def load_course(path: Path) -> CourseFile:
    """The course file, or one CourseError line naming the file and the field."""
    path = Path(path)
    try:
        data = parse_yaml(read_text(path), str(path))
    except UserError as e:
        raise CourseError(one_line(str(e))) from None
    if not isinstance(data, dict):
        raise CourseError(f"{path}: a course is a mapping with 'lessons:' (and optional 'defaults:')")
    try:
        return CourseFile.model_validate(data)
    except ValidationError as e:
        said = [f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                for err in sorted(e.errors(), key=lambda err: err["type"] != "extra_forbidden")[:3]]
        raise CourseError(one_line(f"{path}: {'; '.join(said)}")) from None


def lesson_config(course: Path, defaults: _Overrides, lesson: Lesson) -> Config:
    """The lesson's config: its (or the defaults') config file, else the packaged default, with
    the defaults' then the lesson's overrides; a ConfigError names the lesson."""
    source = lesson.config or defaults.config
    path = (Path(course).parent / source) if source else default_config_path()
    where = f"{course}: lesson '{lesson.name}'"
    try:
        data = parse_yaml(read_text(path), str(path)) or {}
        for layer in (defaults, lesson):
            for name, keys in OVERRIDES.items():
                value = getattr(layer, name)
                if value is not None:
                    _put(data, keys, value)
        config = validate_config(data, f"{where} ({path.name})")
        return check_narration(_with_model_path(config, path), path)
    except UserError as e:
        text = str(e)
        raise UserError(one_line(text if where in text else f"{where}: {text}")) from None


def _put(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for k in keys[:-1]:
        if not isinstance(data.get(k), dict):
            data[k] = {}
        data = data[k]
    data[keys[-1]] = value


@dataclass
class LessonState:
    name: str
    video: Optional[str] = None
    status: str = "pending"  # pending, done, failed, invalid, interrupted
    error: Optional[str] = None
    tasks: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "video": self.video, "status": self.status, "error": self.error}


@dataclass
class CourseResult:
    lessons: list[LessonState]
    seconds: float
    rendered: int  # tasks that made something
    reused: int  # tasks whose file was there
    index: Path


Say = Callable[[str], None]


def render_course(course_path: Path, out_dir: Path, cache_dir: Path, executor: Executor,
                  lookup: Callable[[str], SceneInfo], say: Say = print, x264_preset: Optional[str] = None) -> CourseResult:
    """Render every valid lesson of the course with `executor`; write out_dir/course.json."""
    t0 = time.monotonic()
    course = load_course(course_path)
    out_dir, cache_dir = Path(out_dir), Path(cache_dir).resolve()
    states = [LessonState(lesson.name) for lesson in course.lessons]
    tasks: list[Task] = []
    for lesson, state in zip(course.lessons, states):
        try:
            config = lesson_config(course_path, course.defaults, lesson)
            scenes = [lookup(s) for s in config.video.scenes]
            settings = RenderSettings(config=config, name=lesson.name, media_dir=cache_dir, jobs=1,
                                      voice=resolve_voice(config.video.voice, config.video.language), quiet=True,
                                      **({"x264_preset": x264_preset} if x264_preset else {}))
            output = (out_dir / lesson.name / f"{lesson.name}.mp4").resolve()
            *mine, video = lesson_tasks(scenes, settings, output, lesson.name)
        except KeyError as e:
            state.status, state.error = "invalid", one_line(f"{course_path}: lesson '{lesson.name}': no scene {e}")
            say(f"error: {state.error}")
            continue
        except UserError as e:
            state.status, state.error = "invalid", one_line(str(e))
            say(f"error: {state.error}")
            continue
        tasks += [*mine, video]
        state.tasks, state.video = [t.key for t in mine] + [video.key], str(output)
    graph = merge(tasks)
    index = out_dir / "course.json"
    eta = Eta(graph, executor.workers)
    counts = {"rendered": 0, "reused": 0}
    valid = [s for s in states if s.status == "pending"]
    say(f"course: {len(valid)} lesson(s), {len(graph)} task(s) ({len(tasks) - len(graph)} shared) "
        f"on {executor.name} ({executor.workers} worker(s))")
    _write_index(index, states)

    def on_done(task: Task, outcome: Outcome) -> None:
        eta.done(task, outcome)
        if outcome.done is not None:
            counts["reused" if outcome.done.reused else "rendered"] += 1
        for state in valid:
            if task.key == state.tasks[-1]:
                state.status = "done" if outcome.done is not None else "failed"
                state.error = outcome.error
        lessons = sum(s.status in ("done", "failed") for s in valid)
        what = (f"failed: {outcome.error}" if outcome.error else "reused" if outcome.done and outcome.done.reused
                else f"done in {outcome.done.seconds:.1f} s" if outcome.done else "")
        say(f"{task.label}: {what} ({lessons}/{len(valid)} lessons; {eta.text()})")
        for note in outcome.done.notes if outcome.done is not None and not isinstance(task, AssembleVideo) else ():
            say(f"  {note}")  # a scene's chunks: which rendered, how many reused
        _write_index(index, states)

    try:
        executor.run(graph, on_done)
        failed = [s for s in valid if s.status == "failed"]
        if failed:  # once more (a worker lost twice, a file a dying worker left): finished work is cached
            say(f"course: trying {len(failed)} failed lesson(s) once more: {', '.join(s.name for s in failed)}")
            again = {k for s in failed for k in s.tasks}
            executor.run({k: t for k, t in graph.items() if k in again}, on_done)
    except KeyboardInterrupt:
        for state in valid:
            if state.status == "pending":
                state.status, state.error = "interrupted", "the course was interrupted"
        _write_index(index, states)
        raise
    _write_index(index, states)
    return CourseResult(states, time.monotonic() - t0, counts["rendered"], counts["reused"], index)


class Eta:
    """Time left: the expected seconds of the tasks not done, on the workers, scaled by how this
    run's finished tasks compared with their expected costs."""

    def __init__(self, graph: dict[str, Task], workers: int) -> None:
        self.left = {k: t.cost for k, t in graph.items()}
        self.workers = max(1, workers)
        self.expected = self.taken = 0.0

    def done(self, task: Task, outcome: Outcome) -> None:
        cost = self.left.pop(task.key, 0.0)
        if outcome.done is not None and not outcome.done.reused:
            self.expected += cost
            self.taken += outcome.done.seconds

    def text(self) -> str:
        if not self.left:
            return "all done"
        pace = self.taken / self.expected if self.expected > 0 else 1.0
        seconds = sum(self.left.values()) * pace / self.workers
        return f"about {int(seconds // 60)}:{int(seconds % 60):02d} left"


def _write_index(path: Path, states: Sequence[LessonState]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"lessons": [s.as_json() for s in states]}, indent=2, ensure_ascii=False) + "\n"
    with AtomicFiles() as files:
        files.write_text(path, text)
        files.commit()
