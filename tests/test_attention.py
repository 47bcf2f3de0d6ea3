"""The attention core against independent references, and its properties (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_explainer.core.attention import attend, causal_mask, compute_trace, softmax_rows
from attention_explainer.core.spec import AttentionSpec
from attention_explainer.config import Config, validate_config

SETTINGS = settings(max_examples=50, deadline=None)

# Each entry is exactly one token, so a sentence of n of them has n tokens.
WORDS = ["The", "cat", "sat", "on", "the", "mat", ",", "didn't", "it", "was", "tired", ".", "Straße", "!?"]
MATRICES = ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "mask", "weights", "Z")
TO_DICT_KEYS = [
    "tokens", "d_model", "d_k", "precision", "causal",
    "X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z",
]


@st.composite
def configs(draw: st.DrawFn, causal: bool | None = None) -> Config:
    """A valid config whose numbers all come from the seed."""
    n = draw(st.integers(1, 8))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=n, max_size=n))
    config = validate_config(
        {
            "sentence": " ".join(words),
            "model": {
                "d_model": draw(st.integers(1, 8)),
                "d_k": draw(st.integers(1, 8)),
                "seed": draw(st.integers(0, 2**63)),
                "causal": draw(st.booleans()) if causal is None else causal,
            },
            "display": {"precision": draw(st.integers(0, 3))},
        }
    )
    assert len(config.tokens) == n
    return config


def make_config(sentence: str = "The cat sat", **model: object) -> Config:
    return validate_config({"sentence": sentence, "model": model})


# ---------------------------------------------------------------------------- references


def reference_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool) -> tuple[list, list]:
    """softmax(Q Kᵀ / √d_k) V with Python loops and math.exp; causal: query i sees keys 0..i."""
    n, d_k = Q.shape
    weights, Z = [], []
    for i in range(n):
        keys = range(i + 1) if causal else range(n)
        s = [sum(float(Q[i, t]) * float(K[j, t]) for t in range(d_k)) / math.sqrt(d_k) for j in keys]
        top = max(s)
        e = [math.exp(x - top) for x in s]
        total = sum(e)
        row = [x / total for x in e] + [0.0] * (n - len(s))
        weights.append(row)
        Z.append([sum(row[j] * float(V[j, c]) for j in range(n)) for c in range(V.shape[1])])
    return weights, Z


@SETTINGS
@given(configs())
def test_trace_matches_the_formula_written_out(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    for W, got in ((t.W_Q, t.Q), (t.W_K, t.K), (t.W_V, t.V)):
        np.testing.assert_allclose(got, np.einsum("nd,dk->nk", t.X, W), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.scores, np.einsum("ik,jk->ij", t.Q, t.K), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.scaled, t.scores / math.sqrt(config.model.d_k), rtol=1e-12, atol=1e-12)
    weights, Z = reference_attention(t.Q, t.K, t.V, config.model.causal)
    np.testing.assert_allclose(t.weights, weights, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t.Z, Z, rtol=1e-9, atol=1e-12)


def _matrix(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, shape, elements=st.floats(-5, 5))


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 5), st.booleans(), st.data())
def test_attend_on_arbitrary_matrices_matches_the_reference(
    n: int, d_model: int, d_k: int, causal: bool, data: st.DataObject
) -> None:
    X = data.draw(_matrix((n, d_model)))
    W_Q, W_K, W_V = (data.draw(_matrix((d_model, d_k))) for _ in range(3))
    parts = attend(X, W_Q, W_K, W_V, causal=causal)
    np.testing.assert_allclose(parts["Q"], np.einsum("nd,dk->nk", X, W_Q), rtol=1e-12, atol=1e-12)
    weights, Z = reference_attention(parts["Q"], parts["K"], parts["V"], causal)
    np.testing.assert_allclose(parts["weights"], weights, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(parts["Z"], Z, rtol=1e-9, atol=1e-9)


def test_small_example_computed_by_hand() -> None:
    # X = I, so Q, K, V are the weight matrices themselves; d_k = 1, so scaled = scores.
    config = make_config("a b", d_model=2, d_k=1, embeddings=[[1, 0], [0, 1]],
                         W_Q=[[2], [0]], W_K=[[1], [0]], W_V=[[1], [3]])
    t = compute_trace(config.attention_spec())
    e2 = math.exp(2)
    assert t.scores.tolist() == [[2.0, 0.0], [0.0, 0.0]]
    np.testing.assert_allclose(t.weights, [[e2 / (e2 + 1), 1 / (e2 + 1)], [0.5, 0.5]], rtol=1e-15)
    np.testing.assert_allclose(t.Z, [[(e2 + 3) / (e2 + 1)], [2.0]], rtol=1e-15)

    causal = compute_trace(make_config("a b", d_model=2, d_k=1, causal=True, embeddings=[[1, 0], [0, 1]],
                                       W_Q=[[2], [0]], W_K=[[1], [0]], W_V=[[1], [3]]).attention_spec())
    assert causal.weights.tolist() == [[1.0, 0.0], [0.5, 0.5]]
    assert causal.Z.tolist() == [[1.0], [2.0]]


def test_scaling_divides_by_sqrt_d_k() -> None:
    ones = [[1.0] * 4] * 4
    t = compute_trace(make_config("a b", d_model=4, d_k=4, embeddings=[[1, 0, 0, 0], [0, 1, 0, 0]],
                                  W_Q=ones, W_K=ones, W_V=ones).attention_spec())
    assert t.sqrt_d_k == 2.0
    assert t.scores.tolist() == [[4.0, 4.0], [4.0, 4.0]]
    assert t.scaled.tolist() == [[2.0, 2.0], [2.0, 2.0]]


@pytest.mark.parametrize("causal", [False, True])
def test_matches_torch_scaled_dot_product_attention(causal: bool) -> None:
    torch = pytest.importorskip("torch")
    for seed in range(5):
        t = compute_trace(make_config("The animal didn't cross the street", d_model=6, d_k=5,
                                      seed=seed, causal=causal).attention_spec())
        q, k, v = (torch.from_numpy(np.array(a)) for a in (t.Q, t.K, t.V))
        z = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        np.testing.assert_allclose(t.Z, z.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- properties


@SETTINGS
@given(configs())
def test_weight_rows_sum_to_one(config: Config) -> None:
    w = compute_trace(config.attention_spec()).weights
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@SETTINGS
@given(
    arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 8)), elements=st.floats(-1e3, 1e3)),
    st.data(),
)
def test_softmax_ignores_a_constant_added_to_a_row(x: np.ndarray, data: st.DataObject) -> None:
    shifts = data.draw(arrays(np.float64, (x.shape[0], 1), elements=st.floats(-1e3, 1e3)))
    w = softmax_rows(x)
    np.testing.assert_allclose(softmax_rows(x + shifts), w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)


def test_softmax_gives_minus_infinity_zero_weight() -> None:
    w = softmax_rows(np.array([[0.0, -np.inf, 0.0], [5.0, -np.inf, -np.inf]]))
    assert w.tolist() == [[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]]


def test_softmax_is_stable_for_large_scores() -> None:
    w = softmax_rows(np.array([[1000.0, 1000.0], [-1000.0, 0.0]]))
    assert np.all(np.isfinite(w))
    assert w[0].tolist() == [0.5, 0.5]
    assert w[1, 1] == 1.0


@SETTINGS
@given(configs(causal=True))
def test_causal_weights_are_exactly_zero_above_the_diagonal(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    n = t.n
    assert t.mask.tolist() == causal_mask(n).tolist() == np.triu(np.ones((n, n), bool), 1).tolist()
    assert np.all(t.weights[np.triu_indices(n, 1)] == 0.0)
    assert np.all(t.weights[np.tril_indices(n)] > 0.0)
    assert t.weights[0, 0] == 1.0
    np.testing.assert_array_equal(t.Z[0], t.V[0])


@SETTINGS
@given(configs(causal=False))
def test_without_causal_nothing_is_masked(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    assert not t.mask.any()
    assert np.all(t.weights > 0.0)


@SETTINGS
@given(configs())
def test_generated_inputs_give_exact_decimal_qkv(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    p = config.display.precision
    unit = 10**p
    for x in [*t.X.flat, *t.W_Q.flat, *t.W_K.flat, *t.W_V.flat]:
        shown = Fraction(repr(float(x)))  # the decimal the video shows
        assert (shown * unit).denominator == 1 and abs(shown) <= 1
        assert float(shown) == x
    for W, M in ((t.W_Q, t.Q), (t.W_K, t.K), (t.W_V, t.V)):
        for i in range(t.n):
            for j in range(t.d_k):
                q = float(M[i, j])
                assert round(q, 2 * p) == q
                exact = sum(
                    (Fraction(repr(float(a))) * Fraction(repr(float(b))) for a, b in zip(t.X[i], W[:, j])),
                    Fraction(0),
                )
                assert exact.limit_denominator(unit * unit) == exact
                assert float(exact) == q


@SETTINGS
@given(configs())
def test_same_seed_same_trace(config: Config) -> None:
    a, b = compute_trace(config.attention_spec()), compute_trace(config.model_copy(deep=True).attention_spec())
    for name in MATRICES:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.to_dict() == b.to_dict()


def test_different_seeds_give_different_numbers() -> None:
    xs = {compute_trace(make_config(seed=s).attention_spec()).X.tobytes() for s in range(5)}
    assert len(xs) == 5


@SETTINGS
@given(configs(), st.sampled_from(["embeddings", "W_Q", "W_K", "W_V"]), st.data())
def test_supplying_one_matrix_keeps_the_generated_others(config: Config, field: str, data: st.DataObject) -> None:
    base = compute_trace(config.attention_spec())
    m = config.model
    rows, cols = (base.n, m.d_model) if field == "embeddings" else (m.d_model, m.d_k)
    given_matrix = data.draw(
        st.lists(st.lists(st.floats(-3, 3), min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
    raw = config.model_dump(exclude_unset=True)
    raw["model"][field] = given_matrix
    t = compute_trace(validate_config(raw).attention_spec())
    name = "X" if field == "embeddings" else field
    assert getattr(t, name).tolist() == given_matrix
    for other in {"X", "W_Q", "W_K", "W_V"} - {name}:
        np.testing.assert_array_equal(getattr(t, other), getattr(base, other))
    for W, M in ((t.W_Q, t.Q), (t.W_K, t.K), (t.W_V, t.V)):
        np.testing.assert_allclose(M, t.X @ W, rtol=1e-12, atol=1e-12)


def test_explicit_inputs_are_used_as_given_without_rounding() -> None:
    X = [[0.123, -0.456], [1.5, 2.25]]
    t = compute_trace(make_config("a b", d_model=2, d_k=2, embeddings=X,
                                  W_Q=[[1, 0], [0, 1]], W_K=[[1, 0], [0, 1]], W_V=[[1, 0], [0, 1]]).attention_spec())
    assert t.X.tolist() == X
    assert t.Q.tolist() == X


@SETTINGS
@given(configs())
def test_trace_arrays_are_read_only(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    for name in MATRICES:
        a = getattr(t, name)
        assert a.dtype == (bool if name == "mask" else np.float64)
        assert not a.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            a[0, 0] = a[0, 0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.Q = np.zeros(1)  # type: ignore[misc]


@SETTINGS
@given(configs())
def test_shapes(config: Config) -> None:
    t = compute_trace(config.attention_spec())
    n, d_model, d_k = len(config.tokens), config.model.d_model, config.model.d_k
    shapes = {"X": (n, d_model), "W_Q": (d_model, d_k), "W_K": (d_model, d_k), "W_V": (d_model, d_k),
              "Q": (n, d_k), "K": (n, d_k), "V": (n, d_k), "scores": (n, n), "scaled": (n, n),
              "mask": (n, n), "weights": (n, n), "Z": (n, d_k)}
    assert {k: getattr(t, k).shape for k in shapes} == shapes
    assert t.tokens == tuple(config.tokens) and t.n == n


def test_to_dict_keys_and_values() -> None:
    config = make_config(causal=True)
    t = compute_trace(config.attention_spec())
    d = t.to_dict()
    assert set(TO_DICT_KEYS) <= set(d)
    assert d["tokens"] == ["The", "cat", "sat"]
    assert (d["d_model"], d["d_k"], d["precision"], d["causal"]) == (4, 3, 1, True)
    for name in TO_DICT_KEYS[5:]:
        assert d[name] == getattr(t, name).tolist()
        assert all(type(x) is float for row in d[name] for x in row)
    assert json.loads(json.dumps(d)) == d



# ------------------------------------------------------------------------ the core's own input
def test_the_config_builds_the_cores_input() -> None:
    """AttentionSpec carries every value compute_trace reads; values outside it leave the trace alone."""
    config = validate_config({"sentence": "a b", "display": {"precision": 2}, "model": {
        "d_model": 2, "d_k": 1, "seed": 5, "causal": True, "heads": 1, "positional_encoding": True,
        "W_Q": [[1], [0.5]]}})
    spec = config.attention_spec()
    assert spec == AttentionSpec(tokens=("a", "b"), d_model=2, d_k=1, precision=2, seed=5, causal=True,
                                 positional_encoding=True, heads=1, W_Q=((1.0,), (0.5,)))
    assert hash(spec) == hash(config.attention_spec())  # frozen, matrices as tuples
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.seed = 6  # type: ignore[misc]
    t = compute_trace(spec)
    np.testing.assert_array_equal(t.W_Q, [[1.0], [0.5]])
    other = validate_config({**config.model_dump(), "video": {"closing_line": "Bye."}})
    assert other.attention_spec() == spec
    np.testing.assert_array_equal(compute_trace(other.attention_spec()).Z, t.Z)
