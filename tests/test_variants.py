"""The optional segments' numbers (variants.py, multihead.py, positional.py) against independent
references written with plain loops and the formulas of the papers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_explainer.core.attention import attend, compute_trace
from attention_explainer.config import ConfigError, validate_config
from attention_explainer.core.multihead import check_heads, compute_multihead, multi_head_attend
from attention_explainer.core.positional import sinusoidal_encoding, wavelengths
from attention_explainer.core.variants import (
    REALISTIC_D_K,
    causal_comparison,
    order_demo,
    realistic_d_k,
    rotation,
    scaling_demo,
)


def cfg(**model):
    sentence = model.pop("sentence", "The cat sat on the mat")
    scenes = model.pop("scenes", None)
    data = {"sentence": sentence, "model": model}
    if scenes is not None:
        data["video"] = {"scenes": scenes}
    return validate_config(data)


def loop_softmax(row):
    finite = [x for x in row if x != -math.inf]
    top = max(finite)
    e = [0.0 if x == -math.inf else math.exp(x - top) for x in row]
    return [v / sum(e) for v in e]


def loop_attention(X, W_Q, W_K, W_V, causal=False):
    """Single-head attention with nested loops (the reference)."""
    n, d_model = len(X), len(X[0])
    d = len(W_Q[0])

    def proj(W):
        return [[sum(X[i][a] * W[a][c] for a in range(d_model)) for c in range(d)] for i in range(n)]

    Q, K, V = proj(W_Q), proj(W_K), proj(W_V)
    out = []
    for i in range(n):
        s = [sum(Q[i][c] * K[j][c] for c in range(d)) / math.sqrt(d) for j in range(n)]
        if causal:
            s = [x if j <= i else -math.inf for j, x in enumerate(s)]
        w = loop_softmax(s)
        out.append([sum(w[j] * V[j][c] for j in range(n)) for c in range(d)])
    return np.array(out)


# -------------------------------------------------------------------------------- positional
def test_sinusoidal_encoding_matches_the_paper_formula():
    for n, d_model in [(1, 1), (3, 4), (16, 16), (5, 7)]:
        pe = sinusoidal_encoding(n, d_model)
        assert pe.shape == (n, d_model)
        for pos in range(n):
            for col in range(d_model):
                i = col // 2
                angle = pos / 10000 ** (2 * i / d_model)
                want = math.sin(angle) if col % 2 == 0 else math.cos(angle)
                assert pe[pos, col] == pytest.approx(want, abs=1e-12)
    assert np.all(np.abs(sinusoidal_encoding(64, 16)) <= 1)


def test_position_zero_is_sin0_cos0_and_wavelengths_grow():
    pe = sinusoidal_encoding(4, 6)
    assert pe[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    w = wavelengths(6)
    assert w[0] == pytest.approx(2 * math.pi) and np.all(np.diff(w[::2]) > 0)


def test_positional_switch_adds_pe_to_x_and_feeds_the_projections():
    plain = compute_trace(cfg(d_model=6, d_k=3, seed=4).attention_spec())
    with_pe = compute_trace(cfg(d_model=6, d_k=3, seed=4, positional_encoding=True).attention_spec())
    np.testing.assert_allclose(with_pe.X, plain.X + sinusoidal_encoding(6, 6), atol=1e-15)
    np.testing.assert_array_equal(with_pe.W_Q, plain.W_Q)
    np.testing.assert_allclose(with_pe.Q, with_pe.X @ with_pe.W_Q, atol=1e-12)
    np.testing.assert_allclose(with_pe.Z, loop_attention(with_pe.X, with_pe.W_Q, with_pe.W_K, with_pe.W_V),
                               atol=1e-12)
    assert not np.allclose(with_pe.Z, plain.Z)


def test_positional_switch_with_given_embeddings():
    X = [[0.1, -0.2], [0.3, 0.0], [-0.5, 0.4]]
    t = compute_trace(validate_config({"sentence": "a b c", "model": {
        "d_model": 2, "d_k": 2, "embeddings": X, "positional_encoding": True}}).attention_spec())
    np.testing.assert_allclose(t.X, np.array(X) + sinusoidal_encoding(3, 2), atol=1e-15)


# -------------------------------------------------------------------------------- causal
@pytest.mark.parametrize("causal", [False, True])
def test_causal_comparison_against_loops(causal):
    trace = compute_trace(cfg(seed=7, causal=causal).attention_spec())
    c = causal_comparison(trace)
    n = trace.n
    np.testing.assert_array_equal(c.scaled, trace.scaled)
    for i in range(n):
        row = list(trace.scaled[i])
        np.testing.assert_allclose(c.unmasked[i], loop_softmax(row), atol=1e-12)
        masked = [x if j <= i else -math.inf for j, x in enumerate(row)]
        np.testing.assert_allclose(c.masked[i], loop_softmax(masked), atol=1e-12)
        for j in range(n):
            assert c.mask[i, j] == (j > i)
            assert (c.masked_scaled[i, j] == -math.inf) == (j > i)
    if causal:  # the trace's own weights are the masked ones
        np.testing.assert_allclose(c.masked, trace.weights, atol=1e-15)
    else:
        np.testing.assert_allclose(c.unmasked, trace.weights, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 16), st.integers(0, 10_000))
def test_causal_rows_are_zero_above_the_diagonal_and_sum_to_one(n, seed):
    trace = compute_trace(cfg(sentence=" ".join(f"w{i}" for i in range(n)), seed=seed).attention_spec())
    c = causal_comparison(trace)
    assert np.all(c.masked[np.triu_indices(n, 1)] == 0)
    np.testing.assert_allclose(c.masked.sum(axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(c.unmasked.sum(axis=1), 1, atol=1e-12)
    assert c.masked[0, 0] == 1


def test_causal_rows_do_not_change_when_the_sentence_grows():
    """Generation: a token's row depends only on the past, so earlier rows never change."""
    full = compute_trace(cfg(sentence="a b c d e", seed=3).attention_spec())
    c = causal_comparison(full)
    for k in range(1, 6):
        X = full.X[:k]
        prefix = attend(X, full.W_Q, full.W_K, full.W_V, causal=True)["weights"]
        np.testing.assert_allclose(c.masked[:k, :k], prefix, atol=1e-12)


