"""Cue words in every language: `line.wait_until("sum")` lands on the word that says "sum" in the
video's language. Every cue a scene waits for is said in its beat's line in every shipped script,
and a build in Spanish and in Chinese waits until that word's time."""

from __future__ import annotations

import ast
import itertools
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest
from manim import FadeIn, Square

from attention_explainer.config import Config
from attention_explainer.config.catalog import SCENES
from attention_explainer.config.languages import LANGUAGES
from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.beats import reading_time
from attention_explainer.narration.cues import cue_unit, find_cue
from attention_explainer.narration.script import Context, context_for, default_script
from attention_explainer.narration.units import units
from attention_explainer.narration.words import cue_word, read_words, words_file
from attention_explainer.scenes.base import ExplainerScene
from scenetools import build_scene
from test_narration_script import scene_trees

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"count": 3, "number": 0.25, "text": "x", "token": 1, "intro_token": 1}  # a line's own fields


# ---------------------------------------------------------------------------------- matching
def test_a_cue_is_a_word_start_or_words_in_a_row() -> None:
    parts = units("Los sumamos todos. La suma es 0,5.")
    assert find_cue(parts, "suma") == 1  # a word start: "sumamos" comes first...
    assert find_cue(parts, "suma es") == 4  # ...so the Spanish file says which "suma"
    assert find_cue(parts, "SUMA", start=2) == 4  # case-insensitive, from the cursor on
    assert find_cue(units("Dos sumas distintas."), "suma") == 1  # an inflection
    assert find_cue(parts, "resta") is None
    assert find_cue(parts, "todos la") == 2  # punctuation at a word's edge does not count


def test_in_chinese_and_japanese_a_cue_lands_on_the_unit_where_it_starts() -> None:
    parts = units("把它们全部加起来。和是 0.5。")
    assert parts[find_cue(parts, "和是") or 0] == "和"
    assert find_cue(parts, "和", start=parts.index("和") + 1) is None
    mixed = units("softmax 把分数变成权重。")
    assert find_cue(mixed, "max") == 0  # inside a Latin run: the run's unit
    assert mixed[find_cue(mixed, "权重") or 0] == "权"
    spaced = units("ここでは d_k は 8 なので")
    assert find_cue(spaced, "d_k は") == find_cue(spaced, "D_Kは") == 4  # spaces and case do not count


def test_a_cue_is_looked_up_in_the_language_of_the_line() -> None:
    assert cue_word("sum", "en") == "sum"
    assert cue_word("Columns", "es") == cue_word("columns", "es") == "columnas"
    assert cue_word("a cue no file lists", "de") == "a cue no file lists"


