"""`export -o`, the wide CSV, distinct labels for repeated words, `scenes --config` and `init`."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from attention_explainer.cli import cli, main
from attention_explainer.config import default_config_path, load_config
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.labels import distinct_labels
from attention_explainer.config.catalog import SCENES

REPEATS = 'sentence: "the cat saw the dog and the bird"\nmodel: {d_model: 3, d_k: 2, seed: 4}\n'
LABELS = ["the", "cat", "saw", "the (2)", "dog", "and", "the (3)", "bird"]


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_distinct_labels() -> None:
    assert distinct_labels("the cat saw the dog and the bird".split()) == LABELS
    assert distinct_labels(["The", "the"]) == ["The", "the"]  # as typed: case tells them apart
    assert distinct_labels([]) == []


def test_export_labels_repeated_words_apart_in_csv_and_json(write_config) -> None:
    path = str(write_config(REPEATS))
    data = json.loads(invoke("export", "-c", path).output)
    assert data["labels"] == LABELS and data["tokens"] == "the cat saw the dog and the bird".split()
    rows = list(csv.DictReader(io.StringIO(invoke("export", "-c", path, "--format", "csv").output)))
    weights = {(r["row_label"], r["col_label"]): float(r["value"]) for r in rows if r["matrix"] == "weights"}
    assert len(weights) == 64  # no two cells merged under one pair of labels
    trace = compute_trace(load_config(path).attention_spec())
    assert weights[("the (3)", "the (2)")] == trace.weights[6, 3]


def test_export_wide_csv_is_one_table_per_matrix(write_config) -> None:
    path = str(write_config(REPEATS))
    text = invoke("export", "-c", path, "--format", "csv", "--layout", "wide").output
    trace = compute_trace(load_config(path).attention_spec())
    blocks = [list(csv.reader(io.StringIO(b))) for b in text.split("\n\n")]
    names = ["X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z"]
    assert [b[0][0] for b in blocks] == names
    for block in blocks:
        name, header, body = block[0][0], block[0][1:], block[1:]
        matrix = getattr(trace, name)
        assert len(body) == matrix.shape[0] and all(len(r) == 1 + matrix.shape[1] for r in body)
        for i, row in enumerate(body):
            assert [float(v) for v in row[1:]] == matrix[i].tolist()
        row_labels = [r[0] for r in body]
        if name.startswith("W_"):
            assert row_labels == ["d1", "d2", "d3"] and header == ["k1", "k2"]
        else:
            assert row_labels == LABELS
        if name in {"scores", "scaled", "weights"}:
            assert header == LABELS
        elif name == "X":
            assert header == ["d1", "d2", "d3"]


def test_export_to_a_file_is_atomic_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    result = invoke("export", "-o", str(out))
    assert result.output == f"wrote {out}\n"
    assert json.loads(out.read_text(encoding="utf-8"))["weights"] == compute_trace(load_config().attention_spec()).weights.tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temp file left


def test_export_to_a_file_keeps_the_old_one_on_a_bad_config(tmp_path: Path, write_config,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trace.csv"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["export", "-c", str(write_config("model: {d_k: 0}")), "--format", "csv", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == "old"
    assert "error: " in capsys.readouterr().err


def test_wide_layout_needs_csv(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["export", "--layout", "wide"])
    assert info.value.code == 2 and "--layout wide is for --format csv" in capsys.readouterr().err


def test_scenes_with_a_config_lists_its_order(write_config) -> None:
    path = write_config("video: {scenes: [math, scaling, heatmap, outro]}")
    lines = invoke("scenes", "--config", str(path)).output.splitlines()
    assert lines[:4] == ["math", "scaling\t(optional)", "heatmap", "outro"]
    rest = [s for s in SCENES if s.id not in {"math", "scaling", "heatmap", "outro"}]
    assert lines[4:] == [f"{s.id}\t({'optional, ' if s.optional else ''}not included)" for s in rest]


def test_init_writes_the_commented_default_and_refuses_to_overwrite(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.yaml"
    main(["init", str(target)])
    assert target.read_text(encoding="utf-8") == default_config_path().read_text(encoding="utf-8")
    assert "# " in target.read_text(encoding="utf-8")  # the comments come along
    assert load_config(target) == load_config()
    assert capsys.readouterr().out.startswith(f"wrote {target}")
    target.write_text("sentence: mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["init", str(target)])
    assert info.value.code == 2
    assert "already exists; not overwriting" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "sentence: mine\n"


def test_init_without_a_path_writes_attention_yaml_here(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    invoke("init")
    assert os.listdir(tmp_path) == ["attention.yaml"]
    (tmp_path / "sub").mkdir()
    invoke("init", "sub")
    assert (tmp_path / "sub" / "attention.yaml").is_file()
