"""why-attention segment: the focus-pair rule, slicing, wrapping, and the built scene (animations
skipped) for the default config, a long intro sentence with 16 configured tokens (light, causal)
and one-token sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import CubicBezier, ManimColor, Square

from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.components import DARK, LIGHT, TokenRow
from attention_explainer.scenes.why_attention import (
    DECAY,
    STRONGEST,
    MAX_SHOWN,
    WhyAttention,
    focus_indices,
    focus_pair,
)
from attention_explainer.scenes.components import narration_chunks, wrap_lines
from attention_explainer.core.tokens import tokenize
from scenetools import build_scene, check_beats, off_layout, only, probed, probing, seen, text

DEFAULT_INTRO = "The animal didn't cross the street because it was too tired"
LONG_INTRO = ("When the extraordinarily meticulous archaeologist finally uncovered the ancient ceramic "
              "vessel beneath three metres of compacted sediment near the riverbank, everyone agreed "
              "that it was remarkably well preserved.")
SIXTEEN = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"


# ------------------------------------------------------------------------------ pure helpers
def test_focus_pair_links_it_to_animal_in_the_default_sentence() -> None:
    toks = tokenize(DEFAULT_INTRO)
    q, k, pronoun = focus_pair(toks)
    assert (toks[q], toks[k], pronoun) == ("it", "animal", True)


@pytest.mark.parametrize("sentence, query, key", [
    ("Colourless green ideas sleep furiously.", "furiously", "Colourless"),  # no pronoun: last/first word
    ("Hi there", "there", "Hi"),
    ("It rains", "rains", "It"),  # a pronoun with nothing before it is no question
    ("... !", "!", "..."),  # no words at all: the two ends
])
def test_focus_pair_without_a_usable_pronoun_takes_the_ends(sentence: str, query: str, key: str) -> None:
    toks = tokenize(sentence)
    q, k, pronoun = focus_pair(toks)
    assert (toks[q], toks[k], pronoun) == (query, key, False)


def test_focus_pair_one_token_and_determinerless_sentence() -> None:
    assert focus_pair(["Hello"]) == (0, 0, False)
    toks = tokenize("Dogs chase cats because they like it")
    q, k, pronoun = focus_pair(toks)
    assert pronoun and toks[q] == "it" and toks[k] == "Dogs"


@pytest.mark.parametrize("n, must, limit", [(30, [3, 25], 14), (64, [0, 63], 16), (40, [20, 21], 6), (10, [2, 7], 16)])
def test_focus_indices_keep_the_pair_and_the_limit(n: int, must: list[int], limit: int) -> None:
    shown = focus_indices(n, must, limit)
    real = [i for i in shown if i is not None]
    assert set(must) <= set(real)
    assert len(shown) == min(n, limit)  # every place used: items and ellipses
    assert real == sorted(set(real))
    for a, b in zip(shown, shown[1:]):  # an ellipsis exactly where indices jump
        assert not (a is None and b is None)
        if a is not None and b is not None:
            assert b == a + 1
    if shown[0] is None:
        assert real[0] > 0
    else:
        assert shown[0] == 0


def test_intro_link_names_the_pair_in_any_language() -> None:
    from attention_explainer.core.intro_link import intro_pair

    toks = tokenize("Das Tier überquerte die Straße nicht, weil es zu müde war")
    q, k, linked = intro_pair(toks, ["es", "Tier"])
    assert (toks[q], toks[k], linked) == ("es", "Tier", True)
    toks = tokenize(DEFAULT_INTRO)
    assert intro_pair(toks, ["it", "street"])[:2] == (toks.index("it"), toks.index("street"))


def test_intro_link_is_checked_with_a_did_you_mean(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from attention_explainer.config import validate_config
    from attention_explainer.errors import ConfigError

    with pytest.raises(ConfigError, match=r"video.intro_link: 'anmal' is not a word of video.intro_sentence; "
                                          r"did you mean 'animal'\?"):
        validate_config({"video": {"intro_link": ["it", "anmal"]}})
    with pytest.raises(ConfigError, match="video.intro_link: must be two words"):
        validate_config({"video": {"intro_link": ["it"]}})


@pytest.mark.slow
def test_the_scene_asks_about_the_named_link(tmp_path) -> None:  # type: ignore[no-untyped-def]
    intro = "Der Hund bellte, weil er Hunger hatte"
    scene = build_scene(Probed, tmp_path, {"video": {"intro_sentence": intro, "intro_link": ["er", "Hund"]},
                                           "display": {"captions": False}})
    text(scene, "What does “er” refer to?")  # drawn once
    toks = tokenize(intro)
    assert framed(scene, DARK) == (toks.index("er"), toks.index("Hund"))
    assert any("What does “er” refer to?" in b.text for b in scene.beats)


def test_narration_chunks_keep_every_word_and_stay_short() -> None:
    text = "Thanks! " + " ".join(f"w{i}" for i in range(45)) + ". Short one. Another short one."
    chunks = narration_chunks(text, max_words=20)
    assert " ".join(chunks).split() == text.split()
    assert all(len(c.split()) <= 20 for c in chunks)
    assert narration_chunks("Attention is all you need.") == ["Attention is all you need."]


def test_wrap_lines_keeps_the_text_and_fits(tmp_path: Path) -> None:
    from manim import tempconfig

    medium, huge = "word " * 30 + "end", "word " * 99 + "end"  # 155 and 500 characters
    with tempconfig({"media_dir": str(tmp_path), "quality": "low_quality"}):
        groups = [wrap_lines(words, DARK, 34, 12.6, 1.6, max_lines=4) for words in (medium, huge)]
    for words, group in zip((medium, huge), groups):
        assert "".join(t.text for t in group) == "".join(words.split())  # Text.text drops spaces
        assert group.width <= 12.6 + 1e-6 and group.height <= 1.6 + 1e-6
    assert 2 <= len(groups[0]) <= 4  # wrapped, not shrunk onto one line
    assert groups[0][0].font_size > 20  # smallest font only when the text needs it


# ------------------------------------------------------------------------------ built scenes
@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("why")  # one media dir: Tex and text files are reused


Probed = probing(WhyAttention, off_layout)  # after every play: what is outside the frame or under the captions


def never_off_layout(scene: WhyAttention) -> None:
    """Nothing but the caption left the frame or went under the caption band, after any play."""
    assert [(beat, off) for beat, off in probed(scene, "play") if off] == []


def intro_row(scene: WhyAttention) -> TokenRow:
    """The intro sentence's row: the token row on screen as the segment starts."""
    return only(seen(scene, TokenRow, beat="why-attention-sentence"))


