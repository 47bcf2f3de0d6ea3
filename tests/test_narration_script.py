"""The narration script: templates filled from a real trace, variants by condition, overrides
checked at config load time (one line naming the line id), and a cache key per scene's lines."""

from __future__ import annotations

import ast
import itertools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from attention_explainer.config import Config, ConfigError
from attention_explainer.core.attention import compute_trace
from attention_explainer.narration.config_check import check_narration, load_checked_config
from attention_explainer.narration.script import (
    GLOBAL_CONDITIONS,
    MAX_LINE_CHARS,
    Context,
    holds as _holds,
    context_for,
    default_script,
    scene_of,
    script_for,
)
from attention_explainer.config.catalog import SCENES, scene_by_id
from attention_explainer.production.segment_cache import narration_key, scene_key

MINUS = "\u2212"


def context(config: dict[str, Any]) -> Context:
    cfg = Config.model_validate(config)
    return context_for(cfg, compute_trace(cfg.attention_spec()))


def say(line_id: str, config: dict[str, Any], **values: Any) -> str:
    return default_script().line(line_id, context(config), **values).text


# ------------------------------------------------------------------------------ the shipped script
def test_every_line_belongs_to_a_scene_and_every_scene_has_lines() -> None:
    script = default_script()
    scenes = {scene_of(i) for i in script.entries}
    assert "" not in scenes
    assert {s.id for s in SCENES} <= scenes


def test_every_variant_can_be_chosen() -> None:
    """No variant is shadowed by an earlier one: for each, some setting of its conditions picks it."""
    for entry in default_script().entries.values():
        names = sorted({t.strip().removeprefix("not ").strip()
                        for cond, _ in entry.variants for t in cond.split(" and ")})
        reached = set()
        for values in itertools.product([False, True], repeat=len(names)):
            flags = dict(zip(names, values))
            chosen = next((k for k, (cond, _) in enumerate(entry.variants) if _holds(cond, flags)), None)
            reached.add(chosen)
        assert reached == {None, *range(len(entry.variants))}, entry.id


# ------------------------------------------------------------------------ filled from a real trace
SENTENCE = "the cat saw the dog"


def test_fields_come_from_the_config_and_the_trace() -> None:
    cfg = {"sentence": SENTENCE, "model": {"d_model": 5, "d_k": 2, "seed": 4}}
    trace = compute_trace(Config.model_validate(cfg).attention_spec())
    root = f"{math.sqrt(2):.2f}"  # 1.41, formatted here, not by the script
    assert say("math-scale-dk", cfg) == f"Here d_k is 2, so we divide by about {root}."
    assert say("math-x-matrix", cfg) == ("Stacked as rows, they form the matrix X: 5 rows, one per token, "
                                         "by 5 columns, the model width d_model.")
    assert say("pipeline-tokens", cfg) == f"The sentence “{SENTENCE}” is split into 5 tokens."
    # a repeated token gets its position; a number its two decimals and a true minus sign
    qi, kj = 3, int(np.argmax(trace.weights[3]))
    weight = float(trace.weights[qi, kj])
    name = "“the” (token 4)"
    key = {0: "“the” (token 1)", 1: "“cat”", 2: "“saw”", 3: "“the” (token 4)", 4: "“dog”"}[kj]
    line = say("math-softmax-top", cfg, query=qi, target=kj, weight=weight, itself=kj == qi)
    assert line == f"So {name} pays the most attention to {'itself' if kj == qi else key}, with a weight of {weight:.2f}."
    total = float(np.exp(trace.scaled[qi]).sum())
    assert say("math-softmax-sum", cfg, total=total) == f"Add them all up. The sum is {total:.2f}."
    assert say("math-softmax-sum", cfg, total=-0.004) == "Add them all up. The sum is 0.00."
    assert say("math-softmax-sum", cfg, total=-1.5) == f"Add them all up. The sum is {MINUS}1.50."
    assert say("math-softmax-sum", cfg, total=123456.0) == "Add them all up. The sum is 1.23·10^5."


