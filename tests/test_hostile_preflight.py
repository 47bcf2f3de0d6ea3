"""The system misbehaves: LaTeX or dvisvgm missing, the font missing, an unwritable or read-only
output folder, a full disk. preflight() says so in one line before any render starts, and
explain_failure() turns the same causes met during a render (Manim's log) into that line."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attention_explainer.cli import scene as scene_module
from attention_explainer.config import UserError
from attention_explainer.system.preflight import (
    MIN_FREE_MB,
    PreflightError,
    check_free_space,
    check_tools,
    check_writable,
    explain_failure,
    preflight,
)

LATEX_MISSING = ("LaTeX is not installed ('latex' is not on PATH), and the video's formulas need it; install it "
                 "with: sudo apt-get install texlive-latex-base (or run scripts/bootstrap.sh setup)")


@pytest.fixture
def bin_without(tmp_path: Path):
    """bin_without(*tools) -> a PATH string of symlinks to every latex-toolchain program but those."""

    def make(*missing: str) -> str:
        folder = tmp_path / ("bin-without-" + "-".join(missing))
        folder.mkdir()
        for tool in ("latex", "dvisvgm", "kpsewhich"):
            if tool not in missing:
                (folder / tool).symlink_to("/bin/true")
        return str(folder)

    return make


def test_all_good_here(tmp_path: Path) -> None:
    start = time.perf_counter()
    preflight(tmp_path / "media", tmp_path / "out" / "video.mp4", "h")
    assert time.perf_counter() - start < 2
    assert (tmp_path / "media" / "attention-explainer").is_dir() and not list((tmp_path / "media").rglob(".preflight-*"))


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (("latex",), LATEX_MISSING),
        (("latex", "dvisvgm"), LATEX_MISSING),
        (("dvisvgm",), "dvisvgm is not installed ('dvisvgm' is not on PATH), and the video's formulas need it; "
                       "install it with: sudo apt-get install dvisvgm (or run scripts/bootstrap.sh setup)"),
    ],
)
def test_missing_tools_name_the_debian_package(bin_without, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               missing: tuple[str, ...], message: str) -> None:
    path = bin_without(*missing)
    with pytest.raises(PreflightError) as info:
        check_tools(path)
    assert str(info.value) == message
    monkeypatch.setenv("PATH", path)
    with pytest.raises(UserError, match=r"^(LaTeX|dvisvgm) is not installed"):
        preflight(tmp_path / "media")


def test_missing_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import manimpango

    monkeypatch.setattr(manimpango, "list_fonts", lambda: ["Noto Sans"])
    with pytest.raises(PreflightError) as info:
        preflight(tmp_path / "media")
    assert str(info.value) == ("the font DejaVu Sans is not installed; install it with: "
                               "sudo apt-get install fontconfig fonts-dejavu-core")


def test_media_dir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "media").write_text("not a folder")
    with pytest.raises(PreflightError) as info:
        preflight(tmp_path / "media")
    assert str(info.value) == (f"{tmp_path}/media/attention-explainer: cannot be the media folder: {tmp_path}/media "
                               "is a file, not a folder; choose another with --media-dir")


def test_output_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(PreflightError, match=r"cannot be the output folder: .*file is a file, not a folder; "
                                             r"choose another with -o$"):
        preflight(tmp_path / "media", tmp_path / "file" / "video.mp4")


def test_read_only_media_folder(tmpfs) -> None:
    ro = tmpfs("ro,size=1m")
    with pytest.raises(PreflightError) as info:
        preflight(ro / "media")
    assert str(info.value) == (f"{ro}/media/attention-explainer: the media folder is not writable (Read-only file "
                               "system); choose another with --media-dir")


def test_full_disk(tmpfs) -> None:
    small = tmpfs("size=2m")
    with pytest.raises(PreflightError) as info:
        preflight(small / "media", quality="l")
    assert str(info.value) == (f"{small}/media/attention-explainer: only 2 MB free on that disk; this render needs "
                               f"about {MIN_FREE_MB['l']} MB: free some space or choose another folder with --media-dir")
    check_free_space(small, 1)  # what there is, is enough for a smaller need


def test_not_writable_without_root(tmp_path: Path) -> None:
    # As root, permissions do not stop a write; a path through a file does, for everyone.
    (tmp_path / "f").write_text("x")
    with pytest.raises(PreflightError, match="is a file, not a folder"):
        check_writable(tmp_path / "f" / "media")


# ---------------------------------------------------------------- failures met during a render

# The ends of real Manim logs (480p15), trimmed.
LOG_LATEX = """\
│ /root/.pyenv/versions/3.11.7/lib/python3.11/subprocess.py:1950 in _execute_child                 │
│ ❱ 1950 │   │   │   │   │   raise child_exception_type(errno_num, err_msg, err_filename)          │
╰──────────────────────────────────────────────────────────────────────────────────────────────────╯
FileNotFoundError: [Errno 2] No such file or directory: 'latex'
"""
LOG_DISK_FULL = """\
╭───────────────────── Traceback (most recent call last) ──────────────────────╮
│ ❱ 124 │   │   │   raise self._operation_error("finish", first_error) from fi │
╰──────────────────────────────────────────────────────────────────────────────╯
RuntimeError: Failed to finish video segment
/tmp/m/videos/fullscene/480p15/partial_movie_files/Full/7a4dbde9baf5d
839f631babc9be2acb4442c28edf713da321926598b149f8dc3.mp4 (mp4/libx264/yuv420p,
854x480 at 15 fps): [Errno 28] No space left on device:
'/tmp/m/videos/fullscene/480p15/partial_movie_files/Full/7a4dbde9baf5
d839f631babc9be2acb4442c28edf713da321926598b149f8dc3.mp4'
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LOG_LATEX, LATEX_MISSING),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'latex'", LATEX_MISSING),
        ("FileNotFoundError: [Errno 2] No such file or directory: 'dvisvgm'",
         "dvisvgm is not installed ('dvisvgm' is not on PATH), and the video's formulas need it; "
         "install it with: sudo apt-get install dvisvgm (or run scripts/bootstrap.sh setup)"),
        (LOG_DISK_FULL,
         "the disk is full (No space left on device); free some space or choose another folder with --media-dir"),
        ("OSError: [Errno 30] Read-only file system: '/ro/x.mp4'",
         "the media folder is on a read-only disk; choose another folder with --media-dir"),
        ("PermissionError: [Errno 13] Permission denied: '/root/x'",
         "no permission to write in the media folder; choose another folder with --media-dir"),
        ("FileNotFoundError: [Errno 2] No such file or directory: '/tmp/scene.py'", None),
        ("ValueError: latex error converting to dvi", None),
        ("[Errno 28] in an old warning\nTraceback (most recent call last):\nKeyError: 'x'", None),
    ],
)
def test_explain_failure(text: str, message: str | None) -> None:
    assert explain_failure(text) == message