@pytest.mark.parametrize("cues, message", [
    ("cues:\n  sum: ''\n", "x.yaml: cues: sum: must be the word of the line that says it, got ''"),
    ("cues:\n  sum: 3\n", "x.yaml: cues: sum: must be the word of the line that says it, got 3"),
    ("cues: [sum]\n", "x.yaml: cues: must be a mapping of English: translation"),
])
def test_a_bad_cue_is_one_line_naming_the_file_and_the_key(tmp_path: Path, cues: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("labels:\n  weight: peso\n" + cues, encoding="utf-8")
    with pytest.raises(ValueError) as e:
        read_words(path)
    assert str(e.value) == message


# ------------------------------------------------------------------- every cue, every language
@lru_cache(maxsize=None)
def scene_cues() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(line id, cues in the order its beat waits for them) of every beat that waits for a cue,
    read from the scenes' source: `with self.beat(key=...) as line: ... line.wait_until("...")`."""
    out: dict[str, tuple[str, ...]] = {}
    for info in SCENES:
        for _, tree in scene_trees(info.id):
            for node in ast.walk(tree):
                beat = _beat_call(node)
                if beat is None:
                    continue
                calls = sorted((c for stmt in node.body for c in ast.walk(stmt) if _is_wait_until(c)),
                               key=lambda c: (c.lineno, c.col_offset))
                if not calls:
                    continue
                kw = {k.arg: k.value for k in beat.keywords}
                said = kw.get("line", kw["key"])
                assert isinstance(said, ast.Constant), f"{info.id}: a beat waiting for a cue needs a literal key"
                assert all(isinstance(c.args[0], ast.Constant) for c in calls), f"{info.id}: a cue must be literal"
                out[f"{info.id}-{said.value}"] = tuple(c.args[0].value for c in calls)
    return tuple(out.items())


def _beat_call(node: ast.AST) -> ast.Call | None:
    if not isinstance(node, ast.With):
        return None
    call = node.items[0].context_expr
    is_beat = isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "beat"
    return call if is_beat else None  # type: ignore[return-value]


def _is_wait_until(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "wait_until"


def test_every_wait_until_in_the_scenes_is_inside_a_beat_of_the_script() -> None:
    everywhere = sum(_is_wait_until(n) for path in (ROOT / "scenes").rglob("*.py")
                     for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    found = scene_cues()
    assert everywhere == sum(len(cues) for _, cues in found) > 0
    assert all(line_id in default_script().entries for line_id, _ in found)


def _context(code: str) -> Context:
    cfg = Config().model_copy(update={"video": Config().video.model_copy(update={"language": code})})
    return context_for(cfg, compute_trace(cfg.attention_spec()))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_cue_is_said_in_its_beat_in_every_language(code: str) -> None:
    """For the default config, each of the line's own flags either way (the variants a scene may
    pick). The sentence's tokens are filled in, and then digits in their place: the cue must be
    the language's own wording, not a token that happens to start with it."""
    ctx = _context(code)
    contexts = (ctx, replace(ctx, tokens=tuple(str(i) for i in range(len(ctx.tokens)))))
    script = default_script(code)
    for line_id, cues in scene_cues():
        fields = script.entries[line_id].fields
        flags = [k for k, kind in fields.items() if kind == "flag"]
        for switched, context in itertools.product(itertools.product((False, True), repeat=len(flags)), contexts):
            values = {k: SAMPLES.get(kind) for k, kind in fields.items()} | dict(zip(flags, switched))
            text = script.line(line_id, context, **values).text
            parts, at = units(text), 0
            for cue in cues:
                found = cue_unit(parts, cue, code, at)
                assert found is not None, f"{code}: {line_id}: cue '{cue}' ('{cue_word(cue, code)}') not in “{text}”"
                at = found + 1


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_language_lists_exactly_the_cues_the_scenes_use(code: str) -> None:
    used = {cue.casefold() for _, cues in scene_cues() for cue in cues}
    assert set(words_file(code)["cues"]) == used


# -------------------------------------------------------------------- a build waits for the word
class SumCue(ExplainerScene):
    """The math scene's "softmax-sum" beat alone: it waits for the cue, then plays."""

    scene_id = "math"

    def construct(self) -> None:
        with self.beat(key="softmax-sum", total=0.5) as line:
            self.left_at_start = line.time_left
            line.wait_until("sum")
            self.cue_at, self.left_at_cue = float(self.renderer.time), line.time_left
            self.play(FadeIn(Square()), run_time=0.2)
        self.line = line


@pytest.mark.parametrize("code, word", [("es", "suma"), ("zh", "和")])
def test_the_wait_ends_when_the_cue_word_is_said(tmp_path: Path, code: str, word: str) -> None:
    scene = build_scene(SumCue, tmp_path, {"video": {"language": code}, "display": {"captions": False}})
    line = scene.line
    assert line.text == default_script(code).line("math-softmax-sum", _context(code), total=0.5).text
    # the word's place counted here: "Los sumamos todos. La suma es 0,5." -> 4, not "sumamos" (1)
    index = [p.strip(".。") for p in units(line.text)].index(word)
    assert index > 1
    said_at = line.start + line.times[index][0]
    assert scene.cue_at == pytest.approx(said_at, abs=1 / 15 + 1e-6)  # to the frame (-q l: 15 fps)
    assert line.times[index][0] > line.times[1][0] + 0.2  # a wait at the wrong word would show
    assert line.time_left == 0.0 and scene.left_at_start == pytest.approx(reading_time(line.text))
    assert scene.left_at_cue == pytest.approx(reading_time(line.text) - (scene.cue_at - line.start))