def test_counts_pluralise_and_take_an_article() -> None:
    assert say("math-embeddings", {"model": {"d_model": 1, "d_k": 1}}).endswith("a vector of 1 number, its embedding.")
    assert "an 8 by 8 matrix" in say("multi-head-w-o", {"model": {"d_model": 8, "d_k": 2, "heads": 2}})
    assert "a 4 by 4 matrix" in say("multi-head-w-o", {})
    assert "1 head attend" in say("multi-head-summary", {"model": {"heads": 1}})
    assert "4 heads attend" in say("multi-head-summary", {"model": {"d_model": 8, "heads": 4}})


def test_scene_fields_must_match_the_declaration() -> None:
    ctx = context({})
    with pytest.raises(TypeError, match="math-softmax-sum"):
        default_script().line("math-softmax-sum", ctx)
    with pytest.raises(TypeError, match="math-intro"):
        default_script().line("math-intro", ctx, total=1.0)


# ---------------------------------------------------------------------------- named conditions
@pytest.mark.parametrize("line_id, config, values, expected", [
    ("math-tokens", {"sentence": "Hello"}, {}, "here there is 1 token."),
    ("math-tokens", {}, {}, "here there are 3 tokens."),
    ("math-weights-a", {"model": {"causal": True}}, {}, "The masked cells get weight zero."),
    ("math-q-cell", {"model": {"d_k": 1}}, {"query": 0}, "the number of the query of “The”"),
    ("math-q-cell", {}, {"query": 0}, "the first number of the query of “The”"),
    ("math-scale-dk", {"model": {"d_k": 4}}, {}, "divide by exactly 2.00."),
    ("math-w-source", {"model": {"d_model": 1, "d_k": 1, "W_Q": [[1.0]], "W_K": [[1.0]], "W_V": [[1.0]]}}, {},
     "the ones written in your config file."),
    ("math-w-source", {"model": {"d_model": 1, "d_k": 1, "W_Q": [[1.0]]}}, {}, "the rest from a fixed random seed."),
    ("math-w-source", {}, {}, "so every number can be checked by hand."),
    ("math-softmax-exp", {}, {"shifted": True}, "minus the largest one"),
    ("heatmap-heatmap", {"sentence": " ".join(["word"] * 9)}, {}, "for this 9-token sentence"),
    ("heatmap-heatmap", {"sentence": "x" * 61}, {}, "for this 1-token sentence"),
    ("heatmap-heatmap", {}, {}, "for “The cat sat”, drawn"),
    ("heatmap-colour", {}, {"printed": True}, "every cell also prints its weight."),
    ("heatmap-colour", {}, {"printed": False}, "read them off the scale."),
    ("heatmap-row-sums", {"sentence": " ".join(["w"] * 20)}, {"cut": True}, "count all 20 keys"),
    ("pipeline-tokens", {"sentence": "long " * 13}, {}, "The sentence is split into 13 tokens."),
    ("pipeline-softmax", {"model": {"causal": True}}, {}, "Later tokens are masked"),
    ("why-attention-compare-all", {"sentence": "Hello", "model": {"causal": True}}, {}, "With one token"),
    ("why-attention-compare-all", {"model": {"causal": True}}, {}, "this video uses the causal mask"),
    ("why-attention-long-link", {}, {"query": 7, "target": 1, "dist": 6, "pronoun": True, "far": True},
     "What does “it” refer to? To know, a model has to link “it” with a word far back, like “animal”, 6 tokens earlier."),
    ("why-attention-long-link", {"video": {"intro_sentence": "Hi"}}, {"query": 0, "target": 0, "dist": 0,
                                                                      "pronoun": False, "far": False},
     "With a single token, “Hi”, nothing is far away yet"),
    ("multi-head-head-width", {"model": {"heads": 1}}, {}, "With one head, its matrices are the full width"),
    ("multi-head-head-width", {}, {}, "so both heads together"),
    ("multi-head-head-width", {"model": {"d_model": 8, "heads": 4}}, {}, "= 2 columns wide, so all 4 heads"),
    ("positional-encoding-config-switch", {"model": {"positional_encoding": True}}, {}, "The config switch"),
    ("scaling-saturate", {}, {"keys": 8, "width": 64, "top": 0.97, "almost_all": True, "most": True},
     "one key takes almost all of the weight, 0.97."),
    ("scaling-saturate", {}, {"keys": 8, "width": 64, "top": 0.6, "almost_all": False, "most": True},
     "one key takes most of the weight, 0.60."),
])
def test_each_condition_chooses_its_variant(line_id: str, config: dict[str, Any], values: dict[str, Any],
                                            expected: str) -> None:
    assert expected in say(line_id, config, **values)


