"""The narration's part of a config (video.voice, video.narration) is checked by the narration layer
(narration/config_check.py), not by config: the same one-line errors, before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from attention_explainer.config import ConfigError, load_config
from attention_explainer.narration.config_check import check_narration, load_checked_config
from attention_explainer.narration.voice import voice_names


def test_the_config_layer_keeps_the_voice_as_written(write_config) -> None:
    path = write_config("video:\n  voice: klingon\n  narration: {math-intrp: x}\n")
    cfg = load_config(path)  # config knows the shape only
    assert (cfg.video.voice, cfg.video.narration) == ("klingon", {"math-intrp": "x"})


def test_an_unknown_voice_is_one_line_naming_file_and_field(write_config) -> None:
    path = write_config("video:\n  voice: klingon\n")
    with pytest.raises(ConfigError) as e:
        load_checked_config(path)
    assert e.value.lines == [f"{path}: video.voice: unknown voice 'klingon'; known: {', '.join(voice_names())}"]


def test_voice_and_narration_problems_come_together_in_field_order(write_config) -> None:
    path = write_config("video:\n  voice: 'wav-dir'\n  narration: {math-intrp: x}\n")
    with pytest.raises(ConfigError) as e:
        load_checked_config(path)
    assert e.value.lines == [
        f"{path}: video.narration: unknown narration line 'math-intrp'; did you mean 'math-intro'?",
        f"{path}: video.voice: 'wav-dir' needs an argument: wav-dir:PATH"]


def test_the_checked_config_holds_normalised_voice_and_lines(tmp_path: Path, write_config) -> None:
    (tmp_path / "lines.yaml").write_text("math-intro: Hello {n}.\n", encoding="utf-8")
    cfg = load_checked_config(write_config("video:\n  voice: '  espeak:en-gb '\n  narration: lines.yaml\n"))
    assert cfg.video.voice == "espeak:en-gb"
    assert cfg.video.narration == {"math-intro": {"text": "Hello {n}."}}
    assert check_narration(cfg, "again.yaml") is cfg  # already checked: unchanged


def test_the_cli_refuses_a_bad_voice_in_the_config_before_any_work(tmp_path: Path, write_config) -> None:
    path = write_config("video:\n  voice: klingon\n  scenes: [outro]\n  quality: l\n")
    media = tmp_path / "media"
    run = subprocess.run([sys.executable, "-m", "attention_explainer", "render", "-c", str(path),
                          "--media-dir", str(media)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [f"error: {path}: video.voice: unknown voice 'klingon'; "
                                               f"known: {', '.join(voice_names())}"]
    assert not media.exists()
