"""The CLI: commands through click's CliRunner, the exit-code contract through a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from attention_explainer.core.attention import compute_trace
from attention_explainer.config.catalog import DEFAULT_SCENE_IDS, SCENES as CATALOG
from attention_explainer.cli import cli, main
from attention_explainer.config import Config, ConfigError, json_schema, load_config

SCENES = ["why-attention", "math", "heatmap", "pipeline", "outro"]  # the default video, in order
MATRIX_NAMES = ["X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z"]
TRACE_KEYS = ["tokens", "d_model", "d_k", "precision", "causal", *MATRIX_NAMES]
CUSTOM = """\
sentence: "It didn't fit, it was big."
model: {d_model: 3, d_k: 2, seed: 11, causal: true}
display: {precision: 2}
"""


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m attention_explainer ARGS` in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "attention_explainer", *args],
        capture_output=True, text=True, timeout=timeout, encoding="utf-8",
    )


def assert_scene_listing(output: str) -> None:
    """The default scenes first, in video order; then any optional ones, marked."""
    lines = output.splitlines()
    assert lines[: len(SCENES)] == SCENES == list(DEFAULT_SCENE_IDS)
    assert lines[len(SCENES) :] == [f"{s.id}\t(optional)" for s in CATALOG if s.optional]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# ------------------------------------------------------------------------ CliRunner: output


def test_scenes_lists_the_ids_in_order() -> None:
    result = CliRunner().invoke(cli, ["scenes"])
    assert result.exit_code == 0, result.output
    assert_scene_listing(result.output)


@pytest.mark.parametrize("config_text", [None, CUSTOM])
def test_export_json_equals_compute_trace(write_config, config_text: str | None) -> None:
    args = ["export"] if config_text is None else ["export", "--config", str(write_config(config_text))]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = compute_trace(load_config(None if config_text is None else args[-1]).attention_spec()).to_dict()
    assert set(TRACE_KEYS) <= set(data)
    assert data.pop("labels") == data["tokens"]  # no repeated token here: labels are the tokens
    assert data == expected  # full float precision survives the JSON round trip


def test_export_json_one_matrix_row_per_line() -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "json"])
    t = compute_trace(Config().attention_spec())
    lines = [line.rstrip(",") for line in result.output.splitlines()]
    for row in t.weights.tolist():
        assert "    " + json.dumps(row) in lines


def test_export_csv_has_one_row_per_number(write_config) -> None:
    path = write_config(CUSTOM)
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-c", str(path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["matrix", "row", "col", "row_label", "col_label", "value"]
    t = compute_trace(load_config(path).attention_spec())
    assert len(rows) - 1 == sum(getattr(t, name).size for name in MATRIX_NAMES)
    tokens = list(t.tokens)
    for name, i, j, row_label, col_label, value in rows[1:]:
        i, j = int(i), int(j)
        assert float(value) == getattr(t, name)[i, j]
        if name in {"scores", "scaled", "weights"}:
            assert (row_label, col_label) == (tokens[i], tokens[j])
        elif name.startswith("W_"):
            assert (row_label, col_label) == ("", "")
        else:
            assert (row_label, col_label) == (tokens[i], "")


def test_schema_prints_the_json_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json_schema()


def test_version_and_help() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.strip() == "attention-explainer, version 0.1.0"
    help_text = runner.invoke(cli, ["--help"]).output
    for command in ("doctor", "export", "render", "scene", "scenes", "schema"):
        assert f"  {command} " in help_text


def test_bad_config_raises_config_error_inside_click(write_config) -> None:
    result = CliRunner().invoke(cli, ["export", "-c", str(write_config("model: {d_k: -3}"))])
    assert isinstance(result.exception, ConfigError)
    assert "model.d_k: must be a positive integer, got -3" in str(result.exception)


# ------------------------------------------------ main(): the contract, in this process (fast)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export", "--format", "xml"], "Invalid value for '--format'"),
        (["scene", "nope"], "unknown scene 'nope'"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["export", "--config", "/nonexistent/x.yaml"], "/nonexistent/x.yaml: no such file"),
    ],
)
def test_main_user_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], fragment: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and fragment in err


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        ("sentence: [unclosed\n", "YAML error at line 2, column 1: "),
        ("model: {seed: -1}", "model.seed: must be a non-negative integer, got -1"),
        ("modle: {}", "modle: unknown key; did you mean 'model'?"),
    ],
)
def test_main_config_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], write_config, config_text: str, message: str
) -> None:
    path = write_config(config_text)
    for command in (["export"], ["render"], ["scene", "math"]):
        with pytest.raises(SystemExit) as info:
            main([*command, "--config", str(path)])
        assert info.value.code == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert err.startswith(f"error: {path}: {message}")


def test_main_debug_shows_the_exception(write_config) -> None:
    with pytest.raises(ConfigError):
        main(["--debug", "export", "-c", str(write_config("model: {d_k: -3}"))])


def test_main_without_a_command_shows_usage_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    out, err = capsys.readouterr()
    text = out + err
    assert info.value.code in (0, 2)
    assert text.startswith("Usage: attention-explainer") and "error:" not in text


def test_main_success_returns_normally(capsys: pytest.CaptureFixture[str]) -> None:
    main(["scenes"])
    assert_scene_listing(capsys.readouterr().out)


# ------------------------------------------------------- subprocess: the exit-code contract


def test_process_export_json_equals_compute_trace(write_config) -> None:
    path = write_config(CUSTOM)
    result = run("export", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    expected = compute_trace(load_config(path).attention_spec())
    assert set(TRACE_KEYS) <= set(data)
    assert data.pop("labels") == data["tokens"]
    assert data == expected.to_dict()
    assert data["tokens"] == ["It", "didn't", "fit", ",", "it", "was", "big", "."]
    for name in MATRIX_NAMES:
        np.testing.assert_array_equal(np.array(data[name]), getattr(expected, name))


def test_process_export_csv_row_count() -> None:
    result = run("export", "--format", "csv")
    assert result.returncode == 0, result.stderr
    t = compute_trace(Config().attention_spec())
    n, d_model, d_k = 3, 4, 3
    expected = n * d_model + 3 * d_model * d_k + 3 * n * d_k + 3 * n * n + n * d_k
    assert expected == sum(getattr(t, name).size for name in MATRIX_NAMES)
    assert len(result.stdout.splitlines()) == 1 + expected


def test_process_scenes() -> None:
    result = run("scenes")
    assert result.returncode == 0
    assert_scene_listing(result.stdout)


def test_process_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout) == json_schema()


def test_process_bad_config_is_one_line_exit_2(write_config) -> None:
    path = write_config("model: {d_k: -3}")
    line = assert_one_line_error(run("export", "--config", str(path)))
    assert line == f"error: {path}: model.d_k: must be a positive integer, got -3"


def test_process_unknown_option_is_one_line_exit_2() -> None:
    assert_one_line_error(run("export", "--bogus"), "--bogus")


@pytest.mark.system
def test_process_doctor_exits_0_here() -> None:
    result = run("doctor", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MISSING" not in result.stdout
    assert result.stdout.rstrip().endswith("All good: attention-explainer can render.")
