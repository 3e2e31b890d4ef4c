"""The LightningModule around a system of :mod:`ssaser.models`.

Training: the joint loss of :func:`ssaser.models.system_loss` on emotion-balanced batches,
NAdam, with an optional per-step warm-up and cosine decay of the learning rate. Validation:
segment posteriors are averaged per utterance and ``val_uar`` (balanced accuracy), ``val_wa``
and ``val_f1`` are logged once per epoch; the best-UAR checkpoint is what a fold keeps.

Reproducibility across interruptions: the global torch generator (dropout) is reseeded from
``(seed, epoch, rank)`` at the start of every epoch, and the per-epoch history travels inside
the checkpoints, so a run resumed from ``last.ckpt`` continues exactly like an uninterrupted one.
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import numpy as np
import torch
import torch.nn.functional as F

from ssaser.evaluation.metrics import aggregate_utterances, classification_metrics
from ssaser.models.config import ModelConfig
from ssaser.models.spec import ModelSpec
from ssaser.models.systems import build_system, system_loss
from ssaser.training.adversary import SpeakerAdversary
from ssaser.training.augment import apply_augmentations, build_augmentations, step_generator
from ssaser.training.config import TrainConfig
from ssaser.training.mixup import mix_batch


class SerLightningModule(L.LightningModule):
    """Train and validate one system.

    Parameters
    ----------
    system_name : str
        ``acrnn``, ``acrnn-r`` or ``ssa-crnn-r``.
    model_config : dict
        ``ModelConfig.to_dict()`` of the network sizes.
    n_emotions, n_speakers : int
        Emotion classes; training speakers (the speaker branch's classes).
    lr, betas, weight_decay : float, sequence of float, float
        NAdam settings.
    seed : int
        Base of the per-epoch dropout seeds and of the augmentations' per-step generators.
    augment : list of dict, optional
        The configuration's ``augment`` entries (:mod:`ssaser.training.augment`), applied to the
        training batches only.
    lr_schedule, warmup_epochs, label_smoothing, mixup_alpha, speaker_adversary : str, float, float, float, float
        As in :class:`ssaser.training.config.TrainConfig`.
    """

    def __init__(
        self,
        system_name: str,
        model_config: dict,
        n_emotions: int,
        n_speakers: int,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.999),
        weight_decay: float = 0.0,
        seed: int = 0,
        augment: list | None = None,
        lr_schedule: str = "constant",
        warmup_epochs: float = 0.0,
        label_smoothing: float = 0.0,
        mixup_alpha: float = 0.0,
        speaker_adversary: float = 0.0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.config = ModelConfig.from_dict(model_config)
        self.system = build_system(system_name, self.config, n_emotions, n_speakers)
        self.augmentations = build_augmentations(augment or [])
        # Built after the system, so the system's initial weights do not depend on it.
        self.adversary = (SpeakerAdversary(self.config.embedding_dim, n_speakers, speaker_adversary)
                          if speaker_adversary else None)
        self.history: list[dict[str, Any]] = []
        self._loss_sum = 0.0
        self._loss_count = 0
        self._val_probs: list[torch.Tensor] = []
        self._val_utt: list[torch.Tensor] = []
        self._val_emo: list[torch.Tensor] = []
        self._total_steps: int | None = None  # set with the optimiser; None: the adversary at full strength

    def forward(self, features: torch.Tensor):
        """``features (batch, 3, 300, 40)`` -> :class:`ssaser.models.SystemOutput`."""
        return self.system(features)

    def configure_optimizers(self) -> dict[str, Any]:
        h = self.hparams
        optimizer = torch.optim.NAdam(self.parameters(), lr=h.lr, betas=tuple(h.betas), weight_decay=h.weight_decay)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        self._total_steps = total
        warmup = round(h.warmup_epochs * total / max(1, self.trainer.max_epochs))
        factor = lr_factor(h.lr_schedule, warmup, total)
        # Stepped per batch; its state (the step count) travels in the checkpoints, so a resumed
        # run continues on the same curve.
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def on_train_epoch_start(self) -> None:
        # Dropout masks depend on (seed, epoch, rank) only, not on what ran before.
        torch.manual_seed(int(self.hparams.seed) * 1_000_003 + self.current_epoch * 7_919 + self.global_rank)
        self._loss_sum, self._loss_count = 0.0, 0

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        features, emotion, speaker, _ = batch
        h = self.hparams
        if self.augmentations or h.mixup_alpha:
            generator = step_generator(h.seed, self.current_epoch, batch_idx, self.global_rank)
            features = apply_augmentations(self.augmentations, features, emotion, generator)
        if h.mixup_alpha:
            mixed = mix_batch(features, h.mixup_alpha, generator)
            output = self.system(mixed.features)
            loss = (mixed.lam * self._loss(output, emotion, speaker)
                    + (1.0 - mixed.lam) * self._loss(output, emotion[mixed.partner], speaker[mixed.partner]))
        else:
            loss = self._loss(self.system(features), emotion, speaker)
        self._loss_sum += float(loss.detach())
        self._loss_count += 1
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True, batch_size=features.shape[0])
        return loss

    def _loss(self, output, emotion: torch.Tensor, speaker: torch.Tensor) -> torch.Tensor:
        loss = system_loss(output, emotion, speaker if output.speaker_logits is not None else None,
                           self.config.lambda_speaker, label_smoothing=self.hparams.label_smoothing,
                           speaker_margin=self.config.speaker_logit_margin)
        if self.adversary is not None:
            # global_step is restored on resume: the reversal's ramp continues where it was.
            progress = self.global_step / self._total_steps if self._total_steps else 1.0
            adversary_loss = F.cross_entropy(self.adversary(output.emotion_embedding, progress), speaker)
            # Near log(n_speakers) when the embedding no longer tells the speakers apart (under
            # mixup: the mean over both targets).
            self.log("adversary_loss", adversary_loss, on_step=False, on_epoch=True, batch_size=speaker.shape[0])
            self.log("adversary_reversal", self.adversary.reversal_scale(progress), on_step=True, on_epoch=False)
            loss = loss + adversary_loss
        return loss

    def on_validation_epoch_start(self) -> None:
        self._val_probs, self._val_utt, self._val_emo = [], [], []

    def validation_step(self, batch, batch_idx: int) -> None:
        features, emotion, _, utterance = batch
        # Float32 whatever the training precision: the epoch is selected on the very figure that
        # the float32 rescoring of the selected model (fit.score_set) reports, not a bf16 neighbour.
        with torch.autocast(device_type=features.device.type, enabled=False):
            output = self.system(features.float())
        self._val_probs.append(torch.softmax(output.emotion_logits.float(), dim=-1).cpu())
        self._val_utt.append(utterance.cpu())
        self._val_emo.append(emotion.cpu())

    def on_validation_epoch_end(self) -> None:
        if not self._val_probs or self.trainer.sanity_checking:
            return
        probs = torch.cat(self._val_probs).numpy()
        utt = torch.cat(self._val_utt).numpy()
        emo = torch.cat(self._val_emo).numpy()
        n_utt = int(utt.max()) + 1
        truth = np.zeros(n_utt, dtype=np.int64)
        truth[utt] = emo  # every segment of an utterance carries its label
        pred = aggregate_utterances(probs, utt, n_utt).argmax(axis=1)
        m = classification_metrics(truth, pred, int(self.hparams.n_emotions))
        # Every rank scores the whole validation set: identical values, so no sync is needed.
        self.log_dict({"val_uar": m["uar"], "val_wa": m["wa"], "val_f1": m["macro_f1"]}, prog_bar=True,
                      rank_zero_only=False, sync_dist=False)
        train_loss = self._loss_sum / self._loss_count if self._loss_count else None
        self.history.append({"epoch": self.current_epoch, "train_loss": train_loss,
                             "val_uar": m["uar"], "val_wa": m["wa"], "val_f1": m["macro_f1"]})

    def on_train_epoch_end(self) -> None:
        # Without a validation set the history still gets its training loss (before the
        # checkpoint callbacks, which Lightning runs after this hook).
        if not self.history or self.history[-1]["epoch"] != self.current_epoch:
            loss = self._loss_sum / self._loss_count if self._loss_count else None
            self.history.append({"epoch": self.current_epoch, "train_loss": loss})

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["ssaser_history"] = list(self.history)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.history = list(checkpoint.get("ssaser_history", []))


def lr_factor(schedule: str, warmup_steps: int, total_steps: int):
    """Multiplier of the base learning rate at step ``s`` (0-based): linear warm-up over
    ``warmup_steps``, then 1 (``constant``) or a cosine from 1 to 0 at ``total_steps``."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if schedule == "constant":
            return 1.0
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def module_for_config(
    config: TrainConfig, n_emotions: int, n_speakers: int, spec: ModelSpec | None = None
) -> SerLightningModule:
    """The module that training builds for ``config``; also what rebuilds a fold's module to load
    its checkpoint (settings such as ``speaker_adversary`` add parameters to the state).

    Parameters
    ----------
    config : TrainConfig
        The run's configuration.
    n_emotions, n_speakers : int
        Emotion classes; training speakers.
    spec : ModelSpec, optional
        ``config.model_spec()``, when the caller resolved it already.
    """
    spec = spec or config.model_spec()
    return SerLightningModule(spec.system, spec.model_config.to_dict(), n_emotions, n_speakers, lr=config.lr,
                              betas=config.betas, weight_decay=config.weight_decay, seed=config.seed,
                              augment=config.augment, lr_schedule=config.lr_schedule,
                              warmup_epochs=config.warmup_epochs, label_smoothing=config.label_smoothing,
                              mixup_alpha=config.mixup_alpha, speaker_adversary=config.speaker_adversary)
