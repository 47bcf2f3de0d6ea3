"""The real-model segment: builds for the default config (listed after the heatmap) and for 1-,
8- and 16-word sentences; what it draws is the trace's numbers, checked independently."""

from __future__ import annotations

import numpy as np
import pytest

from attention_explainer.config import validate_config
from attention_explainer.core.real_model.roles import percent
from attention_explainer.config.catalog import scene_by_id
from attention_explainer.scenes.real_model import RealModel
from attention_explainer.scenes.components import DARK, Heatmap, TokenRow, short
from attention_explainer.scenes.real_model_parts import MAX_KEYS, Gallery, table_keys
from scenetools import (at_beat, build_checked, build_scene, check_beats, color_of, glyph_text, only, right_of, seen,
                        sentence, shown_number, text, texts)

FRAME_X, TOP, BOTTOM = 7.1, 3.2, -2.9  # inside the frame, below the title, above the caption band


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One folder per module: the scenes share the Tex and text caches."""
    return tmp_path_factory.mktemp("real-model")


def inside(mob) -> None:
    assert mob.get_left()[0] >= -FRAME_X and mob.get_right()[0] <= FRAME_X, mob
    assert mob.get_bottom()[1] >= BOTTOM and mob.get_top()[1] <= TOP, mob


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def config(words: str | None = None, theme: str = "dark") -> dict:
    cfg: dict = {"video": {"scenes": ["heatmap", "real-model"]}, "display": {"captions": False, "theme": theme}}
    if words is not None:
        cfg["sentence"] = words
    return cfg


def under(scene, mob, beat: str):
    """The Text right under `mob` (centred on it) at the end of `beat`."""
    below = [t for t in texts(scene, beat=beat) if abs(t.get_x() - mob.get_x()) < mob.width / 2
             and t.get_top()[1] <= mob.get_bottom()[1]]
    return max(below, key=lambda t: t.get_top()[1])


def all_inside(scene) -> None:
    """At the end of every beat, everything but the title and the caption is inside."""
    title = text(scene, "Inside a real model")
    for b in scene.beats:
        for mob in at_beat(scene, b.id):
            if mob is not title and mob is not scene.narrator.caption:
                inside(mob)


def test_catalog_and_default_config(tmp_path) -> None:
    info = scene_by_id("real-model")
    assert info.optional and info.cls == "RealModel" and info.title == "Inside a Real Model"
    scene, findings = build_checked(RealModel, tmp_path, config())
    assert not findings, findings  # the frame check's own inspector: inside, readable, no overlaps
    check_beats(scene, "real-model")
    rt = scene.rt  # the scene's input: the model's pieces, heads and picks
    assert (rt.model_name, rt.layers, rt.heads) == ("all-MiniLM-L6-v2", 6, 12)
    keys = [b.id.removeprefix("real-model-") for b in scene.beats]
    assert keys[:3] == ["intro", "pieces", "gallery"] and keys[-1] == "caution"
    assert "unknown" not in keys and "merge" not in keys  # "The cat sat": whole words, no [UNK]
    # the piece row shows the model's pieces, and under each its vocabulary id
    pieces = rt.main.pieces
    row = only(seen(scene, TokenRow, beat="real-model-pieces"))
    assert [t.original_text for t in row.labels] == list(pieces.texts)
    assert [under(scene, row.item(i), "real-model-pieces").original_text for i in range(pieces.n)] == [
        str(i) for i in pieces.ids]
    # the gallery: one tile per head, laid out layers × heads
    gallery = only(seen(scene, Gallery))
    assert len(gallery.tiles) == 6 and all(len(r) == 12 for r in gallery.tiles)
    assert gallery.tiles[1][0].get_y() < gallery.tiles[0][0].get_y()  # layer 2 below layer 1
    # the zoomed heads are the picks, each drawing that head's merged weights, numbers included
    zooms = seen(scene, Heatmap)
    assert len(zooms) == len(rt.main.picks) >= 3
    for hm, pick in zip(zooms, rt.main.picks):
        weights = rt.main.word_attentions[pick.layer, pick.head]
        np.testing.assert_array_equal(hm.values, weights)
        if len(hm.numbers):
            assert [glyph_text(t) for t in hm.numbers] == [shown_number(v, 2) for v in weights.ravel()]
    # the worked row: the table's weights are softmax(q·k/√d_k) of the q and k shown, and the row
    # of that head's attention
    d = rt.demo
    weights = softmax(d.K @ d.q / np.sqrt(32))
    np.testing.assert_allclose(weights, rt.main.attentions[d.layer, d.head, d.query], atol=1e-12)
    top = int(np.argmax(weights))
    shown_keys = [j for j in table_keys(pieces.n, top, MAX_KEYS) if j is not None]
    assert top in shown_keys
    for j in shown_keys:  # each key piece (in the key colour) and its row: q·k, ÷√d_k, weight
        piece = only([t for t in texts(scene, beat="real-model-row-weights")
                      if t.original_text == short(pieces.texts[j], 12) and color_of(t) == DARK.k.upper()])
        qk, scaled, weight = right_of(scene, piece, beat="real-model-row-weights")[:3]
        assert qk.original_text == shown_number(float(d.K[j] @ d.q), 2)
        assert scaled.original_text == shown_number(float(d.K[j] @ d.q) / np.sqrt(32), 2)
        assert weight.original_text == shown_number(weights[j], 2)
    dot_line = only([t for t in texts(scene, beat="real-model-row-dots") if t.original_text.startswith("q·k = ")])
    assert dot_line.original_text.endswith(f"= {shown_number(float(d.K[top] @ d.q), 2)}")
    # the opening question: "it" -> "animal", the strongest head measured here
    q_run = rt.question
    it, animal = q_run.words.labels.index("it"), q_run.words.labels.index("animal")
    W = q_run.word_attentions[:, :, it, animal]
    layer, head = np.unravel_index(np.argmax(W), W.shape)
    text(scene, f"layer {layer + 1} · head {head + 1}:  {percent(float(W.max()))}", beat="real-model-question")
    said = " ".join(b.text for b in scene.beats)
    assert f"layer {layer + 1}, head {head + 1}" in said and "not an explanation of the model's output" in said
    text(scene, "Attention weights show where each head looks,", final=True)  # the caution, at the end
    all_inside(scene)


@pytest.mark.parametrize("words,theme", [
    (sentence(1), "light"),
    ("The animal didn't cross because it was 🐈", "dark"),  # 8 words: a split word and an [UNK]
    (sentence(16), "light"),
])
@pytest.mark.slow
def test_builds_for_1_8_16_words(tmp_path, words, theme) -> None:
    scene = build_scene(RealModel, tmp_path, config(words, theme))
    check_beats(scene, "real-model")
    run = scene.rt.main
    assert scene.theme.name == theme
    n_words = len(validate_config({"sentence": words}).tokens)
    assert run.words.n == n_words + 2  # [CLS] and [SEP]
    keys = [b.id.removeprefix("real-model-") for b in scene.beats]
    if "🐈" in words:
        assert run.pieces.unknown and "unknown" in keys and "merge" in keys
        assert any("[UNK]" in b.text for b in scene.beats)
    for hm in seen(scene, Heatmap):
        assert hm.n == min(run.words.n, 18)
    all_inside(scene)


@pytest.mark.slow
def test_a_12_by_12_model_fits(tmp_path) -> None:
    """Sizes come from the model: a bert-base-shaped gallery (12 layers × 12 heads) of a tiny
    random BERT written by the test stays inside the frame."""
    from test_real_model import write_tiny_bert

    folder = write_tiny_bert(tmp_path / "bert12", config={"num_hidden_layers": 12, "num_attention_heads": 12,
                                                          "hidden_size": 24})
    cfg = config("The cat sat on the mat")
    cfg["real_model"] = {"path": str(folder)}
    scene = build_scene(RealModel, tmp_path, cfg)
    check_beats(scene, "real-model")
    assert (scene.rt.layers, scene.rt.heads) == (12, 12)
    gallery = only(seen(scene, Gallery))
    assert len(gallery.tiles) == 12 and all(len(r) == 12 for r in gallery.tiles)
    assert "12 layers of 12 heads each" in scene.beats[0].text
    inside(gallery)


BANK = "The bank raised interest rates because it feared inflation"


@pytest.mark.slow
def test_the_focus_word_is_worked_and_its_farthest_link_zoomed(tmp_path) -> None:
    """video.focus in the trained model (issue 21, item 9): its row is the worked row, and the
    first zoom is the head sending the largest share of its attention to a word ≥ 2 away."""
    cfg = config(BANK)
    cfg["video"]["focus"] = "it"
    scene = build_scene(RealModel, tmp_path, cfg)
    run = scene.rt.main
    labels = list(run.words.labels)
    a = labels.index("it")
    W = run.word_attentions[:, :, a, :]  # (L, H, words): computed here, not read from the trace
    far = [b for b in range(len(labels)) if abs(b - a) >= 2 and any(ch.isalnum() for ch in labels[b])
           and not run.words.special[b]]
    l, h, b = max(((l, h, b) for l in range(W.shape[0]) for h in range(W.shape[1]) for b in far),
                  key=lambda x: W[x[0], x[1], x[2]])
    assert (l, h, labels[b]) == (3, 1, "bank")  # the lecturer's head: layer 4, head 2
    said = f"“it” sends {percent(W[l, h, b])} of its attention to “bank”"
    head_beats = [x for x in scene.beats if x.id == "real-model-head-1"]
    assert head_beats and said in head_beats[0].text
    first = seen(scene, Heatmap)[0]
    assert np.allclose(first.values, run.word_attentions[l, h][:len(first.values)][:, :len(first.values)])
    # the worked row: the focus word's first piece in that head
    d = scene.rt.demo
    assert (d.layer, d.head) == (l, h) and d.query == run.words.groups[a][0]
    row = [x for x in scene.beats if x.id == "real-model-row"][0]
    assert "“it”" in row.text and "layer 4" in row.text
