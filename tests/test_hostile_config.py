"""Hostile configs: whatever YAML a user or colleague hands over, load_config returns a Config or
raises one ConfigError line; nothing else. Fills the gaps of test_config.py (not repeated here):
scientific notation, characters that cannot be shown, unprintable text in messages, scalars
PyYAML cannot convert, devices and odd paths, the size and value-count limits, and fuzzing."""

from __future__ import annotations

import string
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attention_explainer.config import (
    MAX_CONFIG_BYTES,
    MAX_DIM,
    MAX_TOKENS,
    MAX_YAML_NODES,
    Config,
    ConfigError,
    load_config,
    one_line,
    parse_yaml,
    validate_config,
)
from attention_explainer.narration.config_check import load_checked_config


def is_one_safe_line(message: str) -> bool:
    """No line breaks, controls, lone surrogates or invisible format characters (bidi overrides);
    the zero-width joiners that emoji and some scripts need may stay."""
    return all(unicodedata.category(ch) not in {"Cc", "Cs", "Zl", "Zp", "Cf"} or ch in "\u200c\u200d"
               for ch in message)


def message_of(write_config, text: str | bytes) -> str:
    """load_config's one-line message for a file with this content, without the path prefix."""
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert is_one_safe_line(message), repr(message)
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# --------------------------------------------------------------- numbers in scientific notation


@pytest.mark.parametrize(
    ("written", "value"),
    [("1e7", 1e7), ("1E7", 1e7), ("-2e5", -2e5), ("+3e2", 300.0), ("1e-3", 1e-3), ("2.5e3", 2500.0),
     ("1.0e+2", 100.0), (".5e1", 5.0), ("-.5e1", -5.0), ("1_000e-3", 1.0), ("1e-300", 1e-300)],
)
def test_scientific_notation_without_a_dot_is_a_number(written: str, value: float) -> None:
    # YAML 1.1 (PyYAML) reads 1e7 as the string '1e7'; every user means the number.
    assert parse_yaml(f"x: {written}") == {"x": value}
    if abs(value) <= 1e6:
        text = f"model: {{W_Q: [[{written}, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]}}"
        assert validate_config(parse_yaml(text)).model.W_Q[0][0] == value


@pytest.mark.parametrize("written", ["'1e7'", '"1e7"', "1e", "e7", "1e7e", "1.2.3e4", "0x1e7"])
def test_what_is_not_scientific_notation_stays_as_written(written: str) -> None:
    value = parse_yaml(f"x: {written}")["x"]
    assert isinstance(value, (str, int)) and not isinstance(value, float)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model: {W_Q: [[1e7, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_Q: entry [0][0] = 1e+07 is beyond the limit of ±1e+06"),
        ("model: {W_K: [[1e400, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_K: entry [0][0] must be a finite number, got inf"),
        ("model: {W_V: [['1e7', 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_V[0][0]: must be a number, got '1e7'"),
        ("model: {W_Q: [[" + "9" * 400 + ", 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}",
         "model.W_Q[0][0]: 999999999999... (400 digits) is beyond the limit of ±1e+06"),
        ("model: {d_k: 1e1}", "model.d_k: must be an integer, got 10.0"),
        ("model: {d_model: 1e100}", "model.d_model: must be an integer, got 1e+100"),
        ("model: {d_model: 17}", f"model.d_model: must be at most {MAX_DIM} (larger cannot be shown), got 17"),
        ("model: {d_k: 99999999999999999999999}",
         f"model.d_k: must be at most {MAX_DIM} (larger cannot be shown), got 99999999999999999999999"),
        ("model: {seed: " + "9" * 5000 + "}",
         "YAML error at line 1, column 15: '999999999999999999999999999999999999... is not a valid int (too many digits)"),
    ],
)
def test_number_errors(write_config, text: str, message: str) -> None:
    assert message_of(write_config, text) == message


# ------------------------------------------------------------------- text that cannot be shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r'sentence: "The \e[2J cat"', "sentence: contains the control character U+001B at position 5; remove it"),
        (r'sentence: "a\0b"', "sentence: contains the control character U+0000 at position 2; remove it"),
        (r'sentence: "bell\a"', "sentence: contains the control character U+0007 at position 5; remove it"),
        (r'sentence: "x\x85y"', "sentence: contains the control character U+0085 at position 2; remove it"),
        (r'sentence: "a\ud800b"',
         "sentence: contains U+D800 at position 2, half of a surrogate pair, which is not text; remove it"),
        (r'video: {intro_sentence: "it\e]0;pwned\a was"}',
         "video.intro_sentence: contains the control character U+001B at position 3; remove it"),
        (r'video: {closing_line: "bye\x08\x08\x08"}',
         "video.closing_line: contains the control character U+0008 at position 4; remove it"),
        ("video: {intro_sentence: '" + "a " * (MAX_TOKENS + 1) + "'}",
         f"video.intro_sentence: has {MAX_TOKENS + 1} tokens; the limit is {MAX_TOKENS}"),
    ],
)
def test_characters_that_cannot_be_shown_are_refused(write_config, text: str, message: str) -> None:
    assert message_of(write_config, text) == message


