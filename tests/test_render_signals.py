"""A failing scene and an interrupted render: one-line errors, old video kept, nothing half-written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


from fixtures.tiny_catalog import TINY_CONFIG, cli_lookup, tiny_scenes

from attention_explainer.cli import cli, main  # noqa: E402

pytestmark = pytest.mark.slow  # real renders in child processes, ~8 s of CPU each

RUN_CLI = Path(__file__).parent / "fixtures" / "run_cli.py"


def leftovers(folder: Path) -> list[str]:
    """Temp files and half-written media anywhere under folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if ".tmp" in p.name or (p.suffix in {".mp4", ".png"} and "cache" not in p.parts))


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_a_failing_scene_is_one_error_line_naming_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    video = tmp_path / "video.mp4"
    video.write_bytes(b"the previous video")
    monkeypatch.setenv("TINY_SCENE_FAIL", "tiny-two")
    monkeypatch.setitem(cli.context_settings, "obj", {"scene_lookup": cli_lookup(tiny_scenes(tmp_path / "scenes"))})
    with pytest.raises(SystemExit) as info:
        main(["render", "-c", str(config), "--media-dir", str(tmp_path / "media"), "-o", str(video), "--quiet"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    m = re.fullmatch(r"error: scene 'math' failed: ValueError: tiny scene tiny-two was asked to fail "
                     r"\(full log: (.+\.log)\)\n", err)
    assert m, err
    log = Path(m.group(1))
    assert log.parent == tmp_path / "media" / "attention-explainer" / "logs"
    assert "Traceback" in log.read_text()
    assert video.read_bytes() == b"the previous video"
    assert leftovers(tmp_path / "media") == []


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
def test_sigterm_mid_render_keeps_the_previous_video_and_leaves_no_temp_files(tmp_path: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    video = out_dir / "video.mp4"
    video.write_bytes(b"the previous video")
    markers = tmp_path / "markers"
    markers.mkdir()
    media = tmp_path / "media"
    env = {**os.environ, "TINY_SCENE_DIR": str(tmp_path / "scenes"), "TINY_SCENE_MARKERS": str(markers),
           "TINY_SCENE_SLOW": "120"}  # both scenes sleep after their first animation
    proc = subprocess.Popen([sys.executable, str(RUN_CLI), "render", "-c", str(config), "--media-dir", str(media),
                             "-o", str(video), "--quiet"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        partials = media / "attention-explainer" / "manim"
        # both Manim processes are inside construct, and one animation file is on disk
        while len(list(markers.glob("*.runs"))) < 2 or not list(partials.rglob("partial_movie_files/*/*.mp4")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the scenes did not start"
            time.sleep(0.2)
        assert len(processes_mentioning(str(tmp_path / "scenes"))) >= 2
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert time.monotonic() - t0 < 20, "children are stopped promptly"
    assert out == "" and err.strip().startswith("error:")
    assert video.read_bytes() == b"the previous video"
    assert sorted(p.name for p in out_dir.iterdir()) == ["video.mp4"]
    assert leftovers(media) == []
    assert not list(media.rglob("*.mp4")), "no segment or animation file from the interrupted run"
    assert processes_mentioning(str(tmp_path / "scenes")) == [], "no Manim process is left running"
