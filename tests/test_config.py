"""Config loading and validation: every error is one line naming the file, the key and the fix."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from attention_explainer.config.catalog import DEFAULT_SCENE_IDS, scene_ids
from attention_explainer.config import (
    MAX_CONFIG_BYTES,
    MAX_YAML_ALIASES,
    MAX_YAML_NODES,
    Config,
    ConfigError,
    ModelConfig,
    UserError,
    default_config_path,
    json_schema,
    load_config,
    parse_yaml,
    validate_config,
)

GOOD_W = "[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]"  # 4 × 3 = d_model × d_k of the defaults


def error_of(write_config, text: str | bytes) -> str:
    """The one-line message load_config raises for a file with this content, without the path."""
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# ------------------------------------------------------------------------------- defaults


def test_packaged_default_loads_and_matches_the_model_defaults() -> None:
    config = load_config()
    assert default_config_path().name == "default.yaml" and default_config_path().is_file()
    assert config.sentence == "The cat sat"
    assert config.tokens == ["The", "cat", "sat"]
    assert config.video.scenes == list(DEFAULT_SCENE_IDS) == ["why-attention", "math", "heatmap", "pipeline", "outro"]
    # default.yaml says "a missing key takes the value shown here": the two must agree.
    assert config == Config()


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n"])
def test_empty_file_gives_defaults(write_config, text: str) -> None:
    assert load_config(write_config(text)) == Config()


def test_partial_config_keeps_other_defaults(write_config) -> None:
    config = load_config(write_config("sentence: Hello there\nmodel:\n  d_k: 2\n"))
    assert config.sentence == "Hello there"
    assert (config.model.d_k, config.model.d_model, config.display.precision) == (2, 4, 1)


def test_full_valid_config(write_config) -> None:
    text = f"""
sentence: "It didn't fit, it was too big."
model:
  d_model: 4
  d_k: 3
  seed: 7
  causal: true
  embeddings: [[0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 0, 1],
               [1, 0, 1, 0], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4]]
  W_Q: {GOOD_W}
  W_K: {GOOD_W}
  W_V: {GOOD_W}
