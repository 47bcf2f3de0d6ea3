"""User text on screen: shown exactly as typed, never read as Pango markup, never given to LaTeX.

- label() with Manim's real Text: markup and LaTeX specials come out literally (one glyph per
  visible character), right-to-left words are not blank, every script has glyphs (not boxes).
- A static scan of scenes/*.py: no MathTex/Tex (or a Tex-based mobject) gets a value that comes
  from the tokens, the sentence, the intro sentence or the closing line. Fast, runs always.
- The real scenes built with a hostile config (marked slow): every Tex string any scene makes is
  recorded, and none holds the user's text; `\\write18{touch ...}` creates nothing.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import pytest

import attention_explainer.scenes

SCENES_DIR = Path(attention_explainer.scenes.__file__).parent  # the scenes and their components


# --------------------------------------------------------------------------- label(): real Text


@pytest.fixture(scope="module")
def text_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    from manim import tempconfig

    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("text-media")), "verbosity": "ERROR"}):
        yield


def visible(text: str) -> int:
    """Glyphs Manim makes for plain Latin text: one per non-space character."""
    return sum(not ch.isspace() for ch in text)


@pytest.mark.parametrize(
    "text",
    ["<b>x</b>", "&amp;", "&lt;i&gt;", "<span foreground='red'>r</span>", "<markup", "a & b",
     r"\input{/etc/hostname}", r"\write18{touch /tmp/x}", r"& % $ # _ { } ~ ^ \\", "\"q\" 'q'", "x" * 60],
)
def test_label_shows_markup_and_latex_literally(text_media: None, text: str) -> None:
    from attention_explainer.scenes.components import DARK, label

    t = label(text, DARK)
    assert t.original_text == text
    # Interpreted markup would drop the tags (<b>x</b> -> 1 glyph) or fail; LaTeX would not be Text.
    assert len(t.submobjects) == visible(text)


@pytest.mark.parametrize(
    "word",
    ["م", "مرحبا", "بالعالم", "שלום", "ﷺ", "١٢٣", "«مرحبا»", "\u202eevil", "(שלום)"],
)
def test_right_to_left_words_are_not_blank(text_media: None, word: str) -> None:
    # Manim's Pango canvas pushed a right-to-left paragraph past its edge: short words came out empty.
    from attention_explainer.scenes.components import DARK, label, ltr_paragraph

    t = label(word, DARK)
    assert t.original_text == word
    assert len(t.submobjects) >= 1 and t.width > 0.1
    assert ltr_paragraph(word) != word and ltr_paragraph("plain") == "plain"


def test_multi_line_right_to_left_text(text_media: None) -> None:
    from attention_explainer.scenes.components import DARK, label

    t = label("مرحبا\nשלום עולם", DARK)
    assert len(t.submobjects) == 5 + 8 and t.height > label("مرحبا", DARK).height * 1.5


def outline(mob) -> np.ndarray:  # noqa: ANN001 - a VMobject
    """The glyph's points, moved to the origin and scaled to unit height (comparable shapes)."""
    pts = np.asarray(mob.points)[:, :2]
    pts = pts - pts.min(axis=0)
    return pts / max(pts[:, 1].max(), 1e-9)


SCRIPT_SAMPLES = {"Chinese": "日", "Japanese": "テ", "Korean": "한", "Arabic": "م", "Hebrew": "ש",
                  "Devanagari": "ह", "Thai": "ไ", "Greek": "λ", "Cyrillic": "ж", "emoji": "🐈"}


@pytest.mark.system
@pytest.mark.parametrize("script", list(SCRIPT_SAMPLES))
def test_every_script_has_glyphs_not_boxes(text_media: None, script: str) -> None:
    # Needs the fonts scripts/bootstrap.sh installs (fonts-noto-core, fonts-wqy-microhei, fonts-symbola).
    from attention_explainer.scenes.components import DARK, label

    box = label("\U000f0000", DARK)[0]  # a private-use character no font has: the "missing" box
    glyph = label(SCRIPT_SAMPLES[script], DARK)
    assert len(glyph.submobjects) >= 1
    a, b = outline(glyph[0]), outline(box)
    assert a.shape != b.shape or not np.allclose(a, b, atol=0.02), f"{script} is drawn as a box"