def labels(row: TokenRow) -> list[str]:
    return [t.original_text for t in row.labels]


def framed(scene: WhyAttention, theme: Any) -> tuple[int, int]:
    """The token indices of the intro row's boxes framed in the query colour and the key colour
    (the same token, framed in both in turn, ends in the key colour)."""
    row = intro_row(scene)
    colours = [box.get_stroke_color().to_hex().upper() for box in row.boxes]
    q = [i for i, c in zip(row.indices, colours) if c == theme.q.upper()]
    k = only([i for i, c in zip(row.indices, colours) if c == theme.k.upper()])
    return (only(q) if q else k), k


def arcs_at(scene: WhyAttention, beat: str, colour: str) -> list[CubicBezier]:
    """The arcs on screen at the end of `beat` drawn in `colour`."""
    return [a for a in seen(scene, CubicBezier, beat=beat) if a.get_stroke_color().to_hex().upper() == colour.upper()]


def test_catalog_points_at_this_scene() -> None:
    info = scene_by_id("why-attention")
    assert (info.module, info.cls) == ("why_attention", WhyAttention.__name__)


def test_default_config(shared: Path) -> None:
    scene = build_scene(Probed, shared, {"display": {"captions": False}})
    check_beats(scene, "why-attention")
    assert 90 <= scene.renderer.time <= 150, scene.renderer.time
    never_off_layout(scene)
    toks = tokenize(DEFAULT_INTRO)
    row = intro_row(scene)
    assert row.indices == list(range(len(toks)))
    assert labels(row) == toks
    q, k = toks.index("it"), toks.index("animal")
    assert framed(scene, DARK) == (q, k)
    # RNN chain: one box per token, colour of "animal" fading geometrically after it, none before
    boxes = sorted(seen(scene, Square, beat="why-attention-rnn-steps"), key=lambda b: b.get_x())
    assert len(boxes) == len(toks)
    opac = [b.get_fill_opacity() for b in boxes]
    assert all(o == 0 for o in opac[:k])
    assert np.allclose(opac[k:], [STRONGEST * DECAY ** (i - k) for i in range(k, len(toks))], atol=1e-6)
    # self-attention: every pair once, the it-animal link highlighted separately
    n = len(toks)
    arcs, special = (arcs_at(scene, "why-attention-all-pairs", c) for c in (DARK.muted, DARK.accent))
    assert len(arcs) + 1 == n * (n - 1) // 2
    special_arc = only(special)
    assert special_arc.get_start()[0] == pytest.approx(row.item(k)[0].get_top()[0])
    assert special_arc.get_end()[0] == pytest.approx(row.item(q)[0].get_top()[0])
    # the configured sentence ("The cat sat") with all-to-all arcs, at the end
    final = only(seen(scene, TokenRow, final=True))
    assert labels(final) == tokenize("The cat sat")
    assert len(seen(scene, CubicBezier, final=True)) == 3
    lines = " ".join(b.text for b in scene.beats)
    assert "“it”" in lines and "“animal”" in lines and "11 tokens take 11 steps" in lines