def test_explain_failure_on_manims_own_error_without_latex(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          bin_without) -> None:
    # Manim compiles a formula in this process with latex missing: its exception, as failure_line
    # reports it ("Type: message"), explains itself.
    from manim import tempconfig
    from manim.utils.tex_file_writing import tex_to_svg_file

    monkeypatch.setenv("PATH", bin_without("latex", "dvisvgm"))
    with tempconfig({"media_dir": str(tmp_path / "media"), "verbosity": "ERROR"}):
        with pytest.raises(FileNotFoundError) as info:
            tex_to_svg_file("x^2 + hostile")
    assert explain_failure(f"{type(info.value).__name__}: {info.value}") == LATEX_MISSING


# ------------------------------------------------------- the real command (needs the lead's wiring)

WIRED = "preflight(" in inspect.getsource(scene_module.scene_cmd.callback)


@pytest.mark.xfail(not WIRED, run=False, strict=True,
                   reason="WIRING: cli.scene_cmd does not call preflight(...) yet (see the hostile-input report)")
def test_process_scene_without_latex_is_one_line_before_any_render(tmp_path: Path) -> None:
    # `attention-explainer scene heatmap --still` with a PATH that has python but no latex: the
    # heatmap itself would render without LaTeX, so only the preflight can stop it, at once.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "python3").symlink_to(sys.executable)
    media = tmp_path / "media"
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "attention_explainer", "scene", "heatmap", "--still",
                             "--media-dir", str(media)], env={**os.environ, "PATH": str(bin_dir)},
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {LATEX_MISSING}\n")
    assert time.perf_counter() - start < 30  # a render of the heatmap takes longer
    assert not (media / "attention-explainer" / "logs").exists()  # no Manim process was started
