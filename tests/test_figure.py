"""`export --figure heatmap`: the weights as a labelled SVG or PNG figure (pycairo)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from attention_explainer.cli import main
from attention_explainer.production.figure import PNG_SCALE, colour, ink


def export(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(["export", *args])
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_png_and_svg_figures_are_written(tmp_path: Path, write_config, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config('sentence: "The cat sat down"\n')
    code, out, _ = export(["--config", str(config), "--figure", "heatmap", "--format", "png", "-o", str(tmp_path / "h.png")],
                          capsys)
    assert code == 0 and out == f"wrote {tmp_path / 'h.png'}\n"
    image = np.asarray(Image.open(tmp_path / "h.png").convert("RGB")).astype(int)
    assert image.shape[1] >= 1200  # print quality: about 300 dpi at 10 cm
    code, out, _ = export(["--config", str(config), "--format", "json"], capsys)
    weights = np.asarray(json.loads(out)["weights"])
    # the four cells' colours appear in the figure: each weight's viridis colour, computed here
    pixels = image.reshape(-1, 3)
    for w in (weights.max(), weights.min()):
        expected = np.asarray([round(c * 255) for c in colour(float(w))])
        assert (np.abs(pixels - expected).max(axis=1) <= 2).sum() > (20 * PNG_SCALE) ** 2
    code, out, _ = export(["--config", str(config), "--figure", "heatmap", "--format", "svg", "-o", str(tmp_path / "h.svg")],
                          capsys)
    assert code == 0
    root = ET.parse(tmp_path / "h.svg").getroot()
    assert root.tag.endswith("svg") and float(root.get("width", "0").rstrip("pt")) > 200


def test_viridis_ends_and_readable_ink() -> None:
    assert [round(c * 255) for c in colour(0.0)] == [68, 1, 84]
    assert [round(c * 255) for c in colour(1.0)] == [253, 231, 37]
    assert ink(colour(0.0)) == (1.0, 1.0, 1.0) and ink(colour(1.0)) == (0.0, 0.0, 0.0)


def test_bad_figure_requests_are_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args, said in ((["--figure", "heatmap", "--format", "png", "-o", str(tmp_path / "h.svg")], "name it *.png"),
                       (["--figure", "heatmap", "--format", "csv"], "--figure writes svg or png"),
                       (["--format", "png"], "add --figure heatmap"),
                       (["--figure", "heatmap", "-o", str(tmp_path)], "is a directory")):
        code, _, err = export(args, capsys)
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and said in err, err
