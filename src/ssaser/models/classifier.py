"""Classification layers: plain linear, and the class-collapse constrained layer (eq. 8)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: Evaluation-mode factors of :class:`ConstrainedLinear`.
EVAL_SCALES = ("row", "running")
#: Optional common gain of :class:`ConstrainedLinear`'s logits.
GAINS = ("none", "learned")

#: Guards the L1 norms against division by zero (an all-zero embedding or weight column).
_EPS = 1e-12


class ConstrainedLinear(nn.Module):
    """Linear layer whose class columns share one L1 norm (eq. 8, the "-r" regularisation).

    A re-parametrisation in the forward pass, no bias: with free weights ``V (C, n_em)``,

    ``W^c = V^c / ||V^c||_1 * N / (C * ||sum_i x_i||_1)``

    for a batch ``x_1..x_N``; gradients flow through the normalisation. In training mode the
    batch formula is used; in evaluation mode ``N = 1`` per row (``||x_i||_1`` of the row
    itself) so that a prediction never depends on the other rows of its batch. The factor is
    common to all classes, so the argmax is the same either way.

    Per row, ``N = 1`` bounds every logit by ``1/C`` (Hoelder), so its softmax is nearly flat:
    the argmax is right but the scores say little. ``eval_scale="running"`` instead applies,
    in evaluation, a running mean of the training batches' factor ``N / (C ||sum_i x_i||_1)``
    (like BatchNorm's running statistics): still independent of the other rows, same argmax,
    and posteriors on the scale the model was trained at.

    Parameters
    ----------
    in_features : int
        ``n_em``, the embedding size.
    n_classes : int
        ``C``.
    eval_scale : {"row", "running"}
        Factor used in evaluation mode: ``N = 1`` per row (default, NOTES.md) or the running
        mean of the training factor.
    momentum : float
        Weight of the newest batch in the running factor.
    gain : {"none", "learned"}
        ``"learned"`` multiplies every logit by one learnt positive scalar ``g`` (initialised
        to ``C * n_em``: the bound ``||x||_inf / ||x||_1`` of ``x . W^c / ||x||_1`` is about
        ``1/n_em`` for a dense embedding, so eq. 8's logits start near ``1/(C n_em)``), i.e. ``||W^c||_1 = g N / (C ||sum_i x_i||_1)``: the columns still share
        one L1 norm (the constraint against class collapse), but the softmax can leave the
        near-uniform regime that the paper's bound of ``1/C`` per logit imposes. Not in the
        paper; ``"none"`` (default) is eq. 8 exactly.
    """

    def __init__(
        self, in_features: int, n_classes: int, eval_scale: str = "row", momentum: float = 0.05, gain: str = "none"
    ) -> None:
        super().__init__()
        if eval_scale not in EVAL_SCALES:
            raise ValueError(f"eval_scale must be one of {EVAL_SCALES}, got {eval_scale!r}")
        if gain not in GAINS:
            raise ValueError(f"gain must be one of {GAINS}, got {gain!r}")
        self.n_classes = n_classes
        self.eval_scale = eval_scale
        self.momentum = momentum
        self.weight = nn.Parameter(torch.empty(n_classes, in_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # nn.Linear's default init
        # Kept in both modes so that model files load whichever eval_scale they were saved with.
        self.register_buffer("running_scale", torch.tensor(1.0 / n_classes))
        self.register_buffer("batches_tracked", torch.tensor(0, dtype=torch.long))
        self.log_gain = nn.Parameter(torch.tensor(math.log(n_classes * in_features))) if gain == "learned" else None

    def column_scale(self, x: torch.Tensor) -> torch.Tensor:
        """Target L1 norm of every class column: ``(1, 1)`` in training, ``(batch, 1)`` in eval.

        Parameters
        ----------
        x : torch.Tensor
            ``(batch, n_em)`` inputs.
        """
        if self.training:
            total = x.sum(dim=0).abs().sum().clamp_min(_EPS)
            scale = (x.shape[0] / (self.n_classes * total)).reshape(1, 1)
            self._track(scale)
            return scale
        if self.eval_scale == "running":
            return self.running_scale.to(x.dtype).reshape(1, 1)
        return 1.0 / (self.n_classes * x.abs().sum(dim=1, keepdim=True).clamp_min(_EPS))

    @torch.no_grad()
    def _track(self, scale: torch.Tensor) -> None:
        value = scale.detach().reshape(()).to(self.running_scale.dtype)
        # The first batch sets the value (lerp weight 1 returns it exactly). No Python branch on
        # the counter: int() of a GPU tensor would wait for the device every step, and breaks
        # torch.compile's graph.
        first = (self.batches_tracked == 0).to(value.dtype)
        self.running_scale.lerp_(value, first + (1 - first) * self.momentum)
        self.batches_tracked += 1

    def unit_weight(self) -> torch.Tensor:
        """``V^c / ||V^c||_1`` for every class, ``(C, n_em)``."""
        return self.weight / self.weight.abs().sum(dim=1, keepdim=True).clamp_min(_EPS)

    def effective_weight(self, x: torch.Tensor) -> torch.Tensor:
        """The weights ``W`` applied to the batch ``x``: ``(1, C, n_em)`` in training mode (one
        matrix for the batch), ``(batch, C, n_em)`` in evaluation mode (one per row)."""
        return self.unit_weight().unsqueeze(0) * self.column_scale(x).unsqueeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, C)`` for ``x (batch, n_em)``."""
        logits = (x @ self.unit_weight().t()) * self.column_scale(x)
        return logits if self.log_gain is None else logits * self.log_gain.exp()


class CosineLinear(nn.Module):
    """``scale * cos(x, w_k)`` per class ``k``: the head of AM-softmax (``speaker_head="cosine"``).

    Embeddings and class weights are both L2-normalised, so a logit lies in ``[-scale, scale]``
    and classes differ by direction only; the margin belongs to the loss
    (:func:`ssaser.models.systems.system_loss`), since it needs the target.

    Parameters
    ----------
    in_features, n_classes : int
        ``n_em`` and ``C``.
    scale : float
        ``s``: the logits' bound.
    """

    def __init__(self, in_features: int, n_classes: int, scale: float) -> None:
        super().__init__()
        self.scale = float(scale)
        self.weight = nn.Parameter(torch.empty(n_classes, in_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (batch, n_em)`` -> logits ``(batch, C)``."""
        cosine = F.normalize(x, dim=-1) @ F.normalize(self.weight, dim=-1).t()
        return self.scale * cosine


def make_classifier(
    in_features: int, n_classes: int, constrained: bool, eval_scale: str = "row", gain: str = "none"
) -> nn.Module:
    """The constrained layer (``-r`` systems) or a plain ``nn.Linear`` with bias (ACRNN)."""
    if constrained:
        return ConstrainedLinear(in_features, n_classes, eval_scale=eval_scale, gain=gain)
    return nn.Linear(in_features, n_classes)
