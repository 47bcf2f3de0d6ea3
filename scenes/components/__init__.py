"""Shared building blocks of every scene, one family per module:

    theme     Theme, DARK, LIGHT, THEMES, fonts, tex_template
    text      fmt and number text, label/title/fit/slim, plural/short/showing, wrapping, Caption
    tokens    TokenRow
    matrix    MatrixView (entries by index: entry, row_entries, get_rows, get_columns)
    heat      heat_color, ink_on, Heatmap (with masked cells), ColorScale, hatch
    formula   Formula (softmax(QKᵀ/√d_k)V with parts that light up)
    diagram   Node, Edge, Link (typed edges), matrix_node, arrow_line
    charts    Bars, VariancePlot, PEGrid, DivergingScale
    worked    PieceLine, MonoNumbers, NumberMatrix, WorkedCell (Q cell, score), WeightedRows (Z row),
              SoftmaxRow (one softmax row worked out)
    trace_views  TraceViews (the trace's matrices, each built once and copied)

Components know their data (a MatrixView keeps the numbers it shows) and never compute
attention: they only draw what the trace holds. Each module's docstring has a small example that
ends by naming what it draws `picture`; tests/test_components.py renders each one and compares its
frame with a control image. Import from here: `from attention_explainer.scenes.components
import MatrixView`.
"""

from attention_explainer.scenes.components.charts import Bars, DivergingScale, PEGrid, VariancePlot, to_unit
from attention_explainer.scenes.components.diagram import DIM, Edge, Link, Node, arrow_line, matrix_node, mix
from attention_explainer.scenes.components.formula import Formula, math_words, maths
from attention_explainer.scenes.components.heat import ColorScale, Heatmap, hatch, heat_color, ink_on, masked_swatch
from attention_explainer.scenes.components.matrix import Index, MatrixView
from attention_explainer.scenes.components.text import (
    MINUS,
    NEG_INF,
    Caption,
    article,
    chars_per_line,
    count_shown,
    fit,
    fmt,
    fmt_big,
    halves,
    label,
    ltr_paragraph,
    narration_chunks,
    note,
    paren,
    parse_shown,
    plural,
    quoted,
    relation,
    short,
    showing,
    slim,
    subscript,
    tex_number,
    text_block,
    text_line,
    title,
    ui,
    visible,
    wrap_lines,
    wrap_words,
)
from attention_explainer.scenes.components.theme import DARK, FONT, LIGHT, MONO, THEMES, VIRIDIS, Theme, tex_template
from attention_explainer.scenes.components.tokens import TokenRow
from attention_explainer.scenes.components.trace_views import TraceViews
from attention_explainer.scenes.components.worked import (
    NUMBERS,
    MonoNumbers,
    NumberMatrix,
    PieceLine,
    SoftmaxRow,
    WeightedRows,
    WorkedCell,
    split_pieces,
)
from attention_explainer.scenes.layout import CAPTION_Y, CONTENT_BOTTOM, CONTENT_TOP

__all__ = [
    "Bars", "CAPTION_Y", "CONTENT_BOTTOM", "CONTENT_TOP", "Caption", "ColorScale", "DARK", "DIM", "DivergingScale",
    "Edge", "FONT", "Formula", "Heatmap", "Index", "LIGHT", "Link", "MINUS", "MONO", "MatrixView",
    "MonoNumbers", "NEG_INF", "NUMBERS", "Node", "NumberMatrix", "PEGrid", "PieceLine", "SoftmaxRow", "THEMES", "Theme",
    "TokenRow", "TraceViews", "VIRIDIS", "VariancePlot", "WeightedRows", "WorkedCell", "arrow_line", "article", "chars_per_line", "count_shown",
    "fit", "fmt", "fmt_big", "halves", "hatch", "heat_color", "ink_on", "label", "ltr_paragraph", "masked_swatch",
    "math_words", "maths", "matrix_node", "mix", "narration_chunks", "note", "paren", "parse_shown", "plural", "quoted", "relation",
    "short", "showing", "slim", "split_pieces", "subscript", "tex_number", "tex_template", "text_block",
    "text_line", "title", "to_unit", "ui", "visible", "wrap_lines", "wrap_words",
]