# -------------------------------------------------------------------------------- scaling
def test_scaling_demo_against_formulas():
    d = scaling_demo(seed=5)
    assert d.d_k == REALISTIC_D_K == 64 and d.q.shape == (64,) and d.K.shape == (8, 64)
    for j in range(d.m):
        s = sum(d.q[c] * d.K[j, c] for c in range(64))
        assert d.scores[j] == pytest.approx(s, abs=1e-10)
        assert d.scaled[j] == pytest.approx(s / 8, abs=1e-10)
    np.testing.assert_allclose(d.p_raw, loop_softmax(list(d.scores)), atol=1e-12)
    np.testing.assert_allclose(d.p_scaled, loop_softmax(list(d.scaled)), atol=1e-12)
    np.testing.assert_allclose(d.grad_raw, d.p_raw * (1 - d.p_raw))
    # the Jacobian's diagonal of a softmax is p(1 - p): check by finite differences
    eps = 1e-6
    for j in range(d.m):
        bumped = np.array(d.scaled)
        bumped[j] += eps
        num = (np.array(loop_softmax(list(bumped)))[j] - d.p_scaled[j]) / eps
        assert num == pytest.approx(d.grad_scaled[j], abs=1e-5)


def test_scaling_demo_is_deterministic_and_seeded():
    a, b, c = scaling_demo(1), scaling_demo(1), scaling_demo(2)
    np.testing.assert_array_equal(a.q, b.q)
    np.testing.assert_array_equal(a.variance, b.variance)
    assert not np.array_equal(a.q, c.q)
    assert realistic_d_k(3) == 64 and realistic_d_k(100) == 100


def test_dot_product_variance_grows_like_d_k_and_scaling_restores_one():
    d = scaling_demo(seed=0)
    assert d.dims.tolist() == [1, 2, 4, 8, 16, 32, 64]
    # 4000 samples: the standard error of a variance estimate is about d·√(2/4000) ≈ 2.3 % of
    # d (a bit more for small d, whose products are heavy-tailed)
    np.testing.assert_allclose(d.variance, d.dims, rtol=0.15)
    np.testing.assert_allclose(d.scaled_variance, 1, rtol=0.15)
    # unscaled softmax is peakier: its largest weight is at least the scaled one's
    for seed in range(10):
        s = scaling_demo(seed)
        assert s.p_raw.max() >= s.p_scaled.max()
        assert s.grad_raw.max() <= 0.25 and s.grad_scaled.max() <= 0.25
    assert scaling_demo(0, d_k=20).dims.tolist() == [1, 2, 4, 8, 16, 20]


