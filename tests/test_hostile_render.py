"""The system misbehaves during a real render (tiny fixture scenes, 480p15): Ctrl-C, a disk that
fills up, a read-only output folder. One line on stderr, the previous video kept, nothing
half-written, no Manim process left. (SIGTERM and a failing scene: tests/test_render_signals.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


from test_render_signals import RUN_CLI, leftovers, processes_mentioning  # noqa: E402
from fixtures.tiny_catalog import TINY_CONFIG, cli_lookup, tiny_scenes

from attention_explainer.system import preflight as preflight_module  # noqa: E402
from attention_explainer.cli import cli, main  # noqa: E402

pytestmark = [pytest.mark.system, pytest.mark.slow]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_mid_render_keeps_the_previous_video_and_leaves_nothing(tmp_path: Path) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    video = tmp_path / "out" / "video.mp4"
    video.parent.mkdir()
    video.write_bytes(b"the previous video")
    markers, media = tmp_path / "markers", tmp_path / "media"
    markers.mkdir()
    env = {**os.environ, "TINY_SCENE_DIR": str(tmp_path / "scenes"), "TINY_SCENE_MARKERS": str(markers),
           "TINY_SCENE_SLOW": "120"}
    proc = subprocess.Popen([sys.executable, str(RUN_CLI), "render", "-c", str(config), "--media-dir", str(media),
                             "-o", str(video), "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(markers.glob("*.runs"))) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the scenes did not start"
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the command (the scenes run in their own group)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # click ends the terminal's "^C" line first (a newline), then the one message
    assert (proc.returncode, out, err.lstrip("\n")) == (130, "", "error: interrupted\n")
    assert video.read_bytes() == b"the previous video"
    assert sorted(p.name for p in video.parent.iterdir()) == ["video.mp4"]
    assert leftovers(media) == []
    assert processes_mentioning(str(tmp_path / "scenes")) == []


def render_in_process(tmp_path: Path, media: Path, video: Path, capsys) -> tuple[int, str, str]:  # noqa: ANN001
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    try:
        main(["render", "-c", str(config), "--media-dir", str(media), "-o", str(video), "--quiet", "-j", "1"])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_disk_full_mid_render_is_one_line(tmp_path: Path, tmpfs) -> None:
    # A disk with room for the config and the logs' start but not for the scenes' video files. A real
    # process, so that anything printed by a helper thread shows. The preflight's free-space floor
    # is lowered to let the render start (it refuses this disk up front).
    disk = tmpfs("size=96k")
    config = tmp_path / "tiny.yaml"
    config.write_text(TINY_CONFIG)
    video = tmp_path / "video.mp4"
    video.write_bytes(b"the previous video")
    program = ("import runpy, sys; import attention_explainer.system.preflight as p; p.MIN_FREE_MB['l'] = 0; "
               f"sys.argv = [{str(RUN_CLI)!r}] + sys.argv[1:]; runpy.run_path({str(RUN_CLI)!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", program, "render", "-c", str(config), "--media-dir",
                             str(disk / "media"), "-o", str(video), "--quiet", "-j", "1"],
                            env={**os.environ, "TINY_SCENE_DIR": str(tmp_path / "scenes")},
                            capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout) == (2, "")
    err = result.stderr
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert "disk is full" in err or "No space left on device" in err, err
    assert video.read_bytes() == b"the previous video"
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_read_only_output_folder_is_one_line(tmp_path: Path, tmpfs, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(cli, "context_settings", {**cli.context_settings,
                                                  "obj": {"scene_lookup": cli_lookup(tiny_scenes(tmp_path / "s"))}})
    ro = tmpfs("ro,size=64k")
    code, out, err = render_in_process(tmp_path, tmp_path / "media", ro / "video.mp4", capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {ro}: the folder is read-only; choose another (--media-dir, -o)\n" or (
        err.startswith(f"error: {ro}: the output folder is not writable (Read-only file system)")), err
