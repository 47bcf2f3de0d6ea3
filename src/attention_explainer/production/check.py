"""`check`: build the scenes with animations skipped (nothing drawn, nothing encoded) in child
processes and collect what scenes/checking.py finds at every beat and animation.

`check_scenes(scenes, config)` returns a CheckResult. Each scene's findings are cached like a
segment (segment_cache, variant 'check'): by the scene's code and narration, the project files it
imported and the config values it read; so after an edit only the scenes that changed are built
again, and an unchanged re-check (and `render` after `check`) is instant. Children are started,
logged and stopped by production/child.py, like the render's.

The child side: `python -m attention_explainer.production.check SCENE_ID=FILE::CLASS=RECORD ...`
builds them one after another in one process (Manim imported once), each told by its run record
where to write its findings, beats and sources.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import threading
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from attention_explainer.config import Config
from attention_explainer.core.attention import compute_trace
from attention_explainer.errors import UserError
from attention_explainer.narration.script import context_for
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.production.child import Child, MediaDir
from attention_explainer.production.progress import CHECK, CHECK_SHARE, Progress, Silent, expected_seconds
from attention_explainer.production.records import (
    RUN_ENV,
    VISIBLE_KINDS,
    BeatsFile,
    Finding,
    LoadedSources,
    RunRecord,
    SegmentMeta,
)
from attention_explainer.production.scene_input import run_record, scene_input
from attention_explainer.production.scheduler import run_children
from attention_explainer.production.segment_cache import SegmentCache, narration_key, scene_key
from attention_explainer.production.settings import APP_DIR, write_config
from attention_explainer.production.sources import digests

CHECK_FORMAT = 2  # bump when the rules change: cached results are then not reused
VARIANT = "check"
FIELDS = ("scene", "beat", "kind", "what", "where")  # a finding, as scenes/checking.py writes it
MIN_FREE_BYTES = 1 << 20  # below this a child's silent failure is taken for a full disk
__all__ = ["CheckError", "CheckResult", "Finding", "VISIBLE_KINDS", "check_many", "check_scenes", "refuse_visible",
           "visible_problems"]


@dataclass
class CheckResult:
    scenes: list[str]
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    reused: bool = False  # every scene's findings came from the cache
    checked: list[str] = field(default_factory=list)  # the scenes built this time
    plays: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # scene -> beat -> [first, end)

    def to_json(self) -> dict[str, object]:
        return {"scenes": self.scenes, "checked": self.checked, "seconds": round(self.seconds, 2),
                "reused": self.reused, "findings": [asdict(f) for f in self.findings]}


class CheckError(UserError):
    """A scene could not be built for the check."""


@dataclass
class _Scene:
    info: SceneInfo
    key: str
    record: RunRecord
    cost: float
    check: int  # which of check_many's checks it belongs to
    data: dict[str, object]  # that check's config, as JSON


def check_scenes(scenes: Sequence[SceneInfo], config: Config, media_dir: Path = Path("media"),
                 jobs: int = 0, use_cache: bool = True, progress: Optional[Progress] = None,
                 stop: Optional[threading.Event] = None) -> CheckResult:
    """Build every scene whose findings are not cached with animations skipped and return what
    the inspection found, in scene order. Those scenes are shared between `jobs` child
    processes (default: one per core). `stop` (set from another thread) stops them."""
    return check_many([(scenes, config)], media_dir, jobs, use_cache, progress, stop)[0]


def check_many(checks: Sequence[tuple[Sequence[SceneInfo], Config]], media_dir: Path = Path("media"),
               jobs: int = 0, use_cache: bool = True, progress: Optional[Progress] = None,
               stop: Optional[threading.Event] = None) -> list[CheckResult]:
    """check_scenes for several (scenes, config) pairs at once: every scene to build, whatever its
    config, is shared out between the same `jobs` child processes, so Manim starts once per
    child, not once per config (several lessons, a corpus of sentences)."""
    t0 = time.perf_counter()
    progress = progress or Silent()
    app = Path(media_dir) / APP_DIR
    cache = SegmentCache(app / "cache")
    findings: dict[tuple[int, str], list[Finding]] = {}
    plays: dict[tuple[int, str], dict[str, list[int]]] = {}
    todo: list[_Scene] = []
    # one folder per call, named by the process (housekeeping removes those of dead processes):
    # two checks in one process at once (threads, a course) must not share files
    (app / "check").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"work-{os.getpid()}-", dir=app / "check"))
    for c, (scenes, config) in enumerate(checks):
        data = config.model_dump(mode="json")
        context = context_for(config, compute_trace(config.attention_spec()))
        folder = work / str(c)  # the records and findings of this config
        config_path: Optional[Path] = None
        for info in scenes:
            key = scene_key(info, {"check": CHECK_FORMAT, **narration_key(info.id, data, context)}, "check", False,
                            None)
            meta = cache.lookup(info.id, VARIANT, key, data) if use_cache else None
            if meta is not None:
                findings[c, info.id] = _read(Path(meta.file))
                plays[c, info.id] = meta.plays
                continue
            folder.mkdir(exist_ok=True)
            config_path = config_path or write_config(config, folder)
            record = RunRecord(scene=info.id, config=str(config_path.resolve()),
                               check=str((folder / f"{info.id}.findings").resolve()),
                               beats=str((folder / f"{info.id}.beats.json").resolve()),
                               sources=str((folder / f"{info.id}.sources.json").resolve()))
            todo.append(_Scene(info, key, record, expected_seconds(info.id, "l") * CHECK_SHARE, c, data))
    try:
        if todo:
            _build_all(todo, app, work, jobs, progress, cache, findings, plays, stop)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for info in {info.id: info for scenes, _ in checks for info in scenes}.values():
        cache.prune(info.id, VARIANT)
    seconds = time.perf_counter() - t0
    return [CheckResult([s.id for s in scenes], [f for s in scenes for f in findings[c, s.id]], seconds,
                        reused=not any(t.check == c for t in todo),
                        checked=[t.info.id for t in todo if t.check == c],
                        plays={s.id: plays[c, s.id] for s in scenes})
            for c, (scenes, _) in enumerate(checks)]


def _build_all(todo: list[_Scene], app: Path, work: Path, jobs: int, progress: Progress, cache: SegmentCache,
               findings: dict[tuple[int, str], list[Finding]], plays: dict[tuple[int, str], dict[str, list[int]]],
               stop: Optional[threading.Event]) -> None:
    groups = _share(todo, max(1, jobs or os.cpu_count() or 1))
    children = []
    for n, group in enumerate(groups):
        args = []
        for s in group:
            record_path = Path(s.record.check or "").with_suffix(".run.json")
            s.record.to_file(record_path, indent=1)
            args.append(f"{s.info.id}={Path(s.info.path).resolve()}::{s.info.cls}={record_path.resolve()}")
        child_id = CHECK + ", ".join(dict.fromkeys(s.info.id for s in group))
        progress.add(child_id, child_id, None, sum(s.cost for s in group))
        children.append(Child(id=child_id, log=work / f"child-{n}.log", cost=sum(s.cost for s in group),
                              cmd=[sys.executable, "-m", "attention_explainer.production.check",
                                   str(app / "check" / "manim"), *args]))
    failed = run_children(children, len(children), progress, stop)
    for child, group in zip(children, groups):
        for s in group:
            out = Path(s.record.check or "")
            if not out.is_file():
                continue
            findings[s.check, s.info.id] = _read(out)
            plays[s.check, s.info.id] = _store(cache, s, out, s.data, child.seconds / len(group)).plays
    for child, group in zip(children, groups):
        missing = [s for s in group if (s.check, s.info.id) not in findings]
        if missing:
            log_text = "".join(child.tail)
            if "No space left on device" in log_text or shutil.disk_usage(work).free < MIN_FREE_BYTES:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(work))  # one line in main()
            raise CheckError(f"scene {missing[0].info.id} could not be built for the check: "
                             f"{child.error or 'no findings written'}")
    if failed is not None:
        raise CheckError(failed.failure("the check"))


def _store(cache: SegmentCache, s: _Scene, out: Path, data: dict[str, object], seconds: float) -> SegmentMeta:
    """Keep a scene's findings (with its beats' animation ranges, for `scene --beat`)."""
    try:
        found = LoadedSources.from_file(s.record.sources or "")
    except (OSError, ValueError):
        found = LoadedSources(files=[], config_keys=None)
    files = sorted({str(Path(s.info.path).resolve()), *found.files})
    meta = SegmentMeta(key=s.key, scene=s.info.id, title=s.info.title, sources=digests(files),
                       render_seconds=round(seconds, 2), created=time.time())
    try:
        beats = BeatsFile.from_file(s.record.beats or "")
        meta = meta.model_copy(update={"beats": beats.beats, "plays": beats.plays, "duration": beats.duration})
    except (OSError, ValueError):
        pass  # a scene that is not an ExplainerScene writes no beats
    return cache.store(s.info.id, VARIANT, s.key, out, meta, data, found.config_keys)  # type: ignore[arg-type]


def _read(path: Path) -> list[Finding]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Finding(**{k: f[k] for k in FIELDS}) for f in data["findings"]]


def visible_problems(result: CheckResult) -> list[Finding]:
    """The findings a viewer would see (off screen, overlap, caption): `render` stops on them."""
    return [f for f in result.findings if f.visible]


def refuse_visible(result: CheckResult, echo: Callable[[str], None]) -> None:
    """Before a render: name every problem that would show (through `echo`), then raise."""
    shown = visible_problems(result)
    if not shown:
        return
    for f in shown:
        echo(f"check: {f.line()}")
    raise CheckError(f"the check found {len(shown)} problem{'s' if len(shown) > 1 else ''} that would show in "
                     f"the video (first: {shown[0].line()}); fix the config or scene, or render anyway with "
                     "--no-check")


def _share(scenes: list[_Scene], parts: int) -> list[list[_Scene]]:
    """The scenes in at most `parts` groups of about equal build cost (largest first)."""
    groups: list[tuple[float, list[_Scene]]] = [(0.0, []) for _ in range(min(parts, len(scenes)))]
    for s in sorted(scenes, key=lambda s: -s.cost):
        i = min(range(len(groups)), key=lambda k: groups[k][0])
        groups[i] = (groups[i][0] + s.cost, groups[i][1] + [s])
    return [g for _, g in groups if g]


# ------------------------------------------------------------------------------------- child
def _build(manim_root: Path, spec: str) -> None:
    import importlib.util

    from manim import tempconfig  # Manim only in the child: the parent starts in a fraction of a second
    from manim.renderer.cairo_renderer import CairoRenderer

    scene_id, _, rest = spec.partition("=")
    rest, _, record = rest.rpartition("=")
    file, _, cls = rest.partition("::")
    name = f"_checked_{Path(file).stem}"
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.util.spec_from_file_location(name, file)
        assert loader is not None and loader.loader is not None
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
    os.environ[RUN_ENV] = record
    run_record.cache_clear()
    scene_input.cache_clear()
    with MediaDir(manim_root, scene_id) as media, tempconfig({
            "dry_run": True, "disable_caching": True, "media_dir": str(media),
            "quality": "low_quality", "progress_bar": "none", "verbosity": "WARNING"}):
        scene = getattr(module, cls)(renderer=_blind(CairoRenderer)(skip_animations=True))
        scene.render()


def _blind(renderer: type) -> type:
    """The renderer, minus drawing frames while animations are skipped (Manim still draws the
    static and moving mobjects at every play and wait then, for frames nobody writes): the check
    reads the mobjects, never pixels. About a sixteenth of a build's CPU time."""

    class Blind(renderer):  # type: ignore[valid-type,misc]
        def update_frame(self, *args: object, **kwargs: object) -> None:
            if not self.skip_animations:
                super().update_frame(*args, **kwargs)

    return Blind


def main(argv: list[str]) -> int:
    manim_root, *specs = argv
    for spec in specs:
        _build(Path(manim_root), spec)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