# -------------------------------------------------------------------------------- order
@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.integers(0, 1000), st.randoms(use_true_random=False))
def test_attention_without_positions_is_permutation_equivariant(n, seed, rnd):
    trace = compute_trace(cfg(sentence=" ".join(f"t{i}" for i in range(n)), seed=seed).attention_spec())
    perm = list(range(n))
    rnd.shuffle(perm)
    o = order_demo(trace, positional=False, perm=tuple(perm))
    np.testing.assert_allclose(o.Z_perm, o.Z[perm], atol=1e-12)
    assert o.gap.max() < 1e-12
    assert o.tokens_perm == tuple(trace.tokens[i] for i in perm)


def test_order_demo_against_loops_and_positions_break_the_symmetry():
    trace = compute_trace(cfg(sentence="The cat sat", seed=0).attention_spec())
    o = order_demo(trace, positional=False)
    assert o.perm == (1, 2, 0) and o.tokens_perm == ("cat", "sat", "The")
    W = (trace.W_Q, trace.W_K, trace.W_V)
    np.testing.assert_allclose(o.Z, loop_attention(trace.X, *W), atol=1e-12)
    np.testing.assert_allclose(o.Z_perm, loop_attention(trace.X[[1, 2, 0]], *W), atol=1e-12)
    pe = sinusoidal_encoding(3, trace.d_model)
    np.testing.assert_allclose(o.Z_pe, loop_attention(trace.X + pe, *W), atol=1e-12)
    np.testing.assert_allclose(o.Z_pe_perm, loop_attention(trace.X[[1, 2, 0]] + pe, *W), atol=1e-12)
    assert o.gap_pe.max() > 1e-3


def test_order_demo_takes_positions_off_a_positional_trace():
    plain = compute_trace(cfg(seed=2).attention_spec())
    pos = compute_trace(cfg(seed=2, positional_encoding=True).attention_spec())
    a, b = order_demo(plain, positional=False), order_demo(pos, positional=True)
    np.testing.assert_allclose(b.E, a.E, atol=1e-12)
    np.testing.assert_allclose(b.Z_pe, pos.Z, atol=1e-12)


def test_order_demo_ignores_the_causal_mask_and_rejects_bad_perms():
    t = compute_trace(cfg(seed=1, causal=True).attention_spec())
    o = order_demo(t, positional=False)
    np.testing.assert_allclose(o.Z_perm, o.Z[list(o.perm)], atol=1e-12)
    assert rotation(1) == (0,) and rotation(2) == (1, 0)
    with pytest.raises(ValueError):
        order_demo(t, positional=False, perm=(0, 0, 1, 2, 3, 4))


# -------------------------------------------------------------------------------- multi-head
def loop_multihead(X, W_Q, W_K, W_V, W_O, causal=False):
    heads = [loop_attention(X, W_Q[h], W_K[h], W_V[h], causal) for h in range(len(W_Q))]
    n, d_model = len(X), len(W_O)
    concat = [[v for h in heads for v in h[i]] for i in range(n)]
    return np.array([[sum(concat[i][a] * W_O[a][c] for a in range(d_model)) for c in range(d_model)]
                     for i in range(n)])


@pytest.mark.parametrize("heads,d_model,causal,pos", [(2, 4, False, False), (1, 3, False, False),
                                                       (4, 8, True, False), (2, 6, False, True)])
def test_multihead_trace_against_loops(heads, d_model, causal, pos):
    c = cfg(d_model=d_model, heads=heads, seed=11, causal=causal, positional_encoding=pos)
    trace = compute_trace(c.attention_spec())
    mh = compute_multihead(c.attention_spec(), trace)
    d_head = d_model // heads
    assert (mh.heads, mh.d_head) == (heads, d_head)
    assert mh.W_Q.shape == (heads, d_model, d_head) and mh.W_O.shape == (d_model, d_model)
    np.testing.assert_array_equal(mh.X, trace.X)
    np.testing.assert_allclose(mh.output, loop_multihead(trace.X, mh.W_Q, mh.W_K, mh.W_V, mh.W_O, causal),
                               atol=1e-12)
    for h in range(heads):
        np.testing.assert_allclose(mh.Z[h], loop_attention(trace.X, mh.W_Q[h], mh.W_K[h], mh.W_V[h], causal),
                                   atol=1e-12)
        np.testing.assert_array_equal(mh.concat[:, list(mh.head_columns(h))], mh.Z[h])
        np.testing.assert_allclose(mh.weights[h].sum(axis=1), 1, atol=1e-12)
    if causal:
        assert np.all(mh.weights[:, np.triu(np.ones((trace.n, trace.n), bool), 1)] == 0)


