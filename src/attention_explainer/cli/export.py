"""`export`: every number of the attention computation, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Optional

import click

from attention_explainer.cli.app import cli
from attention_explainer.cli.options import load, config_option
from attention_explainer.core.attention import compute_trace

@cli.command("export")
@config_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def export_cmd(config_path: Optional[Path], fmt: str) -> None:
    """Print every number of the attention computation (the trace) on stdout."""
    trace = compute_trace(load(config_path))
    data = trace.to_dict()
    if fmt == "json":
        click.echo(_trace_json(data))
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["matrix", "row", "col", "row_label", "col_label", "value"])
    toks = list(trace.tokens)
    labels: dict[str, tuple[list[str] | None, list[str] | None]] = {
        "X": (toks, None), "Q": (toks, None), "K": (toks, None), "V": (toks, None),
        "scores": (toks, toks), "scaled": (toks, toks), "weights": (toks, toks), "Z": (toks, None),
        "W_Q": (None, None), "W_K": (None, None), "W_V": (None, None),
    }
    for name in ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z"):
        rows, cols = labels[name]
        for i, row in enumerate(data[name]):
            for j, value in enumerate(row):
                writer.writerow([name, i, j, rows[i] if rows else "", cols[j] if cols else "", repr(value)])
    click.echo(buf.getvalue(), nl=False)


def _trace_json(data: dict[str, Any]) -> str:
    """JSON with one matrix row per line: diffable and readable, still standard JSON."""
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n".join("    " + json.dumps(row) for row in value)
            text = f"[\n{rows}\n  ]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"