display: {{precision: 2, theme: light, captions: false}}
video: {{scenes: [math, outro], quality: l, intro_sentence: Hi, closing_line: Bye}}
"""
    config = load_config(write_config(text))
    assert len(config.tokens) == 9
    assert config.model.causal and config.model.seed == 7
    assert config.model.W_Q == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert config.display.theme == "light" and config.video.scenes == ["math", "outro"]


def test_config_is_immutable() -> None:
    config = Config()
    with pytest.raises(Exception):
        config.sentence = "changed"  # type: ignore[misc]
    with pytest.raises(Exception):
        config.model.d_k = 5  # type: ignore[misc]


# --------------------------------------------------------------------------- value errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # dimensions
        ("model: {d_k: -3}", "model.d_k: must be a positive integer, got -3"),
        ("model: {d_model: 0}", "model.d_model: must be a positive integer, got 0"),
        ("model: {d_k: 17}", "model.d_k: must be at most 16 (larger cannot be shown), got 17"),
        ("model: {seed: -1}", "model.seed: must be a non-negative integer, got -1"),
        # wrong types
        ("model: {d_k: 3.0}", "model.d_k: must be an integer, got 3.0"),
        ("model: {d_k: '3'}", "model.d_k: must be an integer, got '3'"),
        ("model: {d_k: true}", "model.d_k: must be an integer, got True"),
        ("model: {seed: 1.5}", "model.seed: must be an integer, got 1.5"),
        ("model: {causal: 1}", "model.causal: must be true or false, got 1"),
        ("model: {causal: 'false'}", "model.causal: must be true or false, got 'false'"),
        ("sentence: 5", "sentence: must be a string (quote it), got 5"),
        ("sentence: [a, b]", "sentence: must be a string (quote it), got ['a', 'b']"),
        ("model: 5", "model: must be a mapping, got 5"),
        ("video: {scenes: math}", "video.scenes: must be a list, got 'math'"),
        ("display: {theme: blue}", "display.theme: input should be 'dark' or 'light', got 'blue'"),
        ("video: {quality: x}", "video.quality: input should be 'l', 'm', 'h', 'p' or 'k', got 'x'"),
        ("model: {W_Q: [[true, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}", "model.W_Q[0][0]: must be a number, got True"),
        ("model: {W_K: [[1, 0, 0], [0, '1', 0], [0, 0, 1], [0, 0, 0]]}", "model.W_K[1][1]: must be a number, got '1'"),
        ("model: {W_V: [1, 2, 3]}", "model.W_V[0]: must be a list, got 1"),
        # NaN and infinity, and too large
        ("model: {W_Q: [[.nan, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_Q: entry [0][0] must be a finite number, got nan"),
        ("model: {W_K: [[1, 0, 0], [0, 1, 0], [0, 0, -.inf], [0, 0, 0]]}",
         "model.W_K: entry [2][2] must be a finite number, got -inf"),
        ("model: {W_V: [[1, 0, 0], [0, 1.0e+7, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_V: entry [1][1] = 1e+07 is beyond the limit of ±1e+06"),
        # precision
        ("display: {precision: 4}", "display.precision: must be an integer from 0 to 3, got 4"),
        ("display: {precision: -1}", "display.precision: must be an integer from 0 to 3, got -1"),
        ("display: {precision: 1.5}", "display.precision: must be an integer, got 1.5"),
        # scenes
        ("video: {scenes: [math, heatmpa]}", "video.scenes: unknown scene 'heatmpa'; did you mean 'heatmap'?"),
        ("video: {scenes: [Heatmap]}", "video.scenes: unknown scene 'Heatmap'; did you mean 'heatmap'?"),
        ("video: {scenes: [zzzz]}", "video.scenes: unknown scene 'zzzz'; known: " + ", ".join(scene_ids())),
        ("video: {scenes: []}", "video.scenes: must list at least one scene"),
        ("video: {scenes: [math, math]}", "video.scenes: lists a scene twice"),
        # sentences
        ("sentence: '   '", "sentence: has no tokens; write at least one word"),
        ('sentence: "\\u200b\\u200b"', "sentence: has no tokens; write at least one word"),
        ("sentence: " + "a " * 65, "sentence: has 65 tokens; the limit is 64"),
        ("sentence: " + "x" * 501, "sentence: must be at most 500 characters, got 501"),
        ("video: {closing_line: ''}", "video.closing_line: must not be empty"),
        ('video: {intro_sentence: "\\u200b"}', "video.intro_sentence: must not be empty"),
        # the top level
        ("- a\n- b\n", "the top level must be a mapping of keys, got list"),
        ("just text", "the top level must be a mapping of keys, got str"),
    ],
)
def test_value_errors_are_one_line_with_the_key(write_config, text: str, message: str) -> None:
    assert error_of(write_config, text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sentance: hi", "sentance: unknown key; did you mean 'sentence'?"),
        ("model: {d_kk: 3}", "model.d_kk: unknown key; did you mean 'd_k'?"),
        ("model: {w_q: [[1]]}", "model.w_q: unknown key; did you mean 'W_Q'?"),
        ("model: {W_v: [[1]]}", "model.W_v: unknown key; did you mean 'W_V'?"),
        ("Sentence: hi", "Sentence: unknown key; did you mean 'sentence'?"),
        ("display: {precison: 2}", "display.precison: unknown key; did you mean 'precision'?"),
        ("video: {scene: [math]}", "video.scene: unknown key; did you mean 'scenes'?"),
        ("zzz: 1", "zzz: unknown key; allowed: " + ", ".join(Config.model_fields)),
        ("model: {qqq: 1}", "model.qqq: unknown key; allowed: " + ", ".join(ModelConfig.model_fields)),
    ],
)
def test_unknown_keys_suggest_the_right_one(write_config, text: str, message: str) -> None:
    assert error_of(write_config, text) == message


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"embeddings": [[1, 2, 3, 4]] * 2}, "model.embeddings: expected shape 3×4 (tokens × d_model), got 2×4"),
        ({"embeddings": [[1, 2, 3]] * 3}, "model.embeddings: expected shape 3×4 (tokens × d_model), got 3×3"),
        ({"d_model": 2, "W_Q": [[1, 2, 3]] * 4}, "model.W_Q: expected shape 2×3 (d_model × d_k), got 4×3"),
        ({"d_k": 2, "W_K": [[1, 2, 3]] * 4}, "model.W_K: expected shape 4×2 (d_model × d_k), got 4×3"),
        ({"W_V": [[1]]}, "model.W_V: expected shape 4×3 (d_model × d_k), got 1×1"),
        ({"W_V": [[1, 2, 3], [1, 2]]}, "model.W_V: row 1 has 2 numbers but row 0 has 3"),
        ({"embeddings": []}, "model.embeddings: must not be empty"),
    ],
)
def test_explicit_matrices_of_the_wrong_shape_say_the_expected_shape(model: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"sentence": "The cat sat", "model": model}, "my.yaml")
    assert str(info.value) == f"my.yaml: {message}"


def test_explicit_matrices_of_the_right_shape_are_accepted() -> None:
    config = validate_config({"sentence": "a b", "model": {"d_model": 2, "d_k": 1,
                                                         "embeddings": [[1, 2], [3, 4]], "W_Q": [[1], [2]]}})
    assert config.model.embeddings == [[1, 2], [3, 4]] and config.model.W_Q == [[1], [2]]


def test_config_errors_are_user_errors() -> None:
    with pytest.raises(UserError):
        validate_config({"model": {"d_k": -3}})


# --------------------------------------------------------------------------- YAML and files


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("sentence: hi\nmodel:\n  d_k: [1, 2\n", "line 4, column 1"),
        ("sentence: hi\nmodel: d_k: 3\n", "line 2, column 11"),
        ("sentence: 'unterminated\n", "line 2, column 1"),
        ("model:\n  d_k: 3\n d_model: 4\n", "line 3, column 2"),
    ],
)
def test_yaml_syntax_errors_give_line_and_column(write_config, text: str, where: str) -> None:
    message = error_of(write_config, text)
    assert message.startswith(f"YAML error at {where}: ")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such file$"):
        load_config(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory, not a YAML file"


def test_not_utf8(write_config) -> None:
    assert error_of(write_config, b"sentence: caf\xe9\n") == "not UTF-8 text (byte 13)"


def test_oversized_file(write_config) -> None:
    message = error_of(write_config, "# " + "x" * MAX_CONFIG_BYTES + "\n")
    assert message == f"{MAX_CONFIG_BYTES + 3} bytes; a config is at most {MAX_CONFIG_BYTES} (256 KB)"


def billion_laughs(levels: int = 9, width: int = 9, key: str = "lol") -> str:
    lines = ["a: &a [" + ", ".join(["lol"] * width) + "]"]
    names = "abcdefghijklmnop"
    for prev, name in zip(names, names[1 : levels]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    lines.append(f"{key}: *{names[levels - 1]}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("key", ["sentence", "lol", "model"])
def test_billion_laughs_is_refused_quickly(write_config, key: str) -> None:
    # 9 levels of 9 aliases: 72 aliases standing for 9^9 (387 million) strings.
    start = time.perf_counter()
    message = error_of(write_config, billion_laughs(key=key))
    assert message == f"YAML expands to more than {MAX_YAML_NODES} values; refusing to expand"
    assert time.perf_counter() - start < 5


def test_many_aliases_are_refused(write_config) -> None:
    text = "x: &x 1\nsentence: [" + ", ".join(["*x"] * (MAX_YAML_ALIASES + 1)) + "]\n"
    assert error_of(write_config, text) == f"more than {MAX_YAML_ALIASES} YAML aliases; refusing to expand"


def test_wide_matrix_through_aliases_is_refused(write_config) -> None:
    row = "[" + ", ".join(["1"] * 2000) + "]"
    text = f"model:\n  W_Q: [&r {row}, " + ", ".join(["*r"] * 60) + "]\n"
    assert error_of(write_config, text) == f"YAML expands to more than {MAX_YAML_NODES} values; refusing to expand"


def test_a_few_aliases_are_fine(write_config) -> None:
    text = f"model:\n  W_Q: &w {GOOD_W}\n  W_K: *w\n  W_V: *w\n"
    config = load_config(write_config(text))
    assert config.model.W_K == config.model.W_V == config.model.W_Q


def test_recursive_alias_is_refused(write_config) -> None:
    message = error_of(write_config, "sentence: &s [*s]\n")
    assert message == "a YAML alias refers to the value that contains it; refusing to expand"


@pytest.mark.parametrize("depth", [25, 1000])
def test_deep_nesting_is_refused(write_config, depth: int) -> None:
    message = error_of(write_config, "sentence: " + "[" * depth + "]" * depth + "\n")
    assert message == "YAML nested more than 20 levels deep"


def test_python_object_tag_is_refused(write_config, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"sentence: !!python/object/apply:os.system ['touch {marker}']\n"
    message = error_of(write_config, text)
    assert message.startswith("YAML error at line 1, column 11: could not determine a constructor for the tag")
    assert "python/object/apply:os.system" in message
    assert not marker.exists()


def test_python_object_new_tag_is_refused(write_config) -> None:
    message = error_of(write_config, "x: !!python/object:collections.OrderedDict {}\n")
    assert "python/object:collections.OrderedDict" in message


def test_parse_yaml_names_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^inline: YAML error at line 1, column 5: "):
        parse_yaml("a: [", "inline")


def test_validate_config_accepts_none_as_empty() -> None:
    assert validate_config(None) == Config()


# ---------------------------------------------------------------------------------- schema


def test_json_schema_has_every_field_with_a_description() -> None:
    schema = json_schema()
    text = json.dumps(schema)
    assert json.loads(text) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"sentence", "model", "display", "video", "real_model"}
    defs = schema["$defs"]
    expected = {
        "ModelConfig": {"d_model", "d_k", "seed", "causal", "embeddings", "W_Q", "W_K", "W_V"},
        "DisplayConfig": {"precision", "theme", "captions"},
        "VideoConfig": {"scenes", "quality", "intro_sentence", "closing_line"},
        "RealModelConfig": {"path", "sentence"},
    }
    for name, fields in expected.items():
        assert fields <= set(defs[name]["properties"])
        assert defs[name]["additionalProperties"] is False
        for field, spec in defs[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
    assert schema["properties"]["sentence"]["description"]
    assert defs["DisplayConfig"]["properties"]["theme"]["enum"] == ["dark", "light"]
    assert defs["VideoConfig"]["properties"]["scenes"]["default"] == list(DEFAULT_SCENE_IDS)