@pytest.mark.parametrize(
    "sentence",
    ["tab\tand\nnewline\r\n", "\u200bzero\u200dwidth\u2060", "\u202eevil\u202c", "👨\u200d👩\u200d👧 \ufe0f",
     "\ue000 private use", "x" * 60, "<b>x</b> &amp; \\input{/etc/hostname} $%#_{}~^\\"],
)
def test_unusual_but_printable_sentences_are_kept_exactly(sentence: str) -> None:
    assert validate_config({"sentence": sentence}).sentence == sentence


# ------------------------------------------------------------- every message is one safe line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"a\\nb": 1', "a\\nb: unknown key; allowed: sentence, model, display, video, real_model"),
        ('"\\e]0;owned\\a": 1', "\\x1b]0;owned\\x07: unknown key; allowed: sentence, model, display, video, real_model"),
        ('video: {scenes: ["ma\\e[2Jth"]}', "video.scenes: unknown scene 'ma\\x1b[2Jth'; did you mean 'math'?"),
        ('"\\u202etxt.exe": 1', "\\u202etxt.exe: unknown key; allowed: sentence, model, display, video, real_model"),
        ('x: !!float "a\\nb"', "YAML error at line 1, column 4: 'a\\nb' is not a valid float"),
        ("x: !foo\u2028bar", None),  # a line separator inside a tag: whatever PyYAML says, one line
    ],
)
def test_user_text_inside_messages_is_escaped(write_config, text: str, message: str | None) -> None:
    got = message_of(write_config, text)
    if message is not None:
        assert got == message


def test_a_file_name_with_a_newline_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "new\nline\x1b.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == one_line(f"{path}: no such file") and is_one_safe_line(str(info.value))
    path.write_text("model: {d_k: 0}")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).endswith("line\\x1b.yaml: model.d_k: must be a positive integer, got 0")


def test_one_line_escapes_only_what_cannot_be_printed() -> None:
    assert one_line("a\nb\tc\x1b\x7f\u2028\u202e\ud800") == "a\\nb\\tc\\x1b\\x7f\\u2028\\u202e\\ud800"
    kept = "日本語 مرحبا שלום 👨\u200d👩\u200d👧 café <b>&amp;</b> \\input{x}"
    assert one_line(kept) == kept


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: 2", "config: the key 1 is not a name; keys are words such as 'sentence'"),
        ("~: 1", "config: the key None is not a name; keys are words such as 'sentence'"),
        ("model: {2001-12-14: 1}", "model: the key datetime.date(2001, 12, 14) is not a name; keys are words such as 'sentence'"),
        ("x: !!int abc", "YAML error at line 1, column 4: 'abc' is not a valid int"),
        ("x: !!timestamp 2001-99-99", "YAML error at line 1, column 4: '2001-99-99' is not a valid timestamp (month must be in 1..12)"),
        ("x: !!binary '%%%'", None),
        ("sentence: !!binary aGVsbG8=", "sentence: must be a string (quote it), got b'hello'"),
        ("sentence: 2024-01-01", "sentence: must be a string (quote it), got datetime.date(2024, 1, 1)"),
        ("<<: 5", "YAML error at line 1, column 5: expected a mapping or list of mappings for merging, but found scalar"),
        ("? [a]\n: 1", "YAML error at line 1, column 3: found unhashable key"),
        ("\ufeffsentence: hi\n\ufeffmodel: 1", None),
    ],
)
def test_odd_yaml_scalars_and_keys_are_config_errors(write_config, text: str, message: str | None) -> None:
    got = message_of(write_config, text)
    if message is not None:
        assert got == message


