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