def test_global_conditions_are_all_computed() -> None:
    assert set(context({}).flags) == set(GLOBAL_CONDITIONS)


# ------------------------------------------------------------------------------------ overrides
def write(tmp_path: Path, lines: Any, config: str = "") -> Path:
    (tmp_path / "lines.yaml").write_text(yaml.safe_dump(lines, allow_unicode=True) if not isinstance(lines, str)
                                         else lines, encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(f"video:\n  narration: lines.yaml\n{config}", encoding="utf-8")
    return path


def test_override_of_one_line_keeps_the_others(tmp_path: Path) -> None:
    cfg = load_checked_config(write(tmp_path, {"math-softmax-sum": "My sum: {total:.3}!"}))
    assert cfg.video.narration == {"math-softmax-sum": {"text": "My sum: {total:.3}!"}}
    script, ctx = script_for(cfg.video.narration), context_for(cfg, compute_trace(cfg.attention_spec()))
    assert script.line("math-softmax-sum", ctx, total=2.5).text == "My sum: 2.500!"
    default = default_script()
    for line_id in default.entries:
        if line_id != "math-softmax-sum":
            assert script.entries[line_id] == default.entries[line_id]


def test_a_richer_override_gives_spoken_form_and_variants(tmp_path: Path) -> None:
    cfg = load_checked_config(write(tmp_path, {"pipeline-softmax": {
        "text": "QKᵀ/√d_k, then softmax.", "spoken": "Q K transposed over root d-k, then softmax.",
        "variants": {"causal": {"text": "Masked: QKᵀ/√d_k.", "spoken": "Masked first."}}}},
        config="model:\n  causal: true\n"))
    line = script_for(cfg.video.narration).line("pipeline-softmax", context_for(cfg, compute_trace(cfg.attention_spec())))
    assert (line.text, line.spoken, line.voice) == ("Masked: QKᵀ/√d_k.", "Masked first.", "Masked first.")


@pytest.mark.parametrize("lines, message", [
    ({"math-softmax-summ": "x"}, "unknown narration line 'math-softmax-summ'; did you mean 'math-softmax-sum'?"),
    ({"math-softmax-sum": "The sum is {totl}."}, "'math-softmax-sum': unknown placeholder {totl}; did you mean 'total'?"),
    ({"math-intro": "Sum {total}."}, "'math-intro': unknown placeholder {total}"),
    ({"math-intro": "{0} and {n.real}"}, "'math-intro': unknown placeholder {0}"),
    ({"math-intro": "{n!r}"}, "'math-intro': {n} does not take '!r'"),
    ({"math-intro": "{sentence:>999999999}"}, "'math-intro': {sentence} does not take"),
    ({"math-intro": "an open { brace"}, "'math-intro': "),
    ({"math-intro": "   "}, "narration line 'math-intro' is empty"),
    ({"math-intro": ""}, "narration line 'math-intro' is empty"),
    ({"math-intro": None}, "narration line 'math-intro': must be text, got NoneType"),
    ({"math-intro": "red \x1b[31m text"}, "'math-intro' contains the character U+001B at position 5"),
    ({"math-intro": "x" * (MAX_LINE_CHARS + 1)}, f"'math-intro' is {MAX_LINE_CHARS + 1} characters; the limit is 300"),
    ({"math-tokens": {"text": "x", "variants": {"one_tokn": "y"}}}, "unknown condition 'one_tokn'; did you mean 'one_token'?"),
    ({"math-tokens": {"txt": "x"}}, "'math-tokens': unknown key 'txt'; did you mean 'text'?"),
    (["math-intro"], "must be a mapping of line id: line"),
])
def test_bad_overrides_are_one_line_at_load_time(tmp_path: Path, lines: Any, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_checked_config(write(tmp_path, lines))
    text = str(e.value)
    assert message in text
    assert "\n" not in text and "lines.yaml" in text


def test_a_missing_script_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("video:\n  narration: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"video.narration: .*nowhere.yaml: no such file"):
        load_checked_config(path)


def test_inline_overrides_are_checked_too() -> None:
    with pytest.raises(ConfigError) as e:
        check_narration(Config.model_validate({"video": {"narration": {"math-intrp": "x"}}}), "my.yaml")
    assert str(e.value) == ("my.yaml: video.narration: unknown narration line 'math-intrp'; "
                            "did you mean 'math-intro'?")


# ----------------------------------------------------------------------------------- cache keys
def test_overriding_a_line_changes_the_cache_key_of_its_scene_alone(tmp_path: Path) -> None:
    def keys(config: Config) -> dict[str, str]:
        data = config.model_dump(mode="json")
        return {s: scene_key(scene_by_id(s), narration_key(s, data, None), "l", False, None) for s in ("math", "heatmap", "outro")}

    plain = keys(load_checked_config(write(tmp_path, {})))
    edited = keys(load_checked_config(write(tmp_path, {"heatmap-summary": "Read it row by row."})))
    same_text = keys(load_checked_config(write(tmp_path, {"heatmap-summary": default_script().entries["heatmap-summary"].data()})))
    assert edited["heatmap"] != plain["heatmap"]
    assert {s: edited[s] for s in ("math", "outro")} == {s: plain[s] for s in ("math", "outro")}
    assert same_text == plain  # the lines count, not the file that holds them


# ------------------------------------------------------------------ scenes read from the script
SHARED_SCENE_MODULES = {"base", "narrated", "layout", "steps", "checking", "measure", "encoding"}


def scene_trees(scene_id: str) -> list[tuple[Path, ast.Module]]:
    """The scene's file and the scene's own helper modules that it imports (attention_math.py ->
    math_weights.py), parsed."""
    path = scene_by_id(scene_id).path
    trees = [(path, ast.parse(path.read_text(encoding="utf-8")))]
    for node in ast.walk(trees[0][1]):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("attention_explainer.scenes."):
            name = node.module.split(".")[2]
            helper = path.parent / f"{name}.py"
            if name not in SHARED_SCENE_MODULES and name != "components" and helper.is_file():
                trees.append((helper, ast.parse(helper.read_text(encoding="utf-8"))))
    return trees


def beat_calls(scene_id: str) -> list[ast.Call]:
    """The scene's beat calls: `self.beat(...)` in its file, and `scene.beat(...)` in its helper modules."""
    return [n for _, tree in scene_trees(scene_id) for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr == "beat" and isinstance(n.func.value, ast.Name)
            and n.func.value.id in ("self", "scene")]


def said_pattern(call: ast.Call) -> str:
    """The line id a beat call says, as a regex (f-string keys such as f"w-{part}-role" match any part)."""
    kw = {k.arg: k.value for k in call.keywords}
    node = kw.get("line", kw["key"])
    if isinstance(node, ast.Constant):
        return re.escape(node.value)
    assert isinstance(node, ast.JoinedStr), ast.dump(node)
    return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9]+" for v in node.values)


@pytest.mark.parametrize("scene_id", [s.id for s in SCENES])
def test_scenes_say_script_lines_only(scene_id: str) -> None:
    """No literal text in a scene's beats, and every line of the scene's part is said by it."""
    calls = beat_calls(scene_id)
    literal = [c.lineno for c in calls if any(isinstance(a, (ast.Constant, ast.JoinedStr)) for a in c.args)
               or any(k.arg == "text" for k in c.keywords)]
    assert not literal, f"{scene_id}: beats with literal text on lines {literal}"
    if any(isinstance({k.arg: k.value for k in c.keywords}["key"], ast.Name) for c in calls):
        return  # the scene says its lines through a helper of its own (real-model: say())
    patterns = [re.compile(f"{re.escape(scene_id)}-{said_pattern(c)}") for c in calls]
    ids = default_script().ids(scene_id)
    assert [i for i in ids if not any(p.fullmatch(i) for p in patterns)] == []
    assert [p.pattern for p in patterns if not any(p.fullmatch(i) for i in ids)] == []


@pytest.mark.parametrize("value, message", [
    ("5", "video.narration: must name a YAML file of narration lines, got int"),
    ('""', "video.narration: must name a YAML file of narration lines (or be left out)"),
])
def test_the_narration_field_takes_a_file_name(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"video:\n  narration: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_checked_config(path)
    assert [str(line) for line in getattr(e.value, "lines", None) or [str(e.value)]] == [f"{path}: {message}"]
