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
from ssaser.settings_checks import check_choice, check_fields, checked, from_mapping, unknown_keys

ATTENTION_SCALINGS = ("sqrt_T", "sqrt_d", "none")
SSA_CONTEXTS = ("concat", "sum")
CONSTRAINED_EVAL_SCALES = ("row", "running")
CONSTRAINED_GAINS = ("none", "learned")
EMBEDDING_ACTIVATIONS = ("leaky_relu", "none")
ATTENTION_MASKS = ("none", "padding")
#: Per-window normalisation of the emotion branch's input (ssaser.models.window_norm).
WINDOW_NORMS = ("none", "mean", "mean_std")
#: The speaker branch's classification layer (ssaser.models.classifier).
SPEAKER_HEADS = ("linear", "cosine")
#: The string options of ModelConfig and the values each accepts.
_CHOICES = {
    "attention_scaling": ATTENTION_SCALINGS,
    "ssa_context": SSA_CONTEXTS,
    "constrained_eval_scale": CONSTRAINED_EVAL_SCALES,
    "constrained_gain": CONSTRAINED_GAINS,
    "embedding_activation": EMBEDDING_ACTIVATIONS,
    "attention_mask": ATTENTION_MASKS,
    "window_norm": WINDOW_NORMS,
    "speaker_head": SPEAKER_HEADS,
}