def test_multihead_weights_are_quantised_and_qkv_exact():
    c = cfg(d_model=4, heads=2, seed=3)
    mh = compute_multihead(c.attention_spec(), compute_trace(c.attention_spec()))
    p = mh.precision
    for W in (mh.W_Q, mh.W_K, mh.W_V, mh.W_O):
        assert np.all(np.abs(W) <= 1)
        np.testing.assert_array_equal(np.round(W * 10**p) / 10**p, W)
    for h in range(2):  # exact decimals with 2p places, as the main trace's Q
        want = (np.rint(mh.X * 10**p).astype(int) @ np.rint(mh.W_Q[h] * 10**p).astype(int)) / 10 ** (2 * p)
        np.testing.assert_array_equal(mh.Q[h], want)


def test_multihead_is_deterministic_and_adding_a_head_keeps_the_first():
    c2, c4 = cfg(d_model=8, heads=2, seed=5), cfg(d_model=8, heads=4, seed=5)
    a = compute_multihead(c2.attention_spec(), compute_trace(c2.attention_spec()))
    b = compute_multihead(c2.attention_spec(), compute_trace(c2.attention_spec()))
    np.testing.assert_array_equal(a.output, b.output)
    d = compute_multihead(c4.attention_spec(), compute_trace(c4.attention_spec()))
    assert d.W_Q.shape == (4, 8, 2)
    # the main trace does not depend on the heads
    np.testing.assert_array_equal(compute_trace(c2.attention_spec()).Z, compute_trace(c4.attention_spec()).Z)


def test_one_head_with_identity_output_equals_single_head():
    trace = compute_trace(cfg(d_model=4, d_k=4, seed=9).attention_spec())
    out = multi_head_attend(trace.X, trace.W_Q[None], trace.W_K[None], trace.W_V[None], np.eye(4))
    np.testing.assert_allclose(out["output"], trace.Z, atol=1e-15)
    np.testing.assert_allclose(out["weights"][0], trace.weights, atol=1e-15)


def test_heads_must_divide_d_model():
    with pytest.raises(ConfigError, match=r"model\.heads: 3 heads cannot split d_model = 4.*1, 2, 4"):
        cfg(d_model=4, heads=3)
    with pytest.raises(ConfigError, match=r"model\.heads: must be an integer from 1 to 16"):
        cfg(heads=0)
    # the default of 2 heads does not reject an odd d_model unless the multi-head segment is on
    assert cfg(d_model=5).model.heads == 2
    with pytest.raises(ConfigError, match="model.heads"):
        cfg(d_model=5, scenes=["math", "multi-head"])
    assert check_heads(6, 3) == 2
    with pytest.raises(ConfigError, match="use one of 1, 5"):
        check_heads(5, 2)


def test_multihead_matches_torch():
    torch = pytest.importorskip("torch")
    c = cfg(d_model=8, heads=2, seed=13)
    trace = compute_trace(c.attention_spec())
    mh = compute_multihead(c.attention_spec(), trace)
    mha = torch.nn.MultiheadAttention(8, 2, bias=False, batch_first=True, dtype=torch.float64)
    # torch projects with x Wᵀ; its heads are consecutive column blocks of the (d_model, d_model) W
    stack = [np.concatenate(list(W), axis=1).T for W in (mh.W_Q, mh.W_K, mh.W_V)]
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.from_numpy(np.concatenate(stack, axis=0)))
        mha.out_proj.weight.copy_(torch.from_numpy(mh.W_O.T.copy()))
        x = torch.from_numpy(np.array(trace.X))[None]
        out, w = mha(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(out[0].numpy(), mh.output, atol=1e-10)
    np.testing.assert_allclose(w[0].numpy(), mh.weights, atol=1e-10)