# ------------------------------------------------------------ static scan: no user text in Tex

TEX_CALLS = {"MathTex", "Tex", "SingleStringMathTex", "MarkupText", "Title", "BulletedList", "MathTable",
             "Matrix", "IntegerMatrix", "DecimalMatrix", "Variable", "TexTemplate"}
SOURCES = {"tokens", "sentence", "intro_sentence", "closing_line", "intro_tokens", "original_text"}
TOKENISH = {"tokens", "toks", "tok", "token", "words", "word", "sentence", "kt", "qt"}
NOT_TEXT = {"len", "range", "fmt", "int", "float", "round", "bool", "abs", "min", "max", "sum", "isinstance",
            "visible", "np", "enumerate"}  # calls whose result is a number (or handled apart)


class Taint:
    """A small, conservative taint analysis over one module: which expressions carry user text."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.funcs: dict[str, list[ast.FunctionDef]] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.funcs.setdefault(node.name, []).append(node)
        self.attrs: set[str] = set()  # self.<attr> assigned from user text
        self.params: dict[ast.AST, set[str]] = {
            f: {a.arg for a in f.args.args + f.args.kwonlyargs if a.arg in TOKENISH}
            for fs in self.funcs.values() for f in fs}
        self.names: dict[ast.AST, set[str]] = {}
        self._solve()

    def tainted(self, expr: Optional[ast.AST], names: set[str]) -> bool:
        if expr is None:
            return False
        if isinstance(expr, ast.Name):
            return expr.id in names
        if isinstance(expr, ast.Attribute):
            on_self = isinstance(expr.value, ast.Name) and expr.value.id == "self"
            return (expr.attr in SOURCES or on_self and expr.attr in self.attrs
                    or self.tainted(expr.value, names) and expr.attr not in {"shape", "n"})
        if isinstance(expr, (ast.Compare, ast.Constant, ast.Lambda)):
            return False
        if isinstance(expr, ast.Call):
            fn = expr.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if name in NOT_TEXT:
                return False
            if name == "tokenize":
                return True
            parts = [*expr.args, *(k.value for k in expr.keywords)]
            if isinstance(fn, ast.Attribute):
                parts.append(fn.value)  # s.upper(), toks.index(...)
            return any(self.tainted(p, names) for p in parts)
        return any(self.tainted(c, names) for c in ast.iter_child_nodes(expr))

    def _targets(self, target: ast.AST, value: ast.AST, names: set[str]) -> set[str]:
        """Names bound by `target = value` (or `for target in value`) that carry user text."""
        if isinstance(target, ast.Name):
            return {target.id} if self.tainted(value, names) else set()
        if isinstance(target, ast.Attribute) and self.tainted(value, names):
            if isinstance(target.value, ast.Name) and target.value.id == "self":
                self.attrs.add(target.attr)  # read back as self.<attr> anywhere in the module
            return set()
        if isinstance(target, (ast.Tuple, ast.List)):
            call = value if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else None
            if call is not None and call.func.id == "enumerate" and len(target.elts) == 2:
                return self._targets(target.elts[1], call.args[0], names)
            if call is not None and call.func.id == "zip" and len(call.args) == len(target.elts):
                return set().union(*(self._targets(t, a, names) for t, a in zip(target.elts, call.args)))
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                return set().union(*(self._targets(t, v, names) for t, v in zip(target.elts, value.elts)))
            return set().union(*(self._targets(t, value, names) for t in target.elts))
        return set()

    @staticmethod
    def walk(scope: ast.AST) -> Iterator[ast.AST]:
        """The nodes of a scope: a function with any closures in it; the module without functions."""
        if not isinstance(scope, ast.Module):
            yield from ast.walk(scope)
            return
        todo = list(ast.iter_child_nodes(scope))
        while todo:
            node = todo.pop()
            yield node
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                todo.extend(ast.iter_child_nodes(node))

    def _bindings(self, scope: ast.AST, names: set[str]) -> set[str]:
        found = set(names)
        for node in self.walk(scope):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    found |= self._targets(t, node.value, found)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value is not None:
                found |= self._targets(node.target, node.value, found)
            elif isinstance(node, (ast.For, ast.comprehension)):
                it = node.iter
                found |= self._targets(node.target, it, found)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                found |= self._targets(node.optional_vars, node.context_expr, found)
        return found

    def _solve(self) -> None:
        for _ in range(20):  # to a fixpoint
            before = (sum(map(len, self.params.values())), len(self.attrs), sum(map(len, self.names.values())))
            for scope in [self.tree, *self.params]:
                names = self._bindings(scope, self.params.get(scope, set()) | self.names.get(scope, set()))
                for _ in range(5):
                    more = self._bindings(scope, names)
                    if more == names:
                        break
                    names = more
                self.names[scope] = names
                for call in (n for n in self.walk(scope) if isinstance(n, ast.Call)):
                    fn = call.func
                    name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                    for f in self.funcs.get(name, []):
                        params = [a.arg for a in f.args.args]
                        if params[:1] in (["self"], ["cls"]) and isinstance(fn, ast.Attribute):
                            params = params[1:]
                        for i, arg in enumerate(call.args):
                            if i < len(params) and self.tainted(arg, names):
                                self.params[f].add(params[i])
                        for kw in call.keywords:
                            if kw.arg and self.tainted(kw.value, names):
                                self.params[f].add(kw.arg)
            after = (sum(map(len, self.params.values())), len(self.attrs), sum(map(len, self.names.values())))
            if after == before:
                return

    def offenders(self) -> list[str]:
        out = []
        for scope, names in self.names.items():
            for call in (n for n in self.walk(scope) if isinstance(n, ast.Call)):
                fn = call.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name in TEX_CALLS and any(self.tainted(a, names) for a in [*call.args, *(k.value for k in call.keywords)]):
                    out.append(f"line {call.lineno}: {ast.unparse(call)[:100]}")
        return sorted(set(out))


def offenders(source: str) -> list[str]:
    return Taint(ast.parse(source)).offenders()


@pytest.mark.parametrize(
    "source",
    [
        "def f(self):\n    MathTex(self.trace.tokens[0])",
        "def f(self):\n    tok = self.trace.tokens[2]\n    x = rf'\\text{{{tok}}}'\n    MathTex(x)",
        "def f(self):\n    for i, w in enumerate(tokenize(self.cfg.video.intro_sentence)):\n        Tex(w.upper())",
        "def g(name):\n    return MathTex(name)\n\ndef f(self):\n    g(self.cfg.video.closing_line)",
        "class S:\n    def setup(self):\n        self.words = self.trace.tokens\n    def draw(self):\n        Title(' '.join(self.words))",
        "def f(self):\n    labels = [t for t in self.trace.tokens]\n    MathTable([labels])",
    ],
)
def test_the_scan_finds_user_text_in_tex(source: str) -> None:
    assert offenders(source), source


@pytest.mark.parametrize(
    "source",
    [
        "def f(self):\n    t = self.trace\n    MathTex(rf'\\sqrt{{{t.d_k}}}')\n    label(t.tokens[0], th)",
        "def f(self):\n    for i, tok in enumerate(self.trace.tokens):\n        MathTex(f'x_{{{i}}}')",
        "def f(self):\n    n = len(self.trace.tokens)\n    MathTex(f'n = {n}')",
        "def f(self):\n    MathTex(fmt(self.trace.weights[0, 0], 2))",
    ],
)
def test_the_scan_lets_numbers_and_fixed_maths_through(source: str) -> None:
    assert offenders(source) == [], source


@pytest.mark.parametrize("path", sorted(SCENES_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(SCENES_DIR)))
def test_no_scene_gives_user_text_to_latex(path: Path) -> None:
    assert offenders(path.read_text(encoding="utf-8")) == []


# ------------------------------------------------------- the real scenes with a hostile config

HOSTILE = {
    "sentence": r"xyzzy \write18{touch /tmp/hostile-x} <b>q</b> مرحبا",
    "model": {"causal": True},
    "video": {"intro_sentence": r"The \input{/etc/hostname} xyzzy <b>b</b> didn't cross because it was tired",
              "closing_line": r"Bye \write18{touch /tmp/hostile-x} &amp; <i>xyzzy</i> $x$ 100%"},
}
USER_PIECES = ["xyzzy", "write18", "input", "hostname", "<b>", "&amp;", "مرحبا", "hostile-x"]


def fake_text_init(record: list[str]):  # noqa: ANN201
    """A stand-in for Text.__init__: a small box per visible character (no Pango, no SVG parsing),
    keeping what Text would keep (original_text, text, chars); it records every string."""
    from manim import VGroup, VMobject

    def init(self, text: str, fill_opacity: float = 1.0, stroke_width: float = 0, color=None,  # noqa: ANN001
             font_size: float = 48, font: str = "", **kwargs) -> None:
        record.append(text)
        self.original_text, self.font, self._font_size = text, font, float(font_size)
        self.t2c, self.t2f, self.t2g, self.t2s, self.t2w = {}, {}, {}, {}, {}
        self.line_spacing, self.slant, self.weight, self.gradient, self.tab_width = font_size * 1.3, "NORMAL", "NORMAL", None, 4
        self.disable_ligatures = False
        VMobject.__init__(self, color=color, fill_opacity=fill_opacity, stroke_width=stroke_width)
        w, h = 0.3 * font_size / 48, 0.4 * font_size / 48
        for r, line in enumerate(text.replace("\t", "    ").split("\n")):
            for c, ch in enumerate(line):
                if not ch.isspace():
                    g = VMobject(fill_opacity=fill_opacity, stroke_width=stroke_width)
                    x, y = c * w, -r * h * 1.3
                    g.set_points_as_corners([[x, y, 0], [x + 0.9 * w, y, 0], [x + 0.9 * w, y + h, 0], [x, y + h, 0],
                                             [x, y, 0]])
                    self.add(g)
        if not self.submobjects:
            self.set_points_as_corners([[0, 0, 0], [0.01, 0, 0]])
        if color is not None:
            self.set_color(color)
        self.center()
        self.text = text.replace("\t", "    ").replace(" ", "").replace("\n", "")
        self.chars = VGroup(*self.submobjects)
        self.initial_height = self.height

    return init


@pytest.fixture
def stand_in_glyphs() -> Iterator[None]:
    """For a test that replaces Text: the components' glyph caches start and end empty (else the
    stand-in's boxes would be drawn as digits by every later test of this worker)."""
    from scenetools import clear_glyph_caches

    clear_glyph_caches()
    yield
    clear_glyph_caches()


