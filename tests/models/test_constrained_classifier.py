"""The class-collapse constraint (eq. 8): every class column has L1 norm N / (C ||sum_i x_i||_1)."""

from __future__ import annotations

import pytest
import torch

from ssaser.models.classifier import ConstrainedLinear


@pytest.mark.parametrize("seed", range(5))
def test_l1_constraint_holds_in_training(seed: int) -> None:
    torch.manual_seed(seed)
    n, n_em, classes = 1 + 7 * seed, 16, 4
    layer = ConstrainedLinear(n_em, classes).double().train()
    x = torch.randn(n, n_em, dtype=torch.float64) * (seed + 1)
    weight = layer.effective_weight(x)[0]  # (C, n_em)
    target = n / (classes * x.sum(dim=0).abs().sum())
    torch.testing.assert_close(weight.abs().sum(dim=1), target.expand(classes), rtol=1e-12, atol=0)
    torch.testing.assert_close(layer(x), x @ weight.t(), rtol=1e-12, atol=1e-12)


def test_l1_constraint_float32_precision() -> None:
    torch.manual_seed(7)
    layer = ConstrainedLinear(128, 7).train()
    x = torch.rand(40, 128)
    norms = layer.effective_weight(x)[0].abs().sum(dim=1)
    target = 40 / (7 * x.sum(dim=0).abs().sum())
    assert torch.allclose(norms, target.expand(7), rtol=1e-5, atol=0)


def test_eval_uses_one_row_at_a_time() -> None:
    torch.manual_seed(3)
    layer = ConstrainedLinear(8, 3).eval()
    x = torch.randn(6, 8)
    batch_logits = layer(x)
    single = torch.cat([layer(x[i : i + 1]) for i in range(6)])
    torch.testing.assert_close(batch_logits, single)
    weights = layer.effective_weight(x)  # (batch, C, n_em)
    torch.testing.assert_close(weights.abs().sum(dim=2), (1 / (3 * x.abs().sum(dim=1, keepdim=True))).expand(6, 3))
    # Same argmax as the training-mode (batch) formula: the factor is common to all classes.
    layer.train()
    assert torch.equal(layer(x).argmax(dim=1), batch_logits.argmax(dim=1))


def test_gradients_flow_through_the_normalisation() -> None:
    torch.manual_seed(4)
    layer = ConstrainedLinear(8, 3).train()
    x = torch.randn(5, 8, requires_grad=True)
    layer(x).logsumexp(dim=1).sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    assert x.grad is not None and x.grad.abs().sum() > 0
    # Scaling a column of V changes nothing: only its direction is a free parameter.
    with torch.no_grad():
        before = layer(x)
        layer.weight[1] *= 5.0
        torch.testing.assert_close(layer(x), before)


def test_running_eval_scale_tracks_training_factor_and_keeps_argmax():
    torch.manual_seed(3)
    layer = ConstrainedLinear(8, 4, eval_scale="running")
    batches = [torch.randn(10, 8) + 0.5 for _ in range(30)]
    layer.train()
    factors = []
    for x in batches:
        layer(x)
        factors.append(float(layer.column_scale(x)))
    assert int(layer.batches_tracked) == 60  # forward + the explicit call above
    # The running factor lies within the range of the training factors it averaged.
    assert min(factors) - 1e-6 <= float(layer.running_scale) <= max(factors) + 1e-6
    layer.eval()
    x = torch.randn(5, 8) + 0.5
    running = layer(x)
    # Each row's logits do not depend on the other rows...
    assert torch.allclose(layer(x[:2]), running[:2], atol=1e-6)
    # ... the argmax is the one of the per-row factor ...
    layer.eval_scale = "row"
    assert torch.equal(layer(x).argmax(1), running.argmax(1))
    # ... and the scores are on the training scale, sharper than per-row's near-flat ones.
    spread_row = (layer(x).softmax(1).max(1).values - 0.25).mean()
    spread_running = (running.softmax(1).max(1).values - 0.25).mean()
    assert spread_running > spread_row


def test_row_eval_logits_are_bounded_by_one_over_c():
    torch.manual_seed(4)
    layer = ConstrainedLinear(16, 5).eval()
    logits = layer(torch.randn(64, 16) * 10)
    assert logits.abs().max() <= 1 / 5 + 1e-6


def test_unknown_eval_scale_is_rejected():
    with pytest.raises(ValueError):
        ConstrainedLinear(4, 2, eval_scale="batch")


def test_learned_gain_keeps_equal_column_norms_and_scales_logits():
    torch.manual_seed(5)
    plain = ConstrainedLinear(32, 4).train()
    gained = ConstrainedLinear(32, 4, gain="learned").train()
    gained.weight.data.copy_(plain.weight.data)
    x = torch.randn(12, 32).abs()
    ratio = gained(x) / plain(x)
    # One common positive factor for every class and row: the constraint's shape is kept.
    torch.testing.assert_close(ratio, torch.full_like(ratio, float(gained.log_gain.detach().exp())), rtol=1e-5, atol=0)
    assert float(gained.log_gain.detach().exp()) == pytest.approx(4 * 32)
    # The gain is trained: the loss moves it.
    loss = torch.nn.functional.cross_entropy(gained(x), torch.arange(12) % 4)
    loss.backward()
    assert gained.log_gain.grad is not None and float(gained.log_gain.grad) != 0.0


def test_unknown_gain_is_rejected():
    with pytest.raises(ValueError):
        ConstrainedLinear(4, 2, gain="big")


def test_running_scale_starts_at_the_first_batch_then_moves_by_momentum():
    layer = ConstrainedLinear(8, 3, eval_scale="running").train()
    gen = torch.Generator().manual_seed(0)
    expected = None
    for _ in range(3):
        x = torch.rand(5, 8, generator=gen, dtype=torch.float64)
        layer(x.float())
        factor = x.shape[0] / (3 * x.sum(0).abs().sum().item())
        expected = factor if expected is None else expected + layer.momentum * (factor - expected)
        assert float(layer.running_scale) == pytest.approx(expected, rel=1e-5)
