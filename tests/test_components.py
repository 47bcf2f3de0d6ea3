"""The scene components on their own: each module's docstring example renders (last-frame image
regression, like tests/test_frames.py), and what each component draws is read back from its glyphs
and compared with numbers formatted here, independently of the components.

Regenerate the control images after an intended visual change, and look at them first:

    .venv/bin/python -m pytest tests/test_components.py --set_test
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from typing import Any

import numpy as np
import pytest
from manim import Mobject, Scene, config, tempconfig
from scenetools import CACHES, frames_comparison, glyph_text, shown_number, shows

from attention_explainer.scenes.components import (
    DARK,
    LIGHT,
    tex_template,
    Edge,
    Heatmap,
    Link,
    MatrixView,
    NumberMatrix,
    TokenRow,
    WorkedCell,
    count_shown,
    label,
    plural,
    short,
    showing,
    visible,
    wrap_words,
)

__module_test__ = "components"  # control data in tests/control_data/components/

MODULES = ("theme", "text", "tokens", "matrix", "heat", "formula", "diagram", "charts", "worked", "trace_views")


# ------------------------------------------------------------------------ docstring examples
@pytest.fixture(autouse=True)
def _tex_setup():  # type: ignore[no-untyped-def]
    """The project's LaTeX template (as ExplainerScene sets it) and the shared Tex/Pango caches."""
    with tempconfig({"tex_template": tex_template(), **CACHES}):
        yield


def example(module: str) -> str:
    """The example code of a component module's docstring (the indented block after '::')."""
    doc = inspect.getdoc(importlib.import_module(f"attention_explainer.scenes.components.{module}")) or ""
    assert "::" in doc, f"{module}: no example in its docstring"
    block = doc.split("::", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip()


def draw_example(module: str) -> Mobject:
    """Run the example; it names what it draws `picture`."""
    code = example(module)
    assert any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "picture" for t in n.targets)
               for n in ast.parse(code).body), f"{module}: the example assigns no `picture`"
    names: dict[str, Any] = {}
    exec(compile(code, f"<{module} example>", "exec"), names)  # noqa: S102 - our own docstring
    picture = names["picture"]
    assert isinstance(picture, Mobject) and picture.family_members_with_points(), module
    return picture


@pytest.mark.parametrize("module", MODULES)
def test_every_example_fits_the_frame(module: str) -> None:
    picture = draw_example(module)
    assert -7.11 <= picture.get_left()[0] and picture.get_right()[0] <= 7.11, module
    assert -4.0 <= picture.get_bottom()[1] and picture.get_top()[1] <= 4.0, module


@pytest.mark.system
@pytest.mark.parametrize("module", MODULES)
@frames_comparison(base_scene=Scene)  # fresh TeX/text folders: a frame owes nothing to earlier tests
def test_example(scene: Scene, module: str) -> None:
    config.tex_template = tex_template()  # frames_comparison runs in a config of its own
    scene.camera.background_color = DARK.background
    scene.add(draw_example(module))


# ------------------------------------------------------------------------------------- text
def test_words() -> None:
    assert [plural(k, "token") for k in (0, 1, 2)] == ["0 tokens", "1 token", "2 tokens"]
    assert short("transformers", 8) == "transfo…" and short("cat", 8) == "cat" and len(short("x" * 30, 18)) == 18
    assert showing((7, 16, "tokens"), (5, 5, "heads"), (3, 8, "d_k columns")) == \
        "showing 7 of 16 tokens, 3 of 8 d_k columns"
    assert showing((4, 4, "tokens")) is None
    assert count_shown(visible(16, 8)) == 7 and visible(16, 8)[4] is None


def test_wrap_words() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    lines = wrap_words(text, 12)
    assert " ".join(lines) == text and all(len(line) <= 12 for line in lines)
    assert wrap_words("a supercalifragilistic word", 8) == ["a", "supercal", "ifragili", "stic", "word"]
    assert wrap_words("a supercalifragilistic word", 8, cut=False) == ["a", "supercalifragilistic", "word"]


def test_label_draws_the_text_it_was_given() -> None:
    for value, decimals in ((-0.004, 2), (-1.5, 1), (12.25, 2), (0.0, 3)):
        expected = shown_number(value, decimals)
        from attention_explainer.scenes.components import fmt

        assert glyph_text(label(fmt(value, decimals), DARK, mono=True)) == expected