@pytest.mark.slow
@pytest.mark.system
def test_real_scenes_never_give_user_text_to_latex(tmp_path_factory: pytest.TempPathFactory,
                                                   monkeypatch: pytest.MonkeyPatch, stand_in_glyphs: None) -> None:
    from manim import SingleStringMathTex, Text
    from scenetools import build_scene

    from attention_explainer.config.catalog import SCENES

    marker = Path("/tmp/hostile-x")
    marker.unlink(missing_ok=True)
    texts: list[str] = []
    tex: list[str] = []
    original = SingleStringMathTex.__init__

    def recording_tex(self, tex_string: str, *args, **kwargs) -> None:  # noqa: ANN001
        tex.append(tex_string)
        original(self, tex_string, *args, **kwargs)

    monkeypatch.setattr(Text, "__init__", fake_text_init(texts))
    monkeypatch.setattr(SingleStringMathTex, "__init__", recording_tex)
    work = tmp_path_factory.mktemp("hostile-scenes")
    built = []
    for info in SCENES:
        if not info.path.is_file():
            continue  # a segment another helper has not written yet
        module = importlib.import_module(f"attention_explainer.scenes.{info.module}")
        build_scene(getattr(module, info.cls), work, HOSTILE)
        built.append(info.id)
    assert {"why-attention", "math", "heatmap", "outro"} <= set(built)
    assert tex, "no formula was built: the recording did not work"
    for piece in USER_PIECES:
        assert not [s for s in tex if piece in s], f"user text {piece!r} reached LaTeX"
    # ...and the user's text did reach the screen, through Text, exactly as typed.
    from attention_explainer.core.tokens import tokenize

    shown = set(texts)
    for token in tokenize(HOSTILE["sentence"]) + tokenize(HOSTILE["video"]["intro_sentence"]):
        assert token in shown or any(token in s for s in shown), token
    assert any(HOSTILE["video"]["closing_line"] in s or "write18" in s for s in shown)
    assert not marker.exists()
