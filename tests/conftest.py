"""Shared pytest setup: markers, the session's LaTeX/text cache, and fixtures used by several files.

Keep each section small; add new sections below with their own header. Nothing here imports Manim,
so collecting the tests that do not build scenes stays fast. docs/testing.md describes the layers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator, Union

import pytest

# ------------------------------------------------------------------------------------ markers


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "system: needs the render toolchain (LaTeX, dvisvgm, Cairo, fonts) installed by "
        "scripts/bootstrap.sh; deselect with -m 'not system'",
    )
    config.addinivalue_line(
        "markers",
        "slow: takes more than ~3 s (real scene builds, renders, the check corpus, child processes); "
        "the quick layer is -m 'not slow'",
    )
    _start_tex_cache()


def pytest_unconfigure(config: pytest.Config) -> None:
    _end_tex_cache()


# ------------------------------------------------------------ one LaTeX and text cache per process
# Manim writes each formula's .tex/.svg and each Text's .svg under names made from a hash of their
# content, so one folder can serve every scene build of a session: LaTeX runs once per formula per
# session instead of once per test. scenetools reads the folder from TEX_CACHE_ENV (at import,
# for frames_comparison's decorators). Every pytest process makes its own (an xdist worker does not
# share the controller's: two processes writing one .svg at once could read it half written).

TEX_CACHE_ENV = "ATTENTION_EXPLAINER_TEST_TEX_CACHE"
_made: list[str] = []


def _start_tex_cache() -> None:
    folder = tempfile.mkdtemp(prefix="attention-explainer-tex-")
    _made.append(folder)
    os.environ[TEX_CACHE_ENV] = folder


def _end_tex_cache() -> None:
    while _made:
        shutil.rmtree(_made.pop(), ignore_errors=True)


# ---------------------------------------------------------------- CPU time per test (--cpu-durations)
# On a shared machine wall time says more about the neighbours than about a test: --cpu-durations=N
# lists the N tests (setup and teardown included) that used the most CPU, this process's and its
# finished child processes' (LaTeX, `check` builds, renders).

_cpu: dict[str, float] = {}


def _cpu_now() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    start = _cpu_now()
    yield
    _cpu[item.nodeid] = _cpu_now() - start


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    n = config.getoption("cpu_durations", None)
    if n is None or not _cpu:  # (under xdist the workers hold the times: run without -n to list them)
        return
    terminalreporter.write_sep("=", f"CPU time per test: the {n or len(_cpu)} largest, total {sum(_cpu.values()):.1f} s")
    for nodeid, cpu in sorted(_cpu.items(), key=lambda kv: -kv[1])[: n or None]:
        terminalreporter.write_line(f"{cpu:8.2f}s  {nodeid}")


# ------------------------------------------------ how the two xdist processes share the suite
# A group of tests runs in one process. Each test file is a group of its own (its module fixtures
# and `build_once` builds are made once, in one process), except: the files that share the
# session's rendered lesson are one group (it is rendered once), and each test of a SPREAD file
# is a group of its own (the check corpus: its builds spread over both processes). Groups go out
# heaviest first, by tests/durations.json (seconds per group, written by a full run with
# `--record-durations`), so that neither process is left alone with a long file at the end; a
# group not in the file counts as a few seconds. (xdist's own `--dist loadgroup` marks do not
# work with pytest 9, which ignores the node ids xdist rewrites, so the scheduler is ours.)

DURATIONS = Path(__file__).parent / "durations.json"
SHARED_GROUPS = {"tests/test_clips.py": "lesson-video", "tests/test_page_browser.py": "lesson-video",
                 "tests/test_page_files.py": "lesson-video"}
SPREAD = {"tests/test_check_corpus.py"}
_group_seconds: dict[str, float] = {}


def group_of(nodeid: str) -> str:
    """The group of the test with this node id."""
    path = nodeid.split("::", 1)[0]
    return nodeid if path in SPREAD else SHARED_GROUPS.get(path, path)


def _durations() -> dict[str, float]:
    import json

    try:
        return {str(k): float(v) for k, v in json.loads(DURATIONS.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Heaviest group first (a stable sort: within a group, and among equals, the collection's order)."""
    seconds = _durations()
    items.sort(key=lambda item: -seconds.get(group_of(item.nodeid), 3.0))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist sends each group to one process, in the order collected (no reordering by size)."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    config.option.loadscopereorder = False
    return GroupScheduling(config, log)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    group = group_of(report.nodeid)
    _group_seconds[group] = _group_seconds.get(group, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    import json

    if session.config.getoption("record_durations", False) and not hasattr(session.config, "workerinput"):
        DURATIONS.write_text(json.dumps({g: round(s, 1) for g, s in sorted(_group_seconds.items())}, indent=0)
                             + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- config files

WriteConfig = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """write_config(text_or_bytes, name="config.yaml") -> path of a new file in tmp_path."""

    def write(content: Union[str, bytes], name: str = "config.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


# ------------------------------------------------------------------------ small real file systems


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """tmpfs(options) -> a fresh tmpfs mounted with those options ("size=64k", "ro,size=1m"),
    unmounted after the test. Needs root: the test is skipped elsewhere."""
    mounts: list[Path] = []

    def mount(options: str) -> Path:
        where = tmp_path / f"mnt{len(mounts)}"
        where.mkdir()
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                                               capture_output=True).returncode != 0:
            pytest.skip("mounting a tmpfs needs root")
        mounts.append(where)
        return where

    yield mount
    for where in mounts:
        subprocess.run(["umount", "-l", str(where)], check=False)


# ------------------------------------------------------------------ one build per scene and config


@pytest.fixture(scope="module")
def build_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[type, Any], Any]:
    """build_once(SceneClass, config dict or None) -> the scene built by scenetools.build_scene
    (animations skipped), once per module for each class and config: the tests of a module observe
    the same build. Tests must only read the scene."""
    import yaml

    from scenetools import build_scene

    cache: dict[tuple[type, str], Any] = {}
    folder = tmp_path_factory.mktemp("built")

    def get(scene_cls: type, config: Any = None) -> Any:
        key = (scene_cls, yaml.safe_dump(config, allow_unicode=True, sort_keys=True))
        if key not in cache:
            (work := folder / str(len(cache))).mkdir()
            scene = build_scene(scene_cls, work, config)
            assert isinstance(scene, scene_cls)
            cache[key] = scene
        return cache[key]

    return get


# ------------------------------------------------------ last-frame regression (tests/test_frames.py)
# Manim's frames_comparison reads these two options; its pytest plugin is not installed with the
# wheel, so they are registered here. --set_test writes the control frames instead of comparing;
# --show_diff plots a failing frame against its control (needs matplotlib and a display).
# Manim's minimum cairo version is lowered in tests/scenetools.py (kept out of here, so that
# collecting the other tests does not import manim).


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="list the N tests that used the most CPU time (0: all)")
    parser.addoption("--record-durations", action="store_true", default=False,
                     help="write each xdist group's seconds to tests/durations.json (run the full suite)")
    group = parser.getgroup("frames", "last-frame regression tests (tests/test_frames.py)")
    for flag, text in (
        ("--set_test", "write the control frames of tests/test_frames.py instead of comparing"),
        ("--show_diff", "plot a mismatching frame against its control frame"),
    ):
        try:
            group.addoption(flag, action="store_true", default=False, help=text)
        except ValueError:  # already registered (manim's own test plugin is loaded)
            pass


