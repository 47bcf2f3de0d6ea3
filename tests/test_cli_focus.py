"""video.focus: a token as typed or a 1-based position; a typo is one line with a did-you-mean."""

from __future__ import annotations

import pytest

from attention_explainer.config import Config, ConfigError, load_config
from attention_explainer.core.focus import focus_index, focus_or, shown_with

SENTENCE = "the bank by the river bank"


def config(focus: object) -> Config:
    return Config.model_validate({"sentence": SENTENCE, "video": {"focus": focus}})


@pytest.mark.parametrize(("focus", "index"), [
    ("bank", 1),  # a repeated word: its first occurrence
    ("the (2)", 3), ("bank (2)", 5),  # another occurrence, named as the export labels it
    ("river", 4), (1, 0), (6, 5), (None, None),
])
def test_focus_resolves_to_a_token_index(focus: object, index: int | None) -> None:
    assert config(focus).focus_index == index
    tokens = SENTENCE.split()
    if index is not None:
        assert tokens[index] == (focus if isinstance(focus, str) and "(" not in focus
                                 else tokens[index])
    assert focus_or(tokens, focus, default=5) == (5 if index is None else index)


@pytest.mark.parametrize(("focus", "message"), [
    ("bnak", "video.focus: 'bnak' is not a token of the sentence; did you mean 'bank'?"),
    ("Bank", "video.focus: 'Bank' is not a token of the sentence; did you mean 'bank'?"),
    (0, "video.focus: position 0 is not in the sentence; its 6 token(s) are numbered 1 to 6"),
    (7, "video.focus: position 7 is not in the sentence; its 6 token(s) are numbered 1 to 6"),
    ("the (3)", "video.focus: 'the (3)' is not a token of the sentence"),
    (2.5, "video.focus: must be a token (a string) or a 1-based position (an integer), got 2.5"),
    (True, "video.focus: must be a token (a string) or a 1-based position (an integer), got True"),
])
def test_a_focus_that_names_no_token_is_one_line(write_config, focus: object, message: str) -> None:
    value = repr(focus) if isinstance(focus, str) else str(focus).lower()
    path = write_config(f"sentence: {SENTENCE}\nvideo: {{focus: {value}}}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_focus_index_raises_for_an_unknown_word() -> None:
    with pytest.raises(ValueError, match="did you mean 'cat'"):
        focus_index(["the", "cat"], "cta")


@pytest.mark.parametrize("n", [9, 12, 16, 64])
@pytest.mark.parametrize("keep", [None, 0, 3, 4, 5, 7, 8])
def test_a_long_sentence_slice_always_shows_the_focus(n: int, keep: int | None) -> None:
    shown = shown_with(n, 8, keep)
    assert len(shown) <= 8
    real = [i for i in shown if i is not None]
    assert real == sorted(set(real)) and real[0] == 0 and real[-1] == n - 1
    if keep is not None:
        assert keep in real
    for a, b in zip(shown, shown[1:]):  # a gap (None) stands exactly where indices are skipped
        if a is not None and b is not None:
            assert b == a + 1
    assert all(shown[i] is not None or shown[i + 1] is not None for i in range(len(shown) - 1))