#: Limits of :meth:`ModelConfig.cost` (the paper preset: about 12 M parameters, 28 GFLOP).
MAX_PARAMETERS = 200_000_000
MAX_GFLOP_PER_SEGMENT = 300.0


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
    attention_scaling : {"sqrt_T", "sqrt_d", "none"}
        Divisor of SSA's cross scores: ``sqrt(T)`` as printed in the paper (default), ``sqrt(d)``,
        or none. In a trained lite SSA-CRNN-r the cross scores spread over the frames with a
        standard deviation of 4.7 before the ``1/sqrt(150)`` and 0.38 after it, which leaves
        ``alpha_sp`` within 2 % of uniform (benchmarks/attention_spread.py, docs/models.md).
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
        learnt gain (docs/models.md). Not in the paper.
    embedding_activation : {"leaky_relu", "none"}
        After the embedding FC. The paper names no activation there; with ``"none"`` the
        embeddings of a balanced batch can cancel in ``||sum_i x_i||_1``, which is what lets
        eq. 8's logits grow past ``1/C`` in training.
    dropout : float
        Dropout after the linear layer and on the embeddings (training only).
    attention_mask : {"none", "padding"}
        ``"none"`` (default, the paper): every softmax (SA, and both halves of SSA's) spreads
        over all ``T`` frames, the zero padding of a short utterance's segment included.
        ``"padding"``: frames after the pool whose input frames are all padding (exactly 0 in
        every channel and band: the normalised mean, which real speech never gives exactly)
        get no weight. Not in the paper.
    window_norm : {"none", "mean", "mean_std"}
        ``"none"`` (default, the paper): the emotion branch sees the segment as normalised with
        the speaker's statistics (the global ones for a speaker absent from training).
        ``"mean"`` / ``"mean_std"``: it first subtracts the segment's own mean (and divides by
        its own std) per channel and band, over its audio frames
        (:mod:`ssaser.models.window_norm`): an unseen voice is then normalised at test the way
        every voice was in training, from the window alone. The speaker branch keeps the
        segment as it is. Not in the paper.
    window_norm_prior : float
        Frames of weight of the prior (mean 0, variance 1: the input is already normalised)
        that the window's statistics are shrunk toward; 0 = the window's alone.
    speaker_head : {"linear", "cosine"}
        The speaker branch's classifier: ``"linear"`` (the paper's softmax layer) or
        ``"cosine"``, additive-margin softmax (AM-softmax, as speaker verification trains
        embeddings that carry over to unseen voices): logits ``speaker_scale * cos(e, w_k)``, and
        in the loss the target's logit is lowered by ``speaker_scale * speaker_margin``. Not in
        the paper.
    speaker_scale, speaker_margin : float
        AM-softmax's ``s`` and ``m`` (``"cosine"`` only).
    """

    # Bounds: a model file is checked before any tensor is allocated from it (see cost()).
    n_mels: int = checked(40, kind=int, lo=1, hi=512)
    in_channels: int = checked(3, kind=int, lo=1, hi=3)
    segment_frames: int = checked(300, kind=int, lo=1, hi=6000)
    conv_first_channels: int = checked(128, kind=int, lo=1, hi=1024)
    conv_channels: int = checked(256, kind=int, lo=1, hi=1024)
    n_conv_layers: int = checked(6, kind=int, lo=1, hi=32)
    kernel: tuple[int, int] = checked((5, 3), kind=int, lo=1, hi=31, items=2)
    pool: tuple[int, int] = checked((2, 2), kind=int, lo=1, hi=64, items=2)
    batch_norm: bool = True
    leaky_slope: float = checked(0.01, kind=float, lo=0, hi=1)
    linear_units: int = checked(768, kind=int, lo=1, hi=8192)
    lstm_hidden: int = checked(128, kind=int, lo=1, hi=2048)
    embedding_dim: int = checked(128, kind=int, lo=1, hi=4096)
    attention_scaling: str = "sqrt_T"
    ssa_context: str = "concat"
    lambda_speaker: float = checked(1.0, kind=float, lo=0, hi=1000)
    constrained_eval_scale: str = "row"
    constrained_gain: str = "learned"
    embedding_activation: str = "leaky_relu"
    dropout: float = checked(0.1, kind=float, lo=0, hi=1, hi_open=True)
    attention_mask: str = "none"
    window_norm: str = "none"
    window_norm_prior: float = checked(20.0, kind=float, lo=0, hi=1e6)
    speaker_head: str = "linear"
    speaker_scale: float = checked(30.0, kind=float, lo=1, hi=100)
    speaker_margin: float = checked(0.2, kind=float, lo=0, hi=1)

    def __post_init__(self) -> None:
        check_fields(self, ModelConfigError)
        # JSON gives lists; keep tuples so that configs compare and hash equal.
        object.__setattr__(self, "kernel", tuple(self.kernel))
        object.__setattr__(self, "pool", tuple(self.pool))
        if not isinstance(self.batch_norm, bool):
            raise ModelConfigError(f"batch_norm must be true or false, got {self.batch_norm!r}")
        for name, choices in _CHOICES.items():
            check_choice(name, getattr(self, name), choices, ModelConfigError)
        if self.frames_after_pool < 1 or self.mels_after_pool < 1:
            raise ModelConfigError(
                f"pool {self.pool} leaves no frames or bands of a {self.segment_frames} x {self.n_mels} segment"
            )
        parameters, gflop = self.cost()
        if parameters > MAX_PARAMETERS or gflop > MAX_GFLOP_PER_SEGMENT:
            raise ModelConfigError(
                f"model too large: about {parameters / 1e6:.0f} M parameters and {gflop:.0f} GFLOP per segment "
                f"and branch (limits {MAX_PARAMETERS / 1e6:.0f} M, {MAX_GFLOP_PER_SEGMENT:g} GFLOP)"
            )

    def cost(self) -> tuple[int, float]:
        """Estimated parameters and GFLOP per segment of one CRNN branch, from the sizes alone.

        Convolutions, the linear layer and the BLSTM (2 FLOPs per multiply-add), which is where
        nearly all of the work is (``ssaser describe`` counts it exactly on a built model);
        computed without building anything, so that a file asking for a huge network is
        refused before any allocation.
        """
        k = self.kernel[0] * self.kernel[1]
        t0, m0 = self.segment_frames, self.n_mels
        t1, m1 = self.frames_after_pool, self.mels_after_pool
        c1, c = self.conv_first_channels, self.conv_channels
        later = self.n_conv_layers - 1
        last = c if later else c1
        h, units = self.lstm_hidden, self.linear_units
        lstm = 2 * 4 * h * (units + h + 2)
        params = (k * self.in_channels * c1 + k * c1 * c + max(0, later - 1) * k * c * c
                  + last * m1 * units + lstm + 4 * (2 * h) ** 2)
        flops = 2 * (k * self.in_channels * c1 * t0 * m0
                     + (k * c * t1 * m1 * (c1 + c * (later - 1)) if later else 0)
                     + last * m1 * units * t1) + 2 * 4 * h * (units + h) * t1 * 2
        return int(params), flops / 1e9

    @property
    def frames_after_pool(self) -> int:
        """``T``: time steps seen by the BLSTM and the attention layers."""
        return self.segment_frames // self.pool[0]

    @property
    def mels_after_pool(self) -> int:
        """Frequency bins left after the pool."""
        return self.n_mels // self.pool[1]

    @property
    def speaker_logit_margin(self) -> float:
        """What the loss subtracts from the target speaker's logit (0 for the linear head)."""
        return self.speaker_scale * self.speaker_margin if self.speaker_head == "cosine" else 0.0

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
        """Inverse of :meth:`to_dict`; unknown keys, wrong types and sizes out of range are a
        :class:`ModelConfigError` (a file from another version, or a hostile one)."""
        return from_mapping(cls, data, ModelConfigError, "model_config")

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
    unknown = unknown_keys(ModelConfig, overrides)
    if unknown:
        known = ", ".join(f.name for f in dataclasses.fields(ModelConfig))
        raise ModelConfigError(f"unknown model_options key(s): {', '.join(unknown)} (known: {known})")
    return config.replace(**overrides) if overrides else config
