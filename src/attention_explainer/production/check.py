"""`check`: build the scenes with animations skipped (nothing drawn, nothing encoded) in child
processes and collect what scenes/checking.py finds at every beat and animation.

`check_scenes(scenes, config)` returns a CheckResult; results are cached under
<media_dir>/attention-explainer/check/ by a hash of the config and of every source file of the
package and the scenes, so an unchanged re-check (and `render` after `check`) is instant.

The child side: `python -m attention_explainer.production.check OUT_DIR CONFIG SCENE...`, each
SCENE as `id=file::Class`, builds them one after another in one process (Manim imported once).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import yaml

from attention_explainer.config import Config
from attention_explainer.config.catalog import SceneInfo
from attention_explainer.errors import UserError
from attention_explainer.production.atomic import AtomicFiles
from attention_explainer.production.records import Finding

APP_DIR = "attention-explainer"
CHECK_FORMAT = 1  # bump when the rules change: cached results are then not reused
# Relative build cost with animations skipped (measured: math ~12 s, why-attention ~7 s warm):
# used to share the scenes fairly between the child processes.
COST = {"math": 5.0, "why-attention": 3.0, "outro": 2.5}

FIELDS = ("scene", "beat", "kind", "what", "where")  # a finding, as scenes/checking.py writes it


@dataclass
class CheckResult:
    scenes: list[str]
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    reused: bool = False

    def to_json(self) -> dict[str, object]:
        return {"scenes": self.scenes, "seconds": round(self.seconds, 2), "reused": self.reused,
                "findings": [asdict(f) for f in self.findings]}


class CheckError(UserError):
    """A scene could not be built for the check."""


# ------------------------------------------------------------------------------------ parent
MIN_FREE_BYTES = 1 << 20  # below this a child's silent failure is taken for a full disk


def check_scenes(scenes: Sequence[SceneInfo], config: Config, media_dir: Path = Path("media"),
                 jobs: int = 0, use_cache: bool = True) -> CheckResult:
    """Build every scene with animations skipped and return what the inspection found, in scene
    order. Scenes are shared between `jobs` child processes (default: one per core)."""
    t0 = time.perf_counter()
    app = Path(media_dir) / APP_DIR
    text = yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    key = _key(scenes, text)
    cached = app / "check" / f"{key}.json"
    if use_cache and cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        return CheckResult(data["scenes"], [Finding(**f) for f in data["findings"]],
                           time.perf_counter() - t0, reused=True)
    work = app / "check" / "work" / f"{key[:16]}-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    config_file = work / "config.yaml"
    config_file.write_text(text, encoding="utf-8")
    groups = _share(list(scenes), max(1, jobs or os.cpu_count() or 1))
    procs = []
    for n, group in enumerate(groups):
        args = [f"{s.id}={Path(s.path).resolve()}::{s.cls}" for s in group]
        cmd = [sys.executable, "-m", "attention_explainer.production.check", str(work), str(config_file),
               str(app / "check" / "manim"), *args]
        log = open(work / f"child-{n}.log", "w", encoding="utf-8")
        procs.append((group, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_child_env()), log))
    try:
        for group, proc, log in procs:
            proc.wait()
            log.close()
    except BaseException:
        for _, proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
        raise
    findings: list[Finding] = []
    for info in scenes:
        out = work / f"{info.id}.json"
        if not out.is_file():
            log_text = ""
            for n, (g, _, _) in enumerate(procs):
                if info in g:
                    log_text = (work / f"child-{n}.log").read_text(encoding="utf-8", errors="replace")
            if "No space left on device" in log_text or shutil.disk_usage(work).free < MIN_FREE_BYTES:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(work))  # one line in main()
            raise CheckError(f"scene {info.id} could not be built for the check: {_last_error(log_text)}")
        data = json.loads(out.read_text(encoding="utf-8"))
        findings += [Finding(**{k: f[k] for k in FIELDS}) for f in data["findings"]]
    result = CheckResult([s.id for s in scenes], findings, time.perf_counter() - t0)
    with AtomicFiles() as files:
        files.write_text(cached, json.dumps(result.to_json(), ensure_ascii=False))
        files.commit()
    for path in work.iterdir():
        path.unlink()
    work.rmdir()
    return result


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


def _share(scenes: list[SceneInfo], parts: int) -> list[list[SceneInfo]]:
    """The scenes in at most `parts` groups of about equal build cost (largest first)."""
    groups: list[tuple[float, list[SceneInfo]]] = [(0.0, []) for _ in range(min(parts, len(scenes)))]
    for info in sorted(scenes, key=lambda s: -COST.get(s.id, 1.0)):
        i = min(range(len(groups)), key=lambda k: groups[k][0])
        groups[i] = (groups[i][0] + COST.get(info.id, 1.0), groups[i][1] + [info])
    return [g for _, g in groups if g]


def _key(scenes: Sequence[SceneInfo], config_text: str) -> str:
    """Hash of the config, the scenes and every Python file they may run."""
    h = hashlib.sha256(f"{CHECK_FORMAT}\n{config_text}".encode("utf-8"))
    roots = {Path(__file__).resolve().parents[1]}
    for s in scenes:
        h.update(f"{s.id}={s.cls}@{Path(s.path).resolve()}".encode("utf-8"))
        roots.add(Path(s.path).resolve().parent)
    from importlib import resources

    roots.add(Path(str(resources.files("attention_explainer.scenes"))))
    for root in sorted(roots):
        for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.yaml")):
            if "__pycache__" not in path.parts:
                h.update(str(path).encode("utf-8"))
                h.update(path.read_bytes())
    return h.hexdigest()


def _child_env() -> dict[str, str]:
    from attention_explainer.narration.beats import BEATS_ENV
    from attention_explainer.narration.voice import VOICE_ENV
    from attention_explainer.production.sources import SOURCES_ENV

    env = dict(os.environ)
    for name in (VOICE_ENV, BEATS_ENV, SOURCES_ENV):
        env.pop(name, None)
    return env


def _last_error(log_text: str) -> str:
    lines = [ln.strip() for ln in log_text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "Error" in ln or "Exception" in ln:
            return ln
    return lines[-1] if lines else "no output"


# ------------------------------------------------------------------------------------- child
def _build(out_dir: Path, config_file: Path, manim_dir: Path, spec: str) -> None:
    import importlib.util

    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    from attention_explainer.production.scene_input import CONFIG_ENV, scene_input

    scene_id, _, rest = spec.partition("=")
    file, _, cls = rest.partition("::")
    name = f"_checked_{Path(file).stem}"
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.util.spec_from_file_location(name, file)
        assert loader is not None and loader.loader is not None
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
    os.environ[CONFIG_ENV] = str(config_file)
    os.environ["ATTENTION_EXPLAINER_CHECK"] = str(out_dir / f"{scene_id}.json")
    scene_input.cache_clear()
    with _own_dir(manim_dir, scene_id) as media, tempconfig({
            "dry_run": True, "disable_caching": True, "media_dir": str(media),
                     "quality": "low_quality", "progress_bar": "none", "verbosity": "WARNING"}):
        scene = getattr(module, cls)(renderer=CairoRenderer(skip_animations=True))
        scene.render()


@contextmanager
def _own_dir(root: Path, scene_id: str) -> Iterator[Path]:
    """A Manim media dir for this scene that no other process uses meanwhile (its Tex and text
    caches stay warm between checks): <scene>, else <scene>.1, ... Two processes compiling the
    same formula into one cache read each other's half-written files."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    for n in range(64):
        path = root / (scene_id if n == 0 else f"{scene_id}.{n}")
        lock = open(f"{path}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        try:
            yield path
        finally:
            lock.close()
        return
    raise RuntimeError(f"no free media dir for {scene_id} under {root}")


def main(argv: list[str]) -> int:
    out_dir, config_file, manim_dir, *specs = argv
    for spec in specs:
        _build(Path(out_dir), Path(config_file), Path(manim_dir), spec)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
