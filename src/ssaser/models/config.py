"""Model configuration: every size of the networks, and the named presets.

Three presets:

``paper``
    Exactly the sizes of Le Moine et al. (2021) / Chen et al. (2018): conv 3->128 then five
    conv 256 (six in all), 5x3 kernels, one 2x2 max-pool after the first conv, linear 768,
    BLSTM 128 per direction (``d = 256``), embeddings of 128, 3 s segments (300 frames,
    ``T = 150`` after the pool). About 28 GFLOP per segment per CRNN branch (see
    ``ssaser describe``): too heavy to train on a CPU.
``lite``
    The same structure (six convs, one pool, linear, BLSTM, SA / SSA, constrained classifier,
    ``T = 150``) with fewer maps and units so that a CPU can train it: conv 16 then 32 maps,
    a 2x4 pool (the extra frequency pooling halves every conv after the first), linear 256,
    BLSTM 64 per direction (``d = 128``), embeddings of 128. About 100x fewer FLOPs than
    ``paper`` (0.3 vs 28 GFLOP per branch and segment, figures from ``ssaser describe``); a
    training step at batch 40 took 0.23 s (``acrnn-r``) and 0.52 s (``ssa-crnn-r``) on 2 CPU
    threads. What it costs in accuracy has not been measured against the paper preset.
``tiny``
    A few maps and units, for tests: trains in seconds; not meant to recognise anything.

Conv blocks are conv -> BatchNorm -> LeakyReLU(0.01); Chen et al.'s ACRNN uses leaky ReLUs
and the paper does not say more; BatchNorm can be turned off with ``batch_norm=False``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from ssaser.errors import SsaserError

ATTENTION_SCALINGS = ("sqrt_T", "sqrt_d")
SSA_CONTEXTS = ("concat", "sum")
CONSTRAINED_EVAL_SCALES = ("row", "running")
CONSTRAINED_GAINS = ("none", "learned")
EMBEDDING_ACTIVATIONS = ("leaky_relu", "none")
#: The string options of ModelConfig and the values each accepts.
_CHOICES = {
    "attention_scaling": ATTENTION_SCALINGS,
    "ssa_context": SSA_CONTEXTS,
    "constrained_eval_scale": CONSTRAINED_EVAL_SCALES,
    "constrained_gain": CONSTRAINED_GAINS,
    "embedding_activation": EMBEDDING_ACTIVATIONS,
}


class ModelConfigError(SsaserError):
    """An unknown preset or system name, or a model configuration that does not hold together."""


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and options of the CRNN branches, attention layers and classifiers.

    Parameters
    ----------
    n_mels : int
        Mel bands of the input features (frequency axis).
    in_channels : int
        Input channels: static, delta, delta-delta.
    segment_frames : int
        Frames per input segment (300 = 3 s at a 10 ms hop). Fixed because SSA's query weights
        ``W_q`` have one entry per frame after the pool.
    conv_first_channels, conv_channels : int
        Feature maps of the first conv layer and of every later one.
    n_conv_layers : int
        Conv layers in all (the first included).
    kernel : tuple of int
        Conv kernel (time, frequency); padded "same".
    pool : tuple of int
        Max-pool (time, frequency) after the first conv.
    batch_norm : bool
        BatchNorm after each conv (before the LeakyReLU).
    leaky_slope : float
        Negative slope of the LeakyReLUs.
    linear_units : int
        Units of the linear layer between the convs and the BLSTM.
    lstm_hidden : int
        BLSTM units per direction; ``d = 2 * lstm_hidden``.
    embedding_dim : int
        Size of the emotion and speaker embeddings (``n_em``).
    attention_scaling : {"sqrt_T", "sqrt_d"}
        Divisor of SSA's cross scores: ``sqrt(T)`` as printed in the paper (default), or ``sqrt(d)``.
    ssa_context : {"concat", "sum"}
        SSA context: ``[c_self; c_speaker]`` in ``R^{2d}`` (default, see NOTES.md) or their sum
        in ``R^d``.
    lambda_speaker : float
        Weight of the speaker cross-entropy in the joint loss.
    constrained_eval_scale : {"row", "running"}
        Evaluation factor of the constrained classifier (eq. 8): ``N = 1`` per row (default,
        NOTES.md; logits bounded by ``1/C``, so near-flat posteriors) or the running mean of
        the training factor (posteriors on the training scale). Same argmax either way.
    constrained_gain : {"learned", "none"}
        ``"learned"`` (default): one learnt positive scalar multiplies the constrained logits
        (all columns keep one common L1 norm, the constraint against class collapse).
        ``"none"`` is eq. 8 exactly; it bounds every logit near ``1/(C n_em)``, the softmax
        stays flat and, measured on an EmoDB-2s split (lite, lr 1e-3), acrnn-r reached a
        best validation UAR of 33% in 30 epochs with it against 74% in 15 epochs with the
        learnt gain (README, Models). Not in the paper.
    embedding_activation : {"leaky_relu", "none"}
        After the embedding FC. The paper names no activation there; with ``"none"`` the
        embeddings of a balanced batch can cancel in ``||sum_i x_i||_1``, which is what lets
        eq. 8's logits grow past ``1/C`` in training.
    dropout : float
        Dropout after the linear layer and on the embeddings (training only).
    """

    n_mels: int = 40
    in_channels: int = 3
    segment_frames: int = 300
    conv_first_channels: int = 128
    conv_channels: int = 256
    n_conv_layers: int = 6
    kernel: tuple[int, int] = (5, 3)
    pool: tuple[int, int] = (2, 2)
    batch_norm: bool = True
    leaky_slope: float = 0.01
    linear_units: int = 768
    lstm_hidden: int = 128
    embedding_dim: int = 128
    attention_scaling: str = "sqrt_T"
    ssa_context: str = "concat"
    lambda_speaker: float = 1.0
    constrained_eval_scale: str = "row"
    constrained_gain: str = "learned"
    embedding_activation: str = "leaky_relu"
    dropout: float = 0.1

    def __post_init__(self) -> None:
        # JSON gives lists; keep tuples so that configs compare and hash equal.
        object.__setattr__(self, "kernel", tuple(int(v) for v in self.kernel))
        object.__setattr__(self, "pool", tuple(int(v) for v in self.pool))
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ModelConfigError(f"{name} must be one of {choices}, got {getattr(self, name)!r}")
        if len(self.kernel) != 2 or len(self.pool) != 2:
            raise ModelConfigError("kernel and pool must be (time, frequency) pairs")
        if self.n_conv_layers < 1:
            raise ModelConfigError("n_conv_layers must be at least 1")
        if self.frames_after_pool < 1 or self.mels_after_pool < 1:
            raise ModelConfigError(
                f"pool {self.pool} leaves no frames or bands of a {self.segment_frames} x {self.n_mels} segment"
            )

    @property
    def frames_after_pool(self) -> int:
        """``T``: time steps seen by the BLSTM and the attention layers."""
        return self.segment_frames // self.pool[0]

    @property
    def mels_after_pool(self) -> int:
        """Frequency bins left after the pool."""
        return self.n_mels // self.pool[1]

    @property
    def hidden_dim(self) -> int:
        """``d``: size of a BLSTM output frame (both directions)."""
        return 2 * self.lstm_hidden

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (tuples as lists)."""
        out = dataclasses.asdict(self)
        out["kernel"] = list(self.kernel)
        out["pool"] = list(self.pool)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ModelConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error (a file from another version)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ModelConfigError(f"unknown model config keys: {', '.join(unknown)}")
        return cls(**dict(data))

    def replace(self, **changes: Any) -> "ModelConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


PRESETS: dict[str, ModelConfig] = {
    "paper": ModelConfig(),
    "lite": ModelConfig(
        conv_first_channels=16,
        conv_channels=32,
        pool=(2, 4),
        linear_units=256,
        lstm_hidden=64,
        embedding_dim=128,
    ),
    "tiny": ModelConfig(
        conv_first_channels=4,
        conv_channels=8,
        pool=(2, 4),
        linear_units=32,
        lstm_hidden=16,
        embedding_dim=16,
        dropout=0.0,
    ),
}


def get_preset(name: str, **overrides: Any) -> ModelConfig:
    """The preset ``name`` (``paper``, ``lite``, ``tiny``), with optional field overrides.

    Raises
    ------
    ModelConfigError
        For an unknown preset name.
    """
    try:
        config = PRESETS[name]
    except KeyError:
        raise ModelConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
    return config.replace(**overrides) if overrides else config