@pytest.mark.slow
def test_long_intro_sixteen_tokens_light_causal(shared: Path) -> None:
    cfg = {"sentence": SIXTEEN, "model": {"causal": True}, "display": {"theme": "light", "captions": False},
           "video": {"intro_sentence": LONG_INTRO}}
    scene = build_scene(Probed, shared, cfg)
    check_beats(scene, "why-attention")
    never_off_layout(scene)
    toks = tokenize(LONG_INTRO)
    assert len(toks) == 30
    row = intro_row(scene)
    shown = [i for i in row.indices if i is not None]
    q, k = framed(scene, LIGHT)
    assert (q, k) == focus_pair(toks)[:2] and toks[q] == "it" and {q, k} <= set(shown)
    assert len(shown) <= MAX_SHOWN and None in row.indices
    assert row.width <= 13.0 + 1e-6
    text(scene, f"showing {len(shown)} of 30 tokens")
    # the 16 configured tokens are all shown when they fit, with all pairs linked
    final = only(seen(scene, TokenRow, final=True))
    assert labels(final) == SIXTEEN.split() and final.width <= 13.0 + 1e-6
    assert len(seen(scene, CubicBezier, final=True)) == 16 * 15 // 2
    assert any("causal mask" in b.text for b in scene.beats)
    assert ManimColor(scene.camera.background_color).to_hex() == ManimColor(LIGHT.background).to_hex()


@pytest.mark.slow
def test_one_token_sentences(shared: Path) -> None:
    cfg = {"sentence": "Hello", "display": {"captions": False}, "video": {"intro_sentence": "Hi"}}
    scene = build_scene(Probed, shared, cfg)
    check_beats(scene, "why-attention")
    never_off_layout(scene)
    text(scene, "What does “Hi” relate to?")  # the one token with itself: no pronoun, no link
    assert framed(scene, DARK) == (0, 0)
    assert seen(scene, CubicBezier) == []  # no pair to link, in either sentence
    assert labels(only(seen(scene, TokenRow, final=True))) == ["Hello"]