# ------------------------------------- one short rendered lesson (tests/test_page_browser.py, test_clips.py)
LESSON_CONFIG = """\
sentence: "The cat sat"
display:
  theme: light
video:
  scenes: [heatmap, real-model]
  quality: l
  focus: "cat"
"""


@pytest.fixture(scope="session")
def lesson_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short video (heatmap and real-model segments, 480p15, espeak voice) rendered once per
    session with `render --page --chapter-clips`; returns its path (the page and clips beside it)."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("lesson")
    config = root / "lesson.yaml"
    config.write_text(LESSON_CONFIG, encoding="utf-8")
    video = root / "out" / "lesson.mp4"
    run = subprocess.run([sys.executable, "-m", "attention_explainer", "render", "--config", str(config), "--voice",
                          "espeak", "--no-check", "--quiet", "--media-dir", str(root / "media"), "-o", str(video),
                          "--page", "--chapter-clips"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    return video


# ------------------------------------------------------------------- the lesson language
# narration.locale holds the language in use for the whole process: a test that switches it must
# not leave it switched for the next test in the same worker (numbers would be drawn with commas).


@pytest.fixture
def speak() -> Iterator[Callable[[str], None]]:
    """speak(code) switches the process's language for this test; English again after it."""
    from attention_explainer.narration import locale

    yield locale.use_language
    locale.use_language("en")


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A Dask LocalCluster of 2 single-thread worker processes on 127.0.0.1 (test_course,
    test_render_cluster): (cluster, client, markers folder). Its workers inherit the environment,
    so set variables before asking for this."""
    distributed = pytest.importorskip("distributed")
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("TINY_SCENE_MARKERS", str(markers))
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c, distributed.Client(c) as client:
        yield c, client, markers


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    yield
    import sys

    locale = sys.modules.get("attention_explainer.narration.locale")
    if locale is not None:
        locale.use_language("en")
