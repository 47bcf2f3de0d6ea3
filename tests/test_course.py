"""`course` (issue 19): the course file, lessons that fail alone, the executor --scheduler picks,
and courses on a Dask LocalCluster (2 single-thread worker processes on 127.0.0.1), one of whose
workers is killed mid-course."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from fixtures.tiny_catalog import cli_lookup, tiny_scenes

from attention_explainer.cli import main
from attention_explainer.production.assemble import probe
from attention_explainer.production.course import render_course
from attention_explainer.production.executor import (
    SCHEDULER_ENV,
    DaskExecutor,
    LocalExecutor,
    SchedulerError,
    executor_for,
)

RUN_CLI = Path(__file__).parent / "fixtures" / "run_cli.py"
TWO_LESSONS = """\
defaults:
  quality: l
  voice: none
  scenes: [why-attention, math]
lessons:
  - name: cat
    sentence: "The cat sat"
  - name: cat-again
    sentence: "The cat sat"
  - name: dog
    sentence: "A dog ran far"
"""


def _course(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


@pytest.mark.parametrize("text, says", [
    ("lessons: [\n", "course.yaml"),
    ("lesons: []\n", "lesons: Extra inputs are not permitted"),
    ("lessons: []\n", "lessons: List should have at least 1 item"),
    ("lessons:\n  - name: a\n  - name: a\n", "two lessons are named 'a'"),
    ("lessons:\n  - name: ../up\n", "lessons.0.name"),
    ("lessons:\n  - name: a\n    sentense: x\n", "lessons.0.sentense"),
    ("- name: a\n", "a course is a mapping"),
])
def test_a_bad_course_file_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                  says: str) -> None:
    code, out, err = _run(["course", str(_course(tmp_path, text)), "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and str(tmp_path / "course.yaml") in err
    assert says in err
    assert not (tmp_path / "out").exists()


def test_a_bad_lesson_is_one_line_and_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = _course(tmp_path, "lessons:\n  - name: fast\n    quality: z\n  - name: empty\n    sentence: ''\n"
                               "  - name: missing\n    config: nowhere.yaml\n")
    code, out, err = _run(["course", str(course), "-o", str(tmp_path / "out"), "--cache-dir",
                           str(tmp_path / "cache")], capsys)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 3 and all(ln.startswith("error: ") for ln in lines)
    assert "lesson 'fast'" in lines[0] and "video.quality" in lines[0]
    assert "lesson 'empty'" in lines[1] and "sentence" in lines[1]
    assert "nowhere.yaml" in lines[2]
    index = json.loads((tmp_path / "out" / "course.json").read_text())
    assert [(x["name"], x["status"], x["video"]) for x in index["lessons"]] == [
        ("fast", "invalid", None), ("empty", "invalid", None), ("missing", "invalid", None)]
    assert "video.quality" in index["lessons"][0]["error"]


def test_the_scheduler_option_and_variable_choose_the_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert isinstance(executor_for(None, 3), LocalExecutor) and executor_for(None, 3).workers == 3
    monkeypatch.setenv(SCHEDULER_ENV, "localhost:8786")
    with pytest.raises(SchedulerError, match=f"tcp://HOST:PORT.*{SCHEDULER_ENV}"):
        executor_for(None)
    with pytest.raises(SchedulerError, match="--scheduler nonsense"):
        executor_for("nonsense")
    monkeypatch.setenv(SCHEDULER_ENV, " ")
    assert isinstance(executor_for(None), LocalExecutor)


def test_the_cache_dir_is_a_folder_or_a_file_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = _course(tmp_path, "lessons:\n  - name: a\n")
    code, _, err = _run(["course", str(course), "--cache-dir", "s3://bucket/cache"], capsys)
    assert code == 2 and "only a local folder or a file:// URL" in err


# ------------------------------------------------------------------------------ on a cluster
def _runs(markers: Path, scene_id: str) -> int:
    path = markers / f"{scene_id}.runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.slow
def test_a_course_on_a_local_cluster_does_shared_work_once(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    c, client, markers = cluster
    run = subprocess.run([sys.executable, str(RUN_CLI), "course", str(_course(tmp_path, TWO_LESSONS)),
                          "-o", str(tmp_path / "out"), "--cache-dir", f"file://{tmp_path / 'cache'}",
                          "--scheduler", c.scheduler_address], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "on dask (2 worker(s))" in run.stdout and "7 task(s) (2 shared)" in run.stdout
    index = json.loads((tmp_path / "out" / "course.json").read_text())
    assert [x["status"] for x in index["lessons"]] == ["done", "done", "done"]
    for lesson in index["lessons"]:
        video = Path(lesson["video"])
        assert video == tmp_path / "out" / lesson["name"] / f"{lesson['name']}.mp4"
        manifest = json.loads(video.with_name(video.stem + ".manifest.json").read_text())
        assert abs(probe(video).duration - sum(s["duration"] for s in manifest["scenes"])) < 1e-3
    # cat and cat-again share both scenes; dog's sentence differs: its scenes render again (their
    # keys hold the whole config until a render has recorded what each scene reads)
    assert _runs(markers, "tiny-one") == 2 and _runs(markers, "tiny-two") == 2


@pytest.mark.slow
def test_a_worker_killed_mid_course_and_the_course_completes(tmp_path: Path, monkeypatch, cluster) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TINY_SCENE_SLOW", "6")  # every scene sleeps 6 s after its first animation
    c, client, markers = cluster
    worker_pids = client.run(os.getpid)
    said: list[str] = []
    result: dict[str, object] = {}
    runner = threading.Thread(target=lambda: result.update(course=render_course(
        _course(tmp_path, TWO_LESSONS), tmp_path / "out", tmp_path / "cache",
        DaskExecutor(c.scheduler_address, client=client), cli_lookup(tiny_scenes()), said.append)))
    monkeypatch.setenv("TINY_SCENE_SLOW", "6")
    runner.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline:
        # a worker whose scene is being drawn: its Manim child runs (another busy worker may be speaking)
        drawing = [w for w, tasks in client.processing().items() if tasks and psutil.Process(worker_pids[w]).children()]
        if drawing and sum(_runs(markers, s) for s in ("tiny-one", "tiny-two")) >= 1:
            killed = worker_pids[drawing[0]]
            os.kill(killed, signal.SIGKILL)  # mid-scene: its Manim child dies with it
        time.sleep(0.2)
    runner.join(300)
    assert killed is not None and not runner.is_alive()
    course = result["course"]
    assert [s.status for s in course.lessons] == ["done", "done", "done"], "\n".join(said)  # type: ignore[attr-defined]
    # every scene was drawn (the killed worker's task ran again elsewhere, or its result had been
    # stored as its Manim child ended: which one depends on when the kill lands)
    assert _runs(markers, "tiny-one") >= 2 and _runs(markers, "tiny-two") >= 2
    assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE
