"""Hostile numbers: every config the validator accepts gives finite scores, weights and Z.

The bound is |entry| <= MAX_ABS_VALUE (1e6) for X and the weights, so with d_model, d_k <= 16:
|Q|, |K|, |V| <= 16 * 1e6 * 1e6 = 1.6e13 and |scores| <= 16 * (1.6e13)^2 ~ 4.1e27, far below
the float64 limit of 1.8e308; the softmax subtracts each row's maximum, so exp never overflows.
Tiny entries (1e-300) underflow to 0 in products, which is finite too.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_explainer.core.attention import compute_trace
from attention_explainer.config import MAX_ABS_VALUE, MAX_DIM, MAX_TOKENS, ConfigError, validate_config

ARRAYS = ("X", "W_Q", "W_K", "W_V", "Q", "K", "V", "scores", "scaled", "weights", "Z")


def assert_sound(config_dict: dict) -> None:
    t = compute_trace(validate_config(config_dict).attention_spec())
    for name in ARRAYS:
        assert np.all(np.isfinite(getattr(t, name))), name
    w = t.weights
    assert np.all(w >= 0) and np.all(w <= 1)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(w[t.mask] == 0.0)
    # Z is a weighted average of the value rows, so it stays within their range in each column.
    lo, hi = t.V.min(axis=0), t.V.max(axis=0)
    tol = 1e-9 * np.maximum(1.0, np.abs(t.V).max(axis=0))
    assert np.all(t.Z >= lo - tol) and np.all(t.Z <= hi + tol)


def matrices(n: int, d_model: int, d_k: int, value: float) -> dict:
    return {"embeddings": [[value] * d_model for _ in range(n)], "W_Q": [[value] * d_k for _ in range(d_model)],
            "W_K": [[value] * d_k for _ in range(d_model)], "W_V": [[value] * d_k for _ in range(d_model)]}


def sentence(n: int) -> str:
    return " ".join(f"t{i}" for i in range(n))


@pytest.mark.parametrize("value", [MAX_ABS_VALUE, -MAX_ABS_VALUE, 1e-300, -1e-300, 5e-324, 0.0])
@pytest.mark.parametrize("causal", [False, True])
def test_extreme_accepted_values_at_the_largest_sizes(value: float, causal: bool) -> None:
    n, d = MAX_TOKENS, MAX_DIM
    model = {"d_model": d, "d_k": d, "causal": causal, **matrices(n, d, d, value)}
    assert_sound({"sentence": sentence(n), "model": model})


def test_largest_scores_are_the_bound_computed_by_hand() -> None:
    n, d = 2, MAX_DIM
    t = compute_trace(validate_config({"sentence": sentence(n), "model": {"d_model": d, "d_k": d,
                                                                            **matrices(n, d, d, MAX_ABS_VALUE)}}).attention_spec())
    assert t.scores[0, 0] == pytest.approx(d * (d * MAX_ABS_VALUE**2) ** 2)  # 4.1e27
    assert np.isfinite(t.scores).all()


def test_opposite_extremes_give_a_one_hot_row_not_nan() -> None:
    # Query row 0 sees score +4e27 with key 0 and -4e27 with key 1: exp of the difference underflows.
    d = MAX_DIM
    X = [[MAX_ABS_VALUE] * d, [-MAX_ABS_VALUE] * d]
    W = [[MAX_ABS_VALUE] * d for _ in range(d)]
    t = compute_trace(validate_config({"sentence": "a b", "model": {"d_model": d, "d_k": d, "embeddings": X,
                                                                     "W_Q": W, "W_K": W, "W_V": W}}).attention_spec())
    assert t.weights.tolist() == [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize("value", ["1e300", "-1e300", "1e7", "1.0000001e6", ".inf", ".nan"])
def test_values_beyond_the_limit_are_refused_clearly(value: str) -> None:
    from attention_explainer.config import parse_yaml

    text = f"model: {{W_Q: [[{value}, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]}}"
    with pytest.raises(ConfigError, match=r"^c\.yaml: model\.W_Q: entry \[0\]\[0\] "):
        validate_config(parse_yaml(text), "c.yaml")


ENTRY = st.one_of(
    st.floats(-MAX_ABS_VALUE, MAX_ABS_VALUE, allow_nan=False, allow_subnormal=True),
    st.sampled_from([MAX_ABS_VALUE, -MAX_ABS_VALUE, 1e-300, -1e-300, 0.0]),
)


@st.composite
def accepted_configs(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 12))
    d_model, d_k = draw(st.integers(1, MAX_DIM)), draw(st.integers(1, MAX_DIM))

    def matrix(rows: int, cols: int) -> list[list[float]]:
        return draw(st.lists(st.lists(ENTRY, min_size=cols, max_size=cols), min_size=rows, max_size=rows))

    model: dict = {"d_model": d_model, "d_k": d_k, "causal": draw(st.booleans()),
                   "positional_encoding": draw(st.booleans())}
    for name, shape in (("embeddings", (n, d_model)), ("W_Q", (d_model, d_k)), ("W_K", (d_model, d_k)),
                        ("W_V", (d_model, d_k))):
        if draw(st.booleans()):  # given, or drawn from the seed
            model[name] = matrix(*shape)
    return {"sentence": sentence(n), "model": model, "display": {"precision": draw(st.integers(0, 3))}}


@settings(max_examples=60, deadline=None)
@given(accepted_configs())
def test_every_accepted_matrix_gives_finite_weights(config_dict: dict) -> None:
    assert_sound(config_dict)


def test_one_token_causal() -> None:
    t = compute_trace(validate_config({"sentence": "alone", "model": {"causal": True}}).attention_spec())
    assert t.mask.tolist() == [[False]] and t.weights.tolist() == [[1.0]]
    np.testing.assert_array_equal(t.Z, t.V)


@pytest.mark.parametrize("causal", [False, True])
def test_identical_tokens_with_identical_embeddings_share_attention_equally(causal: bool) -> None:
    n, d = 4, 3
    X = [[0.5, -1.0, 2.0]] * n
    t = compute_trace(validate_config({"sentence": "the the the the", "model": {"d_model": d, "d_k": 2,
                                                                                 "causal": causal, "embeddings": X}}).attention_spec())
    assert t.tokens == ("the",) * 4
    for i in range(n):
        seen = i + 1 if causal else n
        np.testing.assert_allclose(t.weights[i, :seen], 1.0 / seen, rtol=1e-12)
        np.testing.assert_allclose(t.Z[i], t.V[0], rtol=1e-12)


def test_identical_tokens_from_the_seed_are_finite_and_normalised() -> None:
    assert_sound({"sentence": " ".join(["same"] * MAX_TOKENS), "model": {"d_model": MAX_DIM, "d_k": MAX_DIM}})
