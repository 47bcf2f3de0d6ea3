"""The tokenizer: words, apostrophes, punctuation, whitespace, any script; text kept as typed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_explainer.core.tokens import tokenize


@pytest.mark.parametrize(
    ("sentence", "tokens"),
    [
        ("The cat sat", ["The", "cat", "sat"]),
        ("x1_y2 42", ["x1_y2", "42"]),
        # apostrophes join a word, straight or typographic; elsewhere they are punctuation
        ("The animal didn't cross", ["The", "animal", "didn't", "cross"]),
        ("the cat's toy", ["the", "cat's", "toy"]),
        ("don\u2019t", ["don\u2019t"]),
        ("rock 'n' roll", ["rock", "'", "n", "'", "roll"]),
        ("cats' toys", ["cats", "'", "toys"]),
        ("'quoted'", ["'", "quoted", "'"]),
        # punctuation is split off, and a run of it is one token
        ("Hello, world!", ["Hello", ",", "world", "!"]),
        ("Wait... what?!", ["Wait", "...", "what", "?!"]),
        ("a--b (c)", ["a", "--", "b", "(", "c", ")"]),
        ("3.14", ["3", ".", "14"]),
        ("The cat didn't sit... 🐈!", ["The", "cat", "didn't", "sit", "...", "🐈!"]),
        # whitespace of any kind separates and is dropped
        ("  The\tcat\n\nsat \r\n", ["The", "cat", "sat"]),
        ("a\u00a0b\u3000c", ["a", "b", "c"]),
        ("", []),
        (" \t\n ", []),
        # letters of any script, precomposed or with combining marks, stay whole
        ("Straße naïve café", ["Straße", "naïve", "café"]),
        ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),
        ("Привет, мир", ["Привет", ",", "мир"]),
        # scripts without spaces: split into words by ICU's dictionaries
        ("日本語のテキスト", ["日本語", "の", "テキスト"]),
        ("私は猫が好きです。", ["私", "は", "猫", "が", "好き", "です", "。"]),
        ("我喜欢吃苹果。", ["我", "喜欢", "吃", "苹果", "。"]),
        ("ฉันชอบแมวมาก", ["ฉัน", "ชอบ", "แมว", "มาก"]),
        ("AIは便利", ["AI", "は", "便利"]),
        ("Γειά σου κόσμε", ["Γειά", "σου", "κόσμε"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("ที่นี่ ok", ["ที่", "นี่", "ok"]),
        ("مرحبا بالعالم", ["مرحبا", "بالعالم"]),
        # emoji with a variation selector or skin tone stay one symbol token
        ("I ❤️ it 👍🏽", ["I", "❤️", "it", "👍🏽"]),
        # invisible format characters alone separate (U+200B in Thai, a BOM); joined, they stay
        ("\u200b", []),
        ("\ufeffThe\u200bcat \u2060 sat", ["The", "cat", "sat"]),
        ("ภาษา\u200bไทย", ["ภาษา", "ไทย"]),
        ("👩\u200d💻 codes", ["👩\u200d💻", "codes"]),
    ],
)
def test_tokenize(sentence: str, tokens: list[str]) -> None:
    assert tokenize(sentence) == tokens


def test_text_is_kept_exactly_as_typed() -> None:
    # no lower-casing, no Unicode normalisation (decomposed é stays decomposed)
    tokens = tokenize("The CAT Sat cafe\u0301 ﬁne")
    assert tokens == ["The", "CAT", "Sat", "cafe\u0301", "ﬁne"]
    assert tokens[3] != "café" and len(tokens[3]) == 5


# Hand-picked characters of every kind the rule distinguishes (a fixed pool keeps hypothesis from
# building its Unicode tables, which costs seconds on a fresh checkout).
LETTERS = "aZßéжЖλ日本テ한ไทहनمر_09٣"
MARKS = "\u0301\u0308\u093f\u094d\u0e35\u0e48\ufe0f"
OTHERS = "'\u2019.,!?-()\"…🐈❤👍🏽$%+"
SPACES = " \t\n\r\u00a0\u3000\u2028"
TEXT = st.text(alphabet=st.sampled_from(LETTERS + MARKS + OTHERS + SPACES), max_size=60)


@settings(max_examples=75, deadline=None)
@given(TEXT)
def test_tokens_are_the_text_without_whitespace(sentence: str) -> None:
    tokens = tokenize(sentence)
    assert "".join(tokens) == "".join(sentence.split())
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    # tokens appear in order, each exactly as a piece of the sentence
    pos = 0
    for t in tokens:
        found = sentence.find(t, pos)
        assert found >= 0
        assert not sentence[pos:found].strip()
        pos = found + len(t)


SPACED = "".join(c for c in LETTERS if c not in "日本テไท")  # scripts written with spaces
WORD = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(SPACED),
    st.text(alphabet=st.sampled_from(SPACED + MARKS), max_size=7),
)


@settings(max_examples=75, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=8))
def test_words_separated_by_spaces_are_one_token_each(words: list[str]) -> None:
    """Letters, digits and the combining marks on them stay one token, in any script."""
    assert tokenize(" ".join(words)) == words
    assert tokenize("\t\n ".join(words)) == words


def test_a_flag_is_one_token_and_drawn_as_its_letters() -> None:
    from attention_explainer.core.labels import drawable

    fr, de = "\U0001F1EB\U0001F1F7", "\U0001F1E9\U0001F1EA"  # regional indicators F R, D E
    assert tokenize(f"Vive la {fr}!") == ["Vive", "la", fr, "!"]
    assert tokenize(f"{fr}{de} wins") == [fr, de, "wins"]  # two flags: two tokens
    assert drawable(fr) == "\u2691FR" and drawable(f"{fr}{de}!") == "\u2691FR\u2691DE!"
    assert drawable("plain text, 🐈") == "plain text, 🐈"


UNSPACED = "私は猫が好きです日本語のテキスト我喜欢吃苹果ฉันชอบแมวมากກິນເຂົ້າ"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from(UNSPACED), min_size=1, max_size=20))
def test_runs_without_spaces_split_into_pieces_of_the_run(run: str) -> None:
    """ICU's pieces of a run of letters are the run, in order, with nothing lost or added."""
    tokens = tokenize(run)
    assert "".join(tokens) == run and all(tokens)


def test_words_of_a_japanese_sentence_match_a_dictionary_reading() -> None:
    """Word boundaries come from a dictionary, not from changes of script: 好きです is 好き + です
    (kanji+kana, then kana), which no script-change rule gives."""
    assert tokenize("猫が好きです") == ["猫", "が", "好き", "です"]
    assert tokenize("ภาษาไทยง่าย") == ["ภาษา", "ไทย", "ง่าย"]
