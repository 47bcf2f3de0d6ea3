"""Shared pytest setup. Keep each section small; add new sections below with their own header."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Union

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
        "slow: builds every real scene (minutes on a busy 2-core box); deselect with -m 'not slow'",
    )


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


# ------------------------------------------------------ last-frame regression (tests/test_frames.py)
# Manim's frames_comparison reads these two options; its pytest plugin is not installed with the
# wheel, so they are registered here. --set_test writes the control frames instead of comparing;
# --show_diff plots a failing frame against its control (needs matplotlib and a display).
# Manim's minimum cairo version is lowered in tests/test_frames.py (kept out of here, so that
# collecting the other tests does not import manim).


def pytest_addoption(parser: pytest.Parser) -> None:
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