# ----------------------------------------------------------------------------------- matrix
@pytest.mark.parametrize("cls", [MatrixView, NumberMatrix])
def test_matrix_draws_each_number_at_its_index(cls: type[MatrixView]) -> None:
    values = np.arange(-12, 12).reshape(4, 6) / 8
    view = cls(values, 2, LIGHT, rows=[0, None, 3], cols=[0, 1, None, 5], row_labels=list("abcd"))
    shows(view, values, 2)
    # by slot: rows top to bottom, columns left to right, ellipses where the slice is cut
    rows, cols = view.get_rows(), view.get_columns()
    assert len(rows) == 3 and len(cols) == 4 and all(len(r) == 4 for r in rows)
    assert glyph_text(rows[2][3]) == shown_number(values[3, 5], 2)
    assert glyph_text(cols[1][0]) == shown_number(values[0, 1], 2)
    assert [m.original_text for m in rows[1]] == ["⋮", "⋮", "⋱", "⋮"]
    assert rows[0][0].get_y() > rows[2][0].get_y() and cols[0][0].get_x() < cols[3][0].get_x()
    assert [glyph_text(m) for m in view.row_entries(3)] == [shown_number(values[3, c], 2) for c in (0, 1, 5)]
    assert len(view.entries_except({(0, 0), (3, 5)})) == len(view.entries) - 2
    # a highlight frames its cell, also after the view was scaled and moved
    view.scale(0.5).shift([2, -1, 0])
    box, glyph = view.cell_rect(3, 1), view.entry(3, 1)
    assert box.get_left()[0] < glyph.get_left()[0] and glyph.get_right()[0] < box.get_right()[0]
    assert box.get_bottom()[1] < glyph.get_bottom()[1] and glyph.get_top()[1] < box.get_top()[1]
    assert view.scale_factor() == pytest.approx(0.5)


# ------------------------------------------------------------------------------------- heat
def test_heatmap_numbers_and_masked_cells() -> None:
    w = np.array([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [0.125, 0.5, 0.375]])
    mask = np.triu(np.ones((3, 3), bool), 1)
    hm = Heatmap(w, ["a", "b", "c"], DARK, cell=0.9)
    for i in range(3):
        for j in range(3):
            assert glyph_text(hm.number(i, j)) == shown_number(w[i, j], 2), (i, j)
    layer = hm.mask_cells(mask)
    assert len(layer) == 3 == len(hm.hatches)
    for i in range(3):
        for j in range(3):
            masked = bool(mask[i, j])
            assert (hm.cell(i, j).get_fill_color().to_hex().upper() == DARK.panel.upper()) == masked
            assert (hm.number(i, j).get_fill_opacity() == 0) == masked
    for (i, j), h in hm.hatches.items():  # each hatch lies inside its cell
        c = hm.cell(i, j)
        assert c.get_left()[0] - 1e-6 <= h.get_left()[0] and h.get_right()[0] <= c.get_right()[0] + 1e-6


@pytest.mark.parametrize("cell", [0.35, 0.6, 1.2])
def test_heatmap_label_band_predicts_its_labels(cell: float) -> None:
    tokens = ["a", "transformer", "is", "attention"]
    dims = [(label(t, DARK, 24).width, label(t, DARK, 24).height) for t in tokens]
    col_h, row_w = Heatmap.label_band(dims, cell)
    hm = Heatmap(np.full((4, 4), 0.25), tokens, DARK, cell=cell, uniform_labels=True)
    assert col_h == pytest.approx(max(t.height for t in hm.col_labels), rel=1e-3)
    assert row_w == pytest.approx(max(t.width for t in hm.row_labels), rel=1e-3)


# ---------------------------------------------------------------------------------- diagram
def test_edges_are_named_by_their_nodes() -> None:
    link = Link("X", "W_Q")
    assert (link.source, link.target) == ("X", "W_Q") and link == ("X", "W_Q")
    edge = Edge([np.array([0, 0, 0]), np.array([2, 0, 0])], DARK, DARK.q, link=link)
    assert edge.link is link and edge.path.get_start()[0] == pytest.approx(0)


# ----------------------------------------------------------------------------------- worked
def test_worked_cell_writes_out_the_product() -> None:
    row, col = np.array([0.5, -1.0, 0.25]), np.array([2.0, 0.5, -4.0])
    value = float(row @ col)  # -0.5
    cell = WorkedCell(row, col, [0, None, 2], value, 1, 2, DARK, (DARK.x, DARK.q), products=list(row * col))
    m = "\u2212"
    assert glyph_text(cell.lines[0]) == f"0.5×2.0+…+0.3×({m}4.0)".replace("0.3", "0.2")  # f"{0.25:.1f}" is 0.2
    assert glyph_text(cell.lines[1]) == f"=1.00+…+({m}1.00)={m}0.50"
    assert glyph_text(cell.value) == f"{m}0.50"
    one_line = WorkedCell(row, col, [0, 1, 2], value, 1, 2, DARK, (DARK.q, DARK.k))
    assert len(one_line.lines) == 1
    assert glyph_text(one_line) == f"0.5×2.0+({m}1.0)×0.5+0.2×({m}4.0)={m}0.50"


def test_token_row_keeps_token_order() -> None:
    row = TokenRow(["The", "cat", "sat", "on", "a", "mat"], DARK, indices=[0, 1, None, 5])
    assert row.shown() == 3
    xs = [row.item(i).get_x() for i in (0, 1, 5)]
    assert xs == sorted(xs)
    assert [row.item(i)[1].original_text for i in (0, 1, 5)] == ["The", "cat", "mat"]