# ---------------------------------------------------------------------------- files and paths


def test_a_device_without_end_is_read_only_up_to_the_limit() -> None:
    start = time.process_time()  # CPU time: the bounds below hold however busy the machine is
    with pytest.raises(ConfigError, match=rf"^/dev/zero: more than {MAX_CONFIG_BYTES} bytes; a config is at most "):
        load_config("/dev/zero")
    assert time.process_time() - start < 5
    assert load_config("/dev/null") == Config()  # an empty file: the defaults


@pytest.mark.parametrize(("name", "fragment"), [("a\x00b", "no such file"), ("x" * 5000, "File name too long")])
def test_impossible_file_names(name: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(name)
    assert fragment in str(info.value) and is_one_safe_line(str(info.value))


# ------------------------------------------------------------------------------------- limits


def largest_config() -> dict:
    """The biggest config the limits allow: 64 tokens, d_model = d_k = 16, every matrix given, each
    number with 17 significant digits."""
    n, d = MAX_TOKENS, MAX_DIM
    x = -123456.78901234567
    return {"sentence": " ".join(f"w{i}" for i in range(n)),
            "model": {"d_model": d, "d_k": d, "causal": True, "embeddings": [[x] * d for _ in range(n)],
                      "W_Q": [[x] * d for _ in range(d)], "W_K": [[x] * d for _ in range(d)],
                      "W_V": [[x] * d for _ in range(d)]},
            "video": {"intro_sentence": " ".join(["a"] * n), "closing_line": "x" * 500}}


def test_the_largest_valid_config_fits_the_limits_with_room(write_config) -> None:
    text = "# a comment line of some length, as users write them\n" * 100 + yaml.safe_dump(largest_config())
    assert len(text.encode()) < MAX_CONFIG_BYTES / 2
    start = time.process_time()
    config = load_config(write_config(text))
    assert time.process_time() - start < 5
    assert len(config.tokens) == MAX_TOKENS and config.model.W_V[15][15] == -123456.78901234567


def test_a_file_of_exactly_the_limit_is_read(write_config) -> None:
    text = "sentence: hi\n"
    text += "#" * (MAX_CONFIG_BYTES - len(text) - 1) + "\n"
    assert len(text) == MAX_CONFIG_BYTES
    assert load_config(write_config(text)).sentence == "hi"


def test_a_long_flat_list_is_refused_before_it_is_all_read(write_config) -> None:
    # 120,000 values under the byte limit: PyYAML would take ~20 s for them; the count stops it.
    text = "x: [" + ",".join(["1"] * 120_000) + "]\n"
    assert len(text) < MAX_CONFIG_BYTES
    start = time.process_time()
    assert message_of(write_config, text) == f"YAML expands to more than {MAX_YAML_NODES} values; refusing to expand"
    assert time.process_time() - start < 5


# ---------------------------------------------------------------------------------- fuzzing

KEYS = ["sentence", "model", "display", "video", "d_model", "d_k", "seed", "causal", "embeddings", "W_Q",
        "W_K", "W_V", "heads", "positional_encoding", "precision", "theme", "captions", "scenes", "quality",
        "intro_sentence", "closing_line", "math", "dark", "x", ""]
SCALARS = (st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.sampled_from(KEYS)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20))
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(KEYS) | SCALARS, inner, max_size=5),
    max_leaves=30,
)


def loads_or_config_error(path: Path) -> None:
    try:
        assert isinstance(load_checked_config(path), Config)  # what every command loads
    except ConfigError as e:  # one safe line per problem
        assert e.lines and all(is_one_safe_line(line) and line.startswith(f"{path}: ") for line in e.lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=DOCS)
def test_fuzz_random_yaml_documents(write_config, doc: object) -> None:
    # Documents shaped like configs (the real keys, nested mappings and lists, any scalar).
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return
    loads_or_config_error(write_config(text))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_fuzz_random_bytes(write_config, data: bytes) -> None:
    loads_or_config_error(write_config(data))


YAMLISH = st.text(alphabet=st.sampled_from(string.printable + "&*!|>%@`'\"[]{},:#-?~ \u00e9\u2028\ufeff日"), max_size=120)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=YAMLISH)
def test_fuzz_yaml_punctuation(write_config, text: str) -> None:
    # Anchors, aliases, tags, flow and block indicators, directives in random order.
    loads_or_config_error(write_config(text))
