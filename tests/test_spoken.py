"""Spoken forms: one test per rule of narration/spoken.py (what the voice reads for a written line)."""

from __future__ import annotations

import pytest

from attention_explainer.narration.spoken import integer_words, number_words, spoken_tokens, to_spoken


def test_transpose_mark_after_matrix_letters() -> None:
    assert to_spoken("QKᵀ") == "Q K transposed"
    assert to_spoken("Kᵀ") == "K transposed"
    assert to_spoken("K^T") == "K transposed"


def test_square_root_of_d_k() -> None:
    assert to_spoken("√d_k") == "root d sub k"
    assert to_spoken("√8") == "root eight"


def test_power_is_to_the() -> None:
    assert to_spoken("e^s") == "e to the s"
    assert to_spoken("e^(x)") == "e to the x"


def test_sum_sign() -> None:
    assert to_spoken("Σ") == "the sum"
    assert to_spoken("Σe^s") == "the sum of e to the s"


@pytest.mark.parametrize("written, said", [
    ("−0.35", "minus zero point three five"),  # U+2212, as the scenes print negatives
    ("-1.2", "minus one point two"),
    ("0.35", "zero point three five"),
    ("12", "twelve"),
    ("1,000", "one thousand"),
])
def test_numbers_digit_by_digit_after_the_point(written: str, said: str) -> None:
    assert to_spoken(written) == said


def test_integer_words_independently() -> None:
    assert [integer_words(n) for n in (0, 7, 13, 20, 42, 100, 305, 2026)] == [
        "zero", "seven", "thirteen", "twenty", "forty two", "one hundred", "three hundred five",
        "two thousand twenty six"]
    assert number_words("3.14") == "three point one four"


def test_subscripted_names() -> None:
    assert to_spoken("W_Q") == "W Q"
    assert to_spoken("d_model") == "d model"
    assert to_spoken("d_k") == "d sub k"


def test_times_sign_in_a_shape_is_by() -> None:
    assert to_spoken("3×4") == "three by four"
    assert to_spoken("A × V") == "A times V"  # alone, between operands: times


def test_about_equal() -> None:
    assert to_spoken("≈ 1.73") == "about one point seven three"
    assert to_spoken("x≈0.5") == "x is about zero point five"


def test_divided_by() -> None:
    assert to_spoken("10 ÷ 2") == "ten divided by two"
    assert to_spoken("QKᵀ / √d_k") == "Q K transposed over root d sub k"


def test_superscripts() -> None:
    assert to_spoken("x²") == "x squared"
    assert to_spoken("x³") == "x cubed"
    assert to_spoken("2ⁿ") == "two to the n"


def test_subscript_digits() -> None:
    assert to_spoken("x₁") == "x one"
    assert to_spoken("q₁₂") == "q twelve"


def test_equals_and_products() -> None:
    assert to_spoken("Z = AV.") == "Z equals A V."
    assert to_spoken("q·k") == "q dot k"


def test_greek_letters() -> None:
    assert to_spoken("α") == "alpha"


def test_punctuation_is_kept_for_prosody_and_brackets_dropped() -> None:
    assert to_spoken("weights (0.35, −1.2).") == "weights zero point three five, minus one point two."
    assert to_spoken("Hello, world!") == "Hello, world!"


def test_every_written_token_knows_its_spoken_words() -> None:
    pairs = spoken_tokens("Scores QKᵀ are 3×4.")
    assert pairs == [("Scores", "Scores"), ("QKᵀ", "Q K transposed"), ("are", "are"), ("3×4.", "three by four.")]
    assert " ".join(s for _, s in pairs) == to_spoken("Scores QKᵀ are 3×4.")


def test_plain_words_pass_through() -> None:
    line = "Let's compute self-attention by hand, from the raw sentence."
    assert to_spoken(line) == line


def test_applied_function_and_fraction() -> None:
    """The formula caption: a function's argument, a fraction in it, and the matrix it multiplies."""
    assert to_spoken("softmax(QKᵀ/√d_k)V") == "softmax of Q K transposed over root d sub k, times V"
    assert to_spoken("Z = softmax(QKᵀ/√d_k) V.") == "Z equals softmax of Q K transposed over root d sub k, times V."
    assert to_spoken("softmax(q·k/√d_k).") == "softmax of q dot k over root d sub k."
    assert to_spoken("3/4") == "three over four"
    assert to_spoken("and/or (see it)") == "and/or see it"  # words with a slash and brackets around words stay
    pairs = spoken_tokens("softmax(QKᵀ/√d_k) V")
    assert [w for w, _ in pairs] == ["softmax(QKᵀ/√d_k)", "V"]
    assert pairs[1][1] == "times V"


def test_a_lines_own_spoken_form_keeps_the_respelled_terms(speak) -> None:
    """French says token "tokène" (espeak's "tɔkɛ̃" was heard as nonsense); a line with its own
    spoken form went to the voice as written, so "nos tokens" kept the nasal. The filled line's
    spoken form is respelled too; its caption text is not."""
    from attention_explainer.config import Config
    from attention_explainer.core.attention import compute_trace
    from attention_explainer.narration import locale
    from attention_explainer.narration.script import context_for, default_script
    from attention_explainer.narration.spoken import respell

    speak("fr")
    assert respell("Le modèle ne lit pas nos tokens : (token) x.") == "Le modèle ne lit pas nos tokènes : (tokène) x."
    speak("de")
    assert respell("Jede Query trifft jeden Key.") == "Jede Query trifft jeden Kie."
    speak("en")
    assert respell("The keys, a token.") == "The keys, a token."
    cfg = Config().model_copy(update={"video": Config().video.model_copy(update={"language": "fr"})})
    try:
        line = default_script("fr").line("real-model-pieces", context_for(cfg, compute_trace(cfg.attention_spec())),
                                         pieces=5, example="x", parts="y", split=False)
        assert line.text.startswith("Le modèle ne lit pas nos tokens") and line.spoken is not None
        assert line.spoken.startswith("Le modèle ne lit pas nos tokènes")
    finally:
        locale.use_language("en")
