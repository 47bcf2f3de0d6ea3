"""A narrated and a silent render of one config get different default names; replacing an
earlier video is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from attention_explainer.config import Config
from attention_explainer.production.render import RenderSettings, default_output
from attention_explainer.production.video import describe_existing


@pytest.mark.parametrize(("voice", "name"), [
    ("none", "default_1080p60.mp4"), ("neural", "default_1080p60_neural.mp4"),
    ("espeak:en-gb", "default_1080p60_espeak.mp4"), ("wav-dir:/tmp/rec", "default_1080p60_wav.mp4"),
    ("cmd:pico2wave -w {out} {text}", "default_1080p60_cmd.mp4"),
])
def test_the_voice_is_in_the_default_video_name(voice: str, name: str, tmp_path: Path) -> None:
    settings = RenderSettings(Config(), media_dir=tmp_path, voice=voice)
    assert default_output(settings) == tmp_path / "attention-explainer" / name
    scene = default_output(settings, "webm", "math")
    assert scene.name == name.replace("default_", "default_math_").replace(".mp4", ".webm")
    assert default_output(settings, "png", "math", still=True).name == "default_math_1080p60.png"


def test_silent_and_narrated_names_differ(tmp_path: Path) -> None:
    names = {default_output(RenderSettings(Config(), media_dir=tmp_path, voice=v)) for v in ("none", "neural")}
    assert len(names) == 2


def test_replacing_an_earlier_video_is_described(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    assert describe_existing(video) == ""
    video.write_bytes(b"old")
    assert describe_existing(video).startswith("made ")
    from attention_explainer.production.records import Manifest

    Manifest(video=str(video), format="mp4", duration=1.0, resolution="854x480", fps=15.0, audio=True, voice="espeak",
             captions={}, chapters="", scenes=[], tools={}, created="").to_file(tmp_path / "v.manifest.json")
    assert describe_existing(video).endswith(", voice espeak")
