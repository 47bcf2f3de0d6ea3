"""CLI input checks a new user meets first: every config error at once, scene-id typos, output
names that do not match what is written, and help that says what each command writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from attention_explainer.cli import cli, main
from attention_explainer.config import ConfigError, load_config

MANY_PROBLEMS = """\
modle: {}
model: {d_k: -3, seed: -1}
display: {theme: pink}
video: {scenes: [heatmp]}
"""
# The lines each problem gives on its own (the wording of tests/test_config.py).
EXPECTED = [
    "model.d_k: must be a positive integer, got -3",
    "model.seed: must be a non-negative integer, got -1",
    "display.theme: input should be 'dark' or 'light', got 'pink'",
    "video.scenes: unknown scene 'heatmp'; did you mean 'heatmap'?",
    "modle: unknown key; did you mean 'model'?",
]


def run_main(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code), out, err


def test_every_config_error_is_reported_at_once(write_config, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(MANY_PROBLEMS)
    code, out, err = run_main(capsys, ["export", "-c", str(path)])
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert sorted(lines) == sorted(f"error: {path}: {line}" for line in EXPECTED)
    # each line is what that problem alone reports
    for line in EXPECTED:
        key = line.split(":")[0]
        single = {"modle": "modle: {}", "model.d_k": "model: {d_k: -3}", "model.seed": "model: {seed: -1}",
                  "display.theme": "display: {theme: pink}", "video.scenes": "video: {scenes: [heatmp]}"}[key]
        with pytest.raises(ConfigError) as one:
            load_config(write_config(single, name="one.yaml"))
        assert str(one.value).split(": ", 1)[1] == line


def test_config_errors_are_capped_with_a_count(write_config) -> None:
    keys = "\n".join(f"key{i}: 1" for i in range(14))
    with pytest.raises(ConfigError) as info:
        load_config(write_config(keys))
    lines = info.value.lines
    assert len(lines) == 11
    assert all(": unknown key" in line for line in lines[:10])
    assert lines[10].endswith(": ... and 4 more problem(s)")


def test_scene_typo_suggests_the_scene(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, ["scene", "heatmp"])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "unknown scene 'heatmp'; did you mean 'heatmap'?" in err


@pytest.mark.parametrize(("args", "fragment"), [
    (["--still", "-o", "x.mp4"], "--still writes a PNG but the output file x.mp4 ends in .mp4; name it *.png"),
    (["--still", "--format", "gif"], "--still writes one PNG frame; --format gif does not apply"),
    (["-o", "x.mov"], "the output file x.mov ends in .mov but MP4 is written"),
    (["-o", "x.png"], "the output file x.png ends in .png but MP4 is written"),
    (["--format", "gif", "-o", "x.mp4"], "--format gif but the output file x.mp4 ends in .mp4"),
])
def test_scene_output_name_must_match_what_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      args: list[str], fragment: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, ["scene", "outro", "--media-dir", str(tmp_path / "m"), *args])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert fragment in err
    assert list(tmp_path.iterdir()) == []  # refused before anything was rendered or written


def test_storyboard_output_must_be_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, ["storyboard", "-o", str(tmp_path / "board.jpg")])
    assert code == 2 and "ends in .jpg" in err and not (tmp_path / "board.jpg").exists()


def _help(*command: str) -> str:
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    return " ".join(result.output.split())


def test_scene_help_says_what_scene_writes() -> None:
    text = _help("scene")
    assert "written either way" not in text
    assert "`scene` writes no caption files" in text
    assert "joins the scenes" not in text
    assert "Format of the scene video" in text and "Not with --still" in text


def test_render_help_says_what_render_writes() -> None:
    text = _help("render")
    assert "Caption files (.srt, .vtt) are written beside the video either way" in text
    assert "joins the scenes without re-encoding" in text


@pytest.mark.parametrize("command", ["render", "scene", "storyboard", "scenes", "export", "init", "clean",
                                     "schema", "doctor"])
def test_every_command_has_help_that_says_what_it_does(command: str) -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    listed = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.startswith("  ")}
    assert command in listed and len(listed[command].split()) > 2
