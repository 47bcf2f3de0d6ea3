"""`export`: every number of the attention computation, as JSON or CSV (long or wide)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import config_option, language_option, load
from attention_explainer.core.attention import compute_trace
from attention_explainer.core.labels import distinct_labels

MATRICES = ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z")
# What names the rows and the columns of each matrix: "token" (the row labels), "model" (the
# d_model dimensions, 1-based) or "k" (the d_k dimensions, 1-based).
AXES = {
    "X": ("token", "model"), "W_Q": ("model", "k"), "W_K": ("model", "k"), "W_V": ("model", "k"),
    "Q": ("token", "k"), "K": ("token", "k"), "V": ("token", "k"),
    "scores": ("token", "token"), "scaled": ("token", "token"), "weights": ("token", "token"),
    "Z": ("token", "k"),
}


@cli.command("export")
@config_option
@language_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "svg", "png"]), default=None,
              help="json (default): one object, a matrix row per line; csv: see --layout; svg or png: with --figure.")
@click.option("--figure", "figure", type=click.Choice(["heatmap"]), default=None,
              help="Instead: a print-quality figure (--format svg or png, -o FILE; default attention-heatmap.<format>): "
                   "the attention weights with their tokens, as the video prints them.")
@click.option("--layout", type=click.Choice(["long", "wide"]), default="long", show_default=True,
              help="CSV only. long: one number per row (matrix,row,col,row_label,col_label,value); wide: each "
                   "matrix as a table (its name and column labels, then one row per token or dimension), "
                   "tables separated by a blank line, for worksheets.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (atomically: an earlier file stays intact on failure) instead of stdout.")
@click.option("--real-model", "real_model", is_flag=True,
              help="Instead: the pretrained model's attention for real_model.sentence (JSON): model, layers, "
                   "heads, word pieces, character offsets, attention [layer][head][query][key], head scores.")
def export_cmd(config_path: Optional[Path], fmt: Optional[str], layout: str, output: Optional[Path], real_model: bool,
               figure: Optional[str], language: Optional[str] = None) -> None:
    """Print (or write with -o) every number of the attention computation: X, W_Q, W_K, W_V,
    Q, K, V, the scores, scaled scores, weights and Z, at full precision.

    Rows and columns are labelled by token; a repeated word is told apart by its occurrence
    (`the`, `the (2)`), in the CSV and in the JSON's "labels". With --language in a language
    that writes a decimal comma (es, fr, it, pt-BR, de) the CSV does too, with ";" between
    fields, as spreadsheets in that language read it; JSON numbers never change.
    """
    if figure is not None:
        _figure(config_path, fmt or "svg", output)
        return
    if fmt in ("svg", "png"):
        raise click.UsageError(f"--format {fmt} is for a figure: add --figure heatmap")
    fmt = fmt or "json"
    if layout == "wide" and fmt != "csv":
        raise click.UsageError("--layout wide is for --format csv")
    if real_model and fmt != "json":
        raise click.UsageError("--real-model exports JSON (leave out --format or use --format json)")
    if real_model:
        from attention_explainer.core.real_model.trace import compute_real_trace

        text = _trace_json(compute_real_trace(load(config_path).real_model_spec()).to_dict()) + "\n"
        _write(text, output)
        return
    cfg = load(config_path, language)
    trace = compute_trace(cfg.attention_spec())
    data = trace.to_dict()
    labels = distinct_labels(list(trace.tokens))
    if fmt == "json":
        text = _trace_json({**data, "labels": labels}) + "\n"
    elif layout == "wide":
        text = _csv_wide(data, labels, *_csv_style(cfg.video.language))
    else:
        text = _csv_long(data, labels, *_csv_style(cfg.video.language))
    _write(text, output)


def _figure(config_path: Optional[Path], fmt: str, output: Optional[Path]) -> None:
    """The heatmap as SVG or PNG (export --figure heatmap)."""
    from attention_explainer.production.figure import heatmap_figure

    if fmt not in ("svg", "png"):
        raise click.UsageError(f"--figure writes svg or png, not --format {fmt}")
    trace = compute_trace(load(config_path).attention_spec())
    path = heatmap_figure(trace.weights, distinct_labels(list(trace.tokens)), output or Path(f"attention-heatmap.{fmt}"), fmt)
    click.echo(f"wrote {path}")


def _write(text: str, output: Optional[Path]) -> None:
    """stdout, or the file (atomically)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from attention_explainer.production.atomic import AtomicFiles

    if output.is_dir():
        raise click.UsageError(f"{output}: is a directory; give a file name")
    with AtomicFiles() as files:
        files.write_text(output, text)
        files.commit()
    click.echo(f"wrote {output}")


def _axis(kind: str, labels: list[str], size: int) -> list[str]:
    if kind == "token":
        return labels
    prefix = "d" if kind == "model" else "k"
    return [f"{prefix}{i}" for i in range(1, size + 1)]


def _csv_style(language: str) -> tuple[str, str]:
    """(field separator, decimal symbol) of a CSV for spreadsheets in `language`."""
    from attention_explainer.narration.locale import decimal_symbol

    dec = decimal_symbol(language)
    return (";" if dec == "," else ","), dec


def _csv_long(data: dict[str, Any], labels: list[str], sep: str = ",", dec: str = ".") -> str:
    """One number per line; row_label/col_label name tokens (empty for a dimension)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=sep)
    writer.writerow(["matrix", "row", "col", "row_label", "col_label", "value"])
    for name in MATRICES:
        rows, cols = AXES[name]
        for i, row in enumerate(data[name]):
            for j, value in enumerate(row):
                writer.writerow([name, i, j, labels[i] if rows == "token" else "",
                                 labels[j] if cols == "token" else "", repr(value).replace(".", dec)])
    return buf.getvalue()


def _csv_wide(data: dict[str, Any], labels: list[str], sep: str = ",", dec: str = ".") -> str:
    """Each matrix as a table: a header (name, column labels), then its rows, each led by its label.

    Token rows and columns are labelled by token; dimensions d1..d_model and k1..d_k.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=sep)
    for n, name in enumerate(MATRICES):
        rows, cols = AXES[name]
        matrix = data[name]
        if n:
            writer.writerow([])
        writer.writerow([name, *_axis(cols, labels, len(matrix[0]) if matrix else 0)])
        for row_label, row in zip(_axis(rows, labels, len(matrix)), matrix):
            writer.writerow([row_label, *(repr(v).replace(".", dec) for v in row)])
    return buf.getvalue()


def _trace_json(data: dict[str, Any]) -> str:
    """JSON with one matrix row per line: diffable and readable, still standard JSON."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n".join("    " + json.dumps(row) for row in value)
            text = f"[\n{rows}\n  ]"
        elif isinstance(value, dict):  # head scores: one score table per line
            inner = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
            text = "{\n" + inner + "\n  }"
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"
