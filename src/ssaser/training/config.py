"""Training configuration: the YAML files of ``ssaser/configs`` plus command-line overrides.

A configuration is a flat mapping of the :class:`TrainConfig` fields; ``model_options`` holds
overrides of the :class:`ssaser.models.config.ModelConfig` preset and ``feature_options``
overrides of the :class:`ssaser.features.FeatureConfig`. Any key can be changed on the command
line with ``--set key=value`` (the value is read as YAML, so ``3e-4``, ``true``, ``[0.9, 0.99]``
work; dotted keys reach into the two option mappings: ``--set model_options.dropout=0.2``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ssaser.settings_checks import check_choice, check_fields, check_speed, checked, from_mapping
from ssaser.training.config_files import (  # noqa: F401  (re-exported: the configuration's public API)
    ConfigError, merge, packaged_config_names, packaged_config_path, parse_overrides, read_yaml, resolve_config,
)


#: How a speaker absent from training is normalised (TrainConfig.unseen_speaker_norm).
UNSEEN_SPEAKER_NORMS: tuple[str, ...] = ("global", "self")
#: How the training speakers are normalised (TrainConfig.training_norm).
TRAINING_NORMS: tuple[str, ...] = ("speaker", "global")
#: Learning-rate schedules over the training steps (TrainConfig.lr_schedule).
LR_SCHEDULES: tuple[str, ...] = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides how one system is trained on one fold.

    Parameters
    ----------
    model : str
        System name: ``acrnn``, ``acrnn-r`` or ``ssa-crnn-r``.
    preset : str
        Model size preset: ``paper``, ``lite`` or ``tiny``.
    frontend : str
        Input representation (:mod:`ssaser.features.frontends`; ``logmel3d``, the paper's).
    model_options, feature_options : dict
        Field overrides of the preset's ModelConfig / of the front end's settings. Quantities
        both need (mel bands, segment frames) are stated once, in ``feature_options``
        (:func:`ssaser.models.spec.resolve_model_spec`).
    augment : list of dict
        Training augmentations in order, each ``{"name": ..., **options}``
        (:mod:`ssaser.training.augment`); empty: none.
    speed_perturb : list of float
        Extra speed factors of the training audio (e.g. ``[0.9, 1.1]``; features cached per
        factor, :func:`ssaser.training.fold_sets.build_fold_sets`); empty: none.
    epochs : int
        Maximum epochs.
    batch_size : int
        Segments per emotion-balanced batch (40 in the paper).
    batches_per_epoch : int or None
        Batches per epoch (over all ranks); None: ``ceil(training segments / batch_size)``.
    lr, betas, weight_decay : float, list of float, float
        NAdam settings (paper: lr 1e-4, beta1 0.9).
    lr_schedule : {"constant", "cosine"}
        Learning rate over the steps of ``epochs``: constant (the paper) or a cosine decay from
        ``lr`` to 0 (after the warm-up).
    warmup_epochs : float
        Linear warm-up from 0 to ``lr`` over this many epochs' steps; 0 = none.
    label_smoothing : float
        Label smoothing of the emotion cross-entropy (the speaker term is left sharp); 0 = none.
    mixup_alpha : float
        Mixup of the training batches (:mod:`ssaser.training.mixup`): each batch is blended with
        a shuffled copy of itself with a weight ``lam ~ Beta(alpha, alpha)`` and the loss blends
        both targets the same way (the speaker term too); 0 = off. Not in the paper.
    speaker_adversary : float
        Weight of a speaker adversary on the emotion embedding (:mod:`ssaser.training.adversary`):
        a classifier of the training speakers behind a gradient reversal that scales the gradient
        reaching the emotion branch by ``-speaker_adversary`` (ramped up from 0 over training, as
        in domain-adversarial training), pushing it towards features that do not identify the
        voice; training only (the saved model is unchanged); 0 = off. Not in the paper.
    ema_decay : float
        Weight averaging: validation, selection and the saved model use an exponential moving
        average of the weights (Lightning's ``EMAWeightAveraging``, updated every step with this
        decay; its horizon is about ``1 / (1 - decay)`` steps); 0 = off.
    patience : int
        Early stopping after this many epochs without a better validation UAR; 0 = off.
    seed : int
        Seed of weights, batches and dropout (a run is reproducible from it).
    bf16 : bool
        bf16 autocast (``precision="bf16-mixed"``) where the hardware supports it.
    segment_hop : int or None
        Hop in frames between training/evaluation segments; None = segment length (no overlap).
    val_fraction : float
        ``ssaser train`` only: share of utterances held out (stratified by emotion and
        speaker) for best-epoch selection; 0 keeps the last epoch.
    num_workers : int
        DataLoader workers (the segments are in memory; 0 is usually fastest).
    unseen_speaker_norm : {"global", "self"}
        How a speaker absent from the training part is normalised in validation and test:
        ``global``, the training part's pooled statistics (no audio of that speaker is used);
        ``self``, statistics fitted on that speaker's own unlabelled utterances in the part being
        scored (transductive, as ``ssaser enroll`` does at inference).
    training_norm : {"speaker", "global"}
        ``speaker`` (the paper): each training speaker is normalised with its own statistics;
        ``global``: every utterance, training ones included, with the training part's pooled
        statistics, so that training sees voices as an unseen one is seen at test (the model
        then stores the global statistics only). Not in the paper.
    min_train_segment_frames : int
        Training segments after an utterance's first that hold fewer frames of audio than this
        (the rest is zero padding) are left out; 0 (the paper) keeps them all. Validation, test and
        inference keep every segment. On RAVDESS (3.7 s utterances) the second segment of a file
        holds a median 65 frames of audio (mostly its trailing silence) and 235 of padding; 100
        there cost 6 points of test UAR on the EmoBox folds with ``--config fast``
        (results/ravdess_emobox_lite_fast/). Not in the paper.
    """

    model: str = "ssa-crnn-r"
    preset: str = "lite"
    frontend: str = "logmel3d"
    model_options: dict = field(default_factory=dict)
    feature_options: dict = field(default_factory=dict)
    augment: list = field(default_factory=list)
    speed_perturb: list = field(default_factory=list)
    epochs: int = checked(30, kind=int, lo=1, hi=100_000)
    batch_size: int = checked(40, kind=int, lo=1, hi=100_000)
    batches_per_epoch: int | None = checked(None, kind=int, lo=1, hi=10_000_000, optional=True)
    lr: float = checked(1e-4, kind=float, lo=0, hi=10, lo_open=True)
    betas: tuple[float, float] = checked((0.9, 0.999), kind=float, lo=0, hi=1, hi_open=True, items=2)
    weight_decay: float = checked(0.0, kind=float, lo=0, hi=10)
    lr_schedule: str = "constant"
    warmup_epochs: float = checked(0.0, kind=float, lo=0, hi=100_000)
    label_smoothing: float = checked(0.0, kind=float, lo=0, hi=1, hi_open=True)
    mixup_alpha: float = checked(0.0, kind=float, lo=0, hi=100)
    speaker_adversary: float = checked(0.0, kind=float, lo=0, hi=100)
    ema_decay: float = checked(0.0, kind=float, lo=0, hi=1, hi_open=True)
    patience: int = checked(0, kind=int, lo=0, hi=100_000)
    seed: int = checked(0, kind=int, lo=0, hi=2**32 - 1)
    bf16: bool = False
    segment_hop: int | None = checked(None, kind=int, lo=1, hi=6000, optional=True)
    val_fraction: float = checked(0.2, kind=float, lo=0, hi=1, hi_open=True)
    num_workers: int = checked(0, kind=int, lo=0, hi=256)
    unseen_speaker_norm: str = "global"
    training_norm: str = "speaker"
    min_train_segment_frames: int = checked(0, kind=int, lo=0, hi=100_000)

    def __post_init__(self) -> None:
        check_fields(self, ConfigError)
        check_choice("unseen_speaker_norm", self.unseen_speaker_norm, UNSEEN_SPEAKER_NORMS, ConfigError)
        check_choice("training_norm", self.training_norm, TRAINING_NORMS, ConfigError)
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES, ConfigError)
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        if not isinstance(self.speed_perturb, list):
            raise ConfigError(f"speed_perturb must be a list of speed factors, got {self.speed_perturb!r}")
        try:
            factors = [check_speed(f) for f in self.speed_perturb]
        except ValueError as exc:
            raise ConfigError(f"speed_perturb: {exc}") from None
        if 1.0 in factors or len(set(factors)) != len(factors):
            raise ConfigError(f"speed_perturb lists extra factors, each once and not 1 (the audio itself "
                              f"is always used): got {self.speed_perturb!r}")
        object.__setattr__(self, "speed_perturb", factors)
        if not isinstance(self.augment, list) or not all(isinstance(a, dict) and "name" in a for a in self.augment):
            raise ConfigError(f"augment must be a list of mappings with a 'name' each, got {self.augment!r}")
        for name in ("model", "preset", "frontend"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"{name} must be a name, got {getattr(self, name)!r}")
        for name in ("model_options", "feature_options"):
            if not isinstance(getattr(self, name), dict):
                raise ConfigError(f"{name} must be a mapping of keys to values, got {getattr(self, name)!r}")
        if not isinstance(self.bf16, bool):
            raise ConfigError(f"bf16 must be true or false, got {self.bf16!r}")

    def check_augmentations(self) -> None:
        """Build the ``augment`` entries once: an unknown name fails before any feature is computed."""
        from ssaser.training.augment import build_augmentations

        build_augmentations(self.augment)

    def model_spec(self):
        """The resolved front-end and network settings (:func:`ssaser.models.spec.resolve_model_spec`):
        validated, each shared quantity stated once, before any feature is computed."""
        from ssaser.models.spec import resolve_model_spec

        return resolve_model_spec(self.model, self.preset, self.model_options, self.feature_options, self.frontend)

    def to_dict(self) -> dict[str, Any]:
        """JSON/YAML-able dict."""
        out = dataclasses.asdict(self)
        out["betas"] = list(self.betas)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainConfig":
        """Build from a mapping; unknown keys are an error so that typos do not pass silently."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"a configuration must be a mapping of keys to values, got {type(data).__name__}")
        data = dict(data)
        for key, kind in _NUMERIC.items():
            # YAML 1.1 reads "3e-4" (no dot) as a string: convert numbers by the field's type.
            if isinstance(data.get(key), str):
                try:
                    data[key] = kind(data[key])
                except ValueError:
                    raise ConfigError(f"{key} must be a number, got {data[key]!r}") from None
        return from_mapping(cls, data, ConfigError, "configuration")


_NUMERIC = {"epochs": int, "batch_size": int, "batches_per_epoch": int, "lr": float, "weight_decay": float,
            "warmup_epochs": float, "label_smoothing": float, "mixup_alpha": float, "speaker_adversary": float,
            "ema_decay": float,
            "patience": int, "seed": int, "segment_hop": int, "val_fraction": float, "num_workers": int}


def load_config(
    model: str | None = None,
    config_path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> TrainConfig:
    """The configuration of one system: file, then overrides.

    Parameters
    ----------
    model : str, optional
        System name; its packaged YAML is the base unless ``config_path`` is given.
    config_path : str or Path, optional
        A YAML file, or a packaged configuration's name (``paper``), to use as the base instead.
    overrides : mapping, optional
        Keys to change (from command-line flags and ``--set``); ``model`` is forced to
        ``model`` when both are given.
    """
    if config_path is not None:
        data = read_yaml(resolve_config(config_path))
    elif model is not None:
        data = read_yaml(packaged_config_path(model))
    else:
        data = {}
    data = merge(data, overrides or {})
    if model is not None:
        data["model"] = model
    return TrainConfig.from_dict(data)
