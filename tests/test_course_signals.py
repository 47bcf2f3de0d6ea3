"""Ctrl-C (SIGINT) and SIGTERM during `course` (issue 19): the chunks that finished stay in the
cache and the next run reuses them; course.json says 'interrupted'; no temp file, no Manim process
and no half-written video is left. The scene is chunk_scene.py's ChunkMath slowed down (each
beat drawn sleeps) so that it is cut into chunks (the cut its first render leaves is kept for the
next). That first render is shared by both signals. The interrupted run is slowed down too and
renders one chunk at a time (-j 1), so chunks are still to render when the signal comes; the run
that then finishes the course draws at full speed (the sleep would add wall time, not cases)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_render_signals import RUN_CLI, processes_mentioning

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

COURSE = "defaults: {quality: l, voice: none, scenes: [math]}\nlessons:\n  - name: a\n"
ENV = {"TINY_CHUNK_SCENE": "1"}
SLOW = {**ENV, "CHUNK_BEAT_SECONDS": "3"}  # 8 beats: > 20 s, so cut; a chunk takes seconds to interrupt


@pytest.fixture(scope="module")
def first_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course rendered once, slowly (> 20 s: its scene is cut into chunks); each test starts
    from a copy."""
    root = tmp_path_factory.mktemp("course")
    (root / "course.yaml").write_text(COURSE)
    run = subprocess.run(_cmd(root), env={**os.environ, **SLOW}, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return root


def _cmd(root: Path) -> list[str]:
    return [sys.executable, str(RUN_CLI), "course", str(root / "course.yaml"), "-o", str(root / "out"),
            "--cache-dir", str(root / "media")]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_course_keeps_its_finished_chunks(first_render: Path, tmp_path: Path,
                                                          sig: signal.Signals) -> None:
    root = tmp_path / "course"
    shutil.copytree(first_render, root)
    cmd = _cmd(root)
    video = root / "out" / "a" / "a.mp4"
    before = video.read_bytes()
    cache = root / "media" / "attention-explainer" / "cache" / "math"
    assert len(json.loads(next((cache / "480p15-plans").glob("*.json")).read_text())["starts"]) >= 2, "cut"
    for path in (cache / "480p15").iterdir():  # forget the segment, not its plan: the next run is in chunks
        path.unlink()
    chunks = cache / "480p15-chunks"
    for path in chunks.glob("*"):  # and the chunks that first render was cut into
        path.unlink() if path.is_file() else shutil.rmtree(path)

    proc = subprocess.Popen(cmd + ["-j", "1"], env={**os.environ, **SLOW}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 300
        while not list(chunks.glob("*.json")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no chunk finished"
            time.sleep(0.2)
        t0 = time.monotonic()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and stderr.strip().endswith("error: interrupted"), stderr
    # stopped, not waited for: well under what one chunk took (the machine's load scales both)
    assert time.monotonic() - t0 < max(20.0, 0.5 * (t0 - started)), "running chunks are stopped promptly"
    kept = len(list(chunks.glob("*.json")))
    assert kept >= 1 and len(list(chunks.glob("*.mp4"))) == kept
    assert [x["status"] for x in json.loads((root / "out" / "course.json").read_text())["lessons"]] == ["interrupted"]
    assert video.read_bytes() == before, "the earlier video is untouched"
    assert [p for p in root.rglob("*") if ".tmp" in p.name or p.name.endswith(".run.json")] == []
    assert processes_mentioning(str(root)) == [], "no Manim process is left running"

    again = subprocess.run(cmd, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    m = re.search(r"math: (\d+) chunks; rendered (.+); (\d+) reused", again.stdout)
    assert m, again.stdout
    total, reused = int(m.group(1)), int(m.group(3))
    assert total >= 2 and reused >= kept and m.group(2).count("/") == total - reused
    assert [x["status"] for x in json.loads((root / "out" / "course.json").read_text())["lessons"]] == ["done"]
