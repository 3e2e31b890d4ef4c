"""SA and SSA against direct, loop-based computations of eq. 1-7 on tiny tensors."""

from __future__ import annotations

import math

import pytest
import torch

from ssaser.models.attention import SelfAttentionPooling, SelfSpeakerAttention, padding_frames_mask
from ssaser.models.config import ModelConfig


def _config(**kw) -> ModelConfig:
    # T = 8 // 2 = 4 frames after the pool, d = 2 * 3 = 6.
    return ModelConfig(segment_frames=8, n_mels=8, pool=(2, 2), lstm_hidden=3, **kw)


def _ssa_by_loops(ssa: SelfSpeakerAttention, h_em, h_sp, scale_by: float, concat: bool):
    """Eq. 3-7 written out element by element for one example (h: (T, d) nested lists)."""
    T, d = len(h_em), len(h_em[0])
    w_q, w_k_em = ssa.w_q.tolist(), ssa.w_k_em.tolist()
    # nn.Linear stores (out, in): y_j = sum_i W[j][i] x_i.
    w_k_sp, w_v_em, w_v_sp = (m.weight.tolist() for m in (ssa.w_k_sp, ssa.w_v_em, ssa.w_v_sp))
    q = [sum(h_em[t][i] * w_q[t] for t in range(T)) for i in range(d)]  # eq. 3
    a_em = [sum(h_em[t][i] * w_k_em[i] for i in range(d)) for t in range(T)]  # eq. 4
    keys = [[sum(h_sp[t][i] * w_k_sp[j][i] for i in range(d)) for j in range(d)] for t in range(T)]
    a_sp = [sum(keys[t][j] * q[j] for j in range(d)) / math.sqrt(scale_by) for t in range(T)]  # eq. 5
    scores = a_em + a_sp
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    alpha = [e / sum(exps) for e in exps]  # eq. 6, one softmax over 2T
    v_em = [[sum(h_em[t][i] * w_v_em[j][i] for i in range(d)) for j in range(d)] for t in range(T)]
    v_sp = [[sum(h_sp[t][i] * w_v_sp[j][i] for i in range(d)) for j in range(d)] for t in range(T)]
    c_em = [sum(alpha[t] * v_em[t][j] for t in range(T)) for j in range(d)]
    c_sp = [sum(alpha[T + t] * v_sp[t][j] for t in range(T)) for j in range(d)]  # eq. 7
    context = c_em + c_sp if concat else [a + b for a, b in zip(c_em, c_sp)]
    return context, alpha


@pytest.mark.parametrize("scaling", ["sqrt_T", "sqrt_d", "none"])
@pytest.mark.parametrize("context", ["concat", "sum"])
def test_ssa_matches_loop_reference(scaling: str, context: str) -> None:
    torch.manual_seed(0)
    config = _config(attention_scaling=scaling, ssa_context=context)
    ssa = SelfSpeakerAttention(config).double()
    h_em = torch.randn(3, 4, 6, dtype=torch.float64)
    h_sp = torch.randn(3, 4, 6, dtype=torch.float64)
    out, alpha_em, alpha_sp = ssa(h_em, h_sp)
    assert out.shape == (3, 12 if context == "concat" else 6)
    scale_by = {"sqrt_T": 4, "sqrt_d": 6, "none": 1}[scaling]
    for b in range(3):
        ref_c, ref_alpha = _ssa_by_loops(ssa, h_em[b].tolist(), h_sp[b].tolist(), scale_by, context == "concat")
        torch.testing.assert_close(out[b], torch.tensor(ref_c, dtype=torch.float64))
        torch.testing.assert_close(torch.cat([alpha_em[b], alpha_sp[b]]), torch.tensor(ref_alpha, dtype=torch.float64))


def test_ssa_weights_are_a_distribution_over_2T() -> None:
    torch.manual_seed(1)
    ssa = SelfSpeakerAttention(_config())
    _, alpha_em, alpha_sp = ssa(torch.randn(5, 4, 6) * 3, torch.randn(5, 4, 6) * 3)
    assert alpha_em.shape == alpha_sp.shape == (5, 4)
    both = torch.cat([alpha_em, alpha_sp], dim=1)
    assert (both >= 0).all()
    torch.testing.assert_close(both.sum(dim=1), torch.ones(5))
    # One shared softmax: neither half alone sums to 1 in general.
    assert not torch.allclose(alpha_em.sum(dim=1), torch.ones(5))


def test_self_attention_pooling_matches_loop_reference() -> None:
    torch.manual_seed(2)
    pool = SelfAttentionPooling(6).double()
    h = torch.randn(2, 4, 6, dtype=torch.float64)
    context, alpha = pool(h)
    w = pool.w_att.tolist()
    for b in range(2):
        scores = [sum(h[b, t, i].item() * w[i] for i in range(6)) for t in range(4)]
        exps = [math.exp(s) for s in scores]
        ref_alpha = [e / sum(exps) for e in exps]
        ref_c = [sum(ref_alpha[t] * h[b, t, i].item() for t in range(4)) for i in range(6)]
        torch.testing.assert_close(alpha[b], torch.tensor(ref_alpha, dtype=torch.float64))
        torch.testing.assert_close(context[b], torch.tensor(ref_c, dtype=torch.float64))


def test_padding_mask_marks_pooled_frames_that_cover_any_audio() -> None:
    features = torch.randn(3, 3, 8, 8)
    features[0, :, 5:] = 0  # audio in frames 0-4: pooled frames 0, 1, 2 (frame 2 covers 4 and 5)
    features[1] = 0  # all padding: never cut by ssaser, kept whole rather than an empty softmax
    features[2, :, 2:4] = 0  # a silent gap inside the audio is padding too (e.g. a SpecAugment mask)
    valid = padding_frames_mask(features, frames=4)
    assert valid.tolist() == [[True, True, True, False], [True] * 4, [True, False, True, True]]


def test_masked_ssa_equals_the_reference_on_the_valid_frames_only() -> None:
    """Masked frames get no weight and the rest is eq. 3-7's softmax over the remaining scores."""
    torch.manual_seed(3)
    ssa = SelfSpeakerAttention(_config()).double()
    h_em, h_sp = torch.randn(2, 4, 6, dtype=torch.float64), torch.randn(2, 4, 6, dtype=torch.float64)
    valid = torch.tensor([[True, True, False, False], [True, True, True, True]])
    out, alpha_em, alpha_sp = ssa(h_em, h_sp, valid)
    assert (alpha_em[0, 2:] == 0).all() and (alpha_sp[0, 2:] == 0).all()
    torch.testing.assert_close(out[1], ssa(h_em[1:], h_sp[1:])[0][0])  # all valid: unchanged
    _, ref_alpha = _ssa_by_loops(ssa, h_em[0].tolist(), h_sp[0].tolist(), 4, True)
    kept = torch.tensor(ref_alpha, dtype=torch.float64)[[0, 1, 4, 5]]
    torch.testing.assert_close(torch.cat([alpha_em[0, :2], alpha_sp[0, :2]]), kept / kept.sum())


def test_masked_pooling_equals_pooling_of_the_valid_frames() -> None:
    torch.manual_seed(4)
    pool = SelfAttentionPooling(6).double()
    h = torch.randn(1, 4, 6, dtype=torch.float64)
    context, alpha = pool(h, torch.tensor([[True, False, True, False]]))
    ref_context, ref_alpha = pool(h[:, [0, 2]])
    torch.testing.assert_close(context, ref_context)
    torch.testing.assert_close(alpha[:, [0, 2]], ref_alpha)
    assert (alpha[:, [1, 3]] == 0).all()
