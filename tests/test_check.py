"""The checker finds what it should: small scenes broken in one known way each (tests/fixtures/
broken_scenes.py), built in one child process as `check` builds the video's scenes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from attention_explainer.config import load_config
from attention_explainer.narration.beats import reading_time
from attention_explainer.config.loader import validate_config
from attention_explainer.production.check import CheckResult, check_many, check_scenes
from attention_explainer.production.render import scene_from_file

FIXTURE = Path(__file__).parent / "fixtures" / "broken_scenes.py"
sys.path.insert(0, str(FIXTURE.parent))
CLASSES = {"clean": "Clean", "overlap": "Overlap", "declared-overlay": "DeclaredOverlay", "off-screen": "OffScreen",
           "low-contrast": "LowContrast", "declared-dim": "DeclaredDim", "on-box": "LowContrastOnBox",
           "too-small": "TooSmall", "short-caption": "ShortCaption", "ragged-row": "RaggedRow",
           "into-caption": "BelowTheBand", "short-beat": "ShortBeat"}


def wcag(hex_a: str, hex_b: str) -> float:
    """WCAG 2 contrast ratio, written out from the definition."""
    def lum(h: str) -> float:
        out = []
        for i in (1, 3, 5):
            c = int(h[i:i + 2], 16) / 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]
    hi, lo = sorted((lum(hex_a), lum(hex_b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    scenes = [scene_from_file(FIXTURE, cls, sid, sid) for sid, cls in CLASSES.items()]
    media = tmp_path_factory.mktemp("check-media")
    return check_scenes(scenes, load_config(None), media, jobs=1)


@pytest.mark.slow
def test_several_configs_in_one_call_find_what_each_finds_alone(tmp_path: Path) -> None:
    """check_many builds every config's scenes in one child and keeps each config's findings apart:
    a dark grey text is hard to see on the dark theme only."""
    scenes = [scene_from_file(FIXTURE, CLASSES[s], s, s) for s in ("low-contrast", "off-screen")]
    dark, light = load_config(None), validate_config({"display": {"theme": "light"}})
    both = check_many([(scenes, dark), (scenes, light)], tmp_path / "many", jobs=1, use_cache=False)
    alone = [check_scenes(scenes, config, tmp_path / "alone", jobs=1, use_cache=False) for config in (dark, light)]
    assert [[f.line() for f in r.findings] for r in both] == [[f.line() for f in r.findings] for r in alone]
    assert [f.kind for f in both[0].findings] == ["contrast", "off-screen"]
    assert [f.kind for f in both[1].findings] == ["off-screen"]
    assert [r.checked for r in both] == [["low-contrast", "off-screen"]] * 2


def found(result: CheckResult, scene: str, kind: str | None = None) -> list:
    return [f for f in result.findings if f.scene == scene and (kind is None or f.kind == kind)]


def test_clean_scenes_have_no_findings(result: CheckResult) -> None:
    for scene in ("clean", "declared-overlay", "declared-dim"):
        assert found(result, scene) == [], scene


def test_overlapping_texts(result: CheckResult) -> None:
    (f,) = found(result, "overlap")
    assert f.kind == "overlap" and f.beat == "overlap-pile"
    assert "'first text'" in f.what and "'second text'" in f.what


def test_text_off_screen(result: CheckResult) -> None:
    (f,) = found(result, "off-screen")
    assert f.kind == "off-screen" and "'too far right'" in f.what
    # the text's right edge is past the frame's right edge (1920 px)
    right = int(f.where.split("x ")[1].split(",")[0].split("-")[1])
    assert right > 1920


def test_low_contrast_against_the_background(result: CheckResult) -> None:
    (f,) = found(result, "low-contrast")
    assert f.kind == "contrast" and "'hard to see'" in f.what
    shown = float(f.what.split("contrast ")[1].split(":")[0])
    assert shown == pytest.approx(wcag("#2A2D33", "#111318"), abs=0.02)


def test_low_contrast_against_the_box_behind(result: CheckResult) -> None:
    (f,) = found(result, "on-box")
    shown = float(f.what.split("contrast ")[1].split(":")[0])
    assert f.kind == "contrast" and shown == pytest.approx(wcag("#FFFFFF", "#E0E0E0"), abs=0.02)


def test_text_too_small(result: CheckResult) -> None:
    (f,) = found(result, "too-small")
    assert f.kind == "text-size"
    # a 28-size label scaled by 0.3: capital height 0.3 x that of a 28-size 'H' (measured here)
    from manim import Text

    expected = Text("H", font="DejaVu Sans", font_size=28).height * 0.3 * 1080 / 8
    assert float(f.what.split(" is ")[1].split(" px")[0]) == pytest.approx(expected, abs=0.3)


def test_caption_taken_away_too_early(result: CheckResult) -> None:
    (f,) = found(result, "short-caption")
    from broken_scenes import LONG_LINE

    assert f.kind == "timing" and f.beat == "short-caption-gone" and f.where == "caption"
    assert f"needs {reading_time(LONG_LINE):.2f} s" in f.what and "shown 0.50 s" in f.what


def test_beat_too_short(result: CheckResult) -> None:
    held, caption = found(result, "short-beat")
    assert held.kind == "timing" and "beat held 0.50 s" in held.what and held.where == "whole beat"
    assert caption.kind == "timing" and caption.where == "caption"  # it went with the beat


def test_token_boxes_off_one_line(result: CheckResult) -> None:
    kinds = {f.kind for f in found(result, "ragged-row")}
    assert kinds == {"token-row"}
    whats = " ".join(f.what for f in found(result, "ragged-row"))
    assert "offset by 27 px" in whats  # 0.2 units at 135 px per unit


def test_content_in_the_caption_band(result: CheckResult) -> None:
    band, words = found(result, "into-caption")
    assert {band.kind, words.kind} == {"overlap"}
    assert "Rectangle" in band.what and "'low text'" in band.what  # the caption's band
    assert "'A short line to read.'" in words.what and "'low text'" in words.what


# ------------------------------------------------------------------------- the commands
def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         args: list[str], first: str, second: str) -> tuple[int, str, str]:
    """Run the CLI with why-attention -> fixture class `first`, math -> `second`."""
    from attention_explainer.cli import cli, main

    sys.path.insert(0, str(FIXTURE.parent))
    from tiny_catalog import cli_lookup

    config = tmp_path / "two.yaml"
    config.write_text("video:\n  scenes: [why-attention, math]\n  quality: l\n  voice: none\n")
    scenes = [scene_from_file(FIXTURE, first, "why-attention", "one"), scene_from_file(FIXTURE, second, "math", "two")]
    monkeypatch.setitem(cli.context_settings, "obj", {"scene_lookup": cli_lookup(scenes)})
    try:
        main([*args, "-c", str(config), "--media-dir", str(tmp_path / "media"), "-j", "1"])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_command_prints_one_line_per_finding_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(tmp_path, monkeypatch, capsys, ["check"], "Overlap", "LowContrast")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("overlap overlap-pile: overlap: Text 'first text' overlaps Text 'second text' (x ")
    assert lines[1].startswith("low-contrast low-contrast-grey: contrast: Text 'hard to see' contrast 1.35:1")
    assert "2 findings" in err
    # again, unchanged: the result is reused, same lines
    code2, out2, err2 = _cli(tmp_path, monkeypatch, capsys, ["check", "--json"], "Overlap", "LowContrast")
    import json

    data = json.loads(out2)
    assert code2 == 1 and data["reused"] is True
    assert [(f["scene"], f["kind"]) for f in data["findings"]] == [("overlap", "overlap"), ("low-contrast", "contrast")]


def test_check_command_clean_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(tmp_path, monkeypatch, capsys, ["check"], "Clean", "DeclaredDim")
    assert (code, out) == (0, "") and "no findings" in err


def test_render_stops_on_what_would_show_and_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / "video.mp4"
    code, out, err = _cli(tmp_path, monkeypatch, capsys, ["render", "-o", str(video), "--quiet"], "OffScreen",
                          "LowContrast")
    assert code == 2 and out == "" and not video.exists()
    lines = err.splitlines()
    # the off-screen text is named; low contrast does not stop a render (check reports it)
    assert lines[0].startswith("check: off-screen off-screen-edge: off-screen: Text 'too far right'")
    assert lines[-1].startswith("error: the check found 1 problem that would show in the video (first: off-screen")
    assert "--no-check" in lines[-1] and len(lines) == 2
