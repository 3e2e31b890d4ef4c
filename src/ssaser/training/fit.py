"""Fit one system on one fold with the Lightning Trainer, then score its best epoch.

:func:`fit_system` builds the Trainer (best-UAR and last checkpoints written atomically,
optional early stopping, CSV and TensorBoard logs, progress bar, bf16 autocast on request)
and runs it, resuming from ``last.ckpt`` on request. ``accelerator``, ``devices``,
``num_nodes`` and ``strategy`` go to Lightning unchanged, so DDP on several GPUs or nodes
needs no code here. :func:`predict_segments` scores a set with the best weights.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import EarlyStopping, EMAWeightAveraging, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

from ssaser.errors import SsaserError, SsaserWarning
from ssaser.evaluation.metrics import aggregate_utterances, classification_metrics
from ssaser.runtime import bf16_supported
from ssaser.training.checkpoint import AtomicCheckpointIO
from ssaser.training.config import TrainConfig
from ssaser.training.data import SegmentDataModule, SegmentSet, eval_loader
from ssaser.models.spec import ModelSpec
from ssaser.training.module import SerLightningModule, module_for_config


@dataclass
class TrainerOptions:
    """What reaches ``lightning.Trainer`` unchanged (``--accelerator``, ``--devices`` ...)."""

    accelerator: str = "auto"
    devices: Any = "auto"
    num_nodes: int = 1
    strategy: str = "auto"
    progress: bool = True
    #: Without a progress bar, a line ``<epoch_label> epoch 5/30: val UAR ...`` every 5 epochs
    #: (how parallel cv workers, whose bars would garble one terminal, show they advance).
    epoch_label: str | None = None
    #: Every how many epochs that line is printed.
    epoch_every: int = 5
    extra: dict = field(default_factory=dict)


class EpochLines(L.Callback):
    """Print one line every ``every`` epochs (and the last) with the validation UAR so far."""

    def __init__(self, label: str, every: int = 5) -> None:
        self.label, self.every, self.best = label, every, None

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        # Here, after the epoch's validation, the module's logged val_uar is in callback_metrics.
        uar = trainer.callback_metrics.get("val_uar")
        if uar is None:
            return
        self.best = max(float(uar), self.best or 0.0)
        epoch = trainer.current_epoch + 1
        if trainer.is_global_zero and (epoch % self.every == 0 or epoch == trainer.max_epochs):
            print(f"{self.label} epoch {epoch}/{trainer.max_epochs}: val UAR {100 * float(uar):.1f}% "
                  f"(best {100 * self.best:.1f}%)", flush=True)


@dataclass
class FitOutcome:
    """A finished fit. ``module`` holds the best epoch's weights (the last ones without validation)."""

    module: SerLightningModule
    history: list[dict]
    best_epoch: int
    epochs: int
    is_global_zero: bool
    precision: str  # what the Trainer ran with (bf16 falls back to "32-true" without kernels)
    spec: ModelSpec  # the resolved front-end and network settings it was built from


def quiet_lightning() -> None:
    """Keep Lightning's start-up banners (its cloud-logging tip, "GPU available: False", the
    precision line) off the console: ``train.json`` and every ``result.json`` record the precision
    and the machine instead. Warnings still show."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.WARNING)


def bf16_precision(accelerator: str) -> str:
    """``"bf16-mixed"`` where the hardware runs bf16, else ``"32-true"`` with a warning."""
    if not bf16_supported(accelerator):
        warnings.warn("bf16 requested but this hardware has no bf16 kernels (AVX512-BF16/AMX or a bf16 GPU): "
                      "training in float32 (--no-bf16 silences this)", SsaserWarning, stacklevel=2)
        return "32-true"
    return "bf16-mixed"


def fit_system(
    config: TrainConfig,
    train: SegmentSet,
    val: SegmentSet | None,
    n_emotions: int,
    n_speakers: int,
    out_dir: str | Path,
    options: TrainerOptions | None = None,
    resume: bool = False,
    spec: ModelSpec | None = None,
) -> FitOutcome:
    """Train ``config.model`` on ``train``, selecting the epoch of best validation UAR.

    Parameters
    ----------
    config : TrainConfig
        System, preset, optimiser, epochs, seed.
    train, val : SegmentSet
        Normalised segments; ``val`` None trains for ``config.epochs`` and keeps the last.
    n_emotions, n_speakers : int
        Emotion classes; training speakers.
    out_dir : str or Path
        Gets ``checkpoints/`` (``best-*.ckpt``, ``last.ckpt``) and ``logs/`` (CSV, TensorBoard).
    options : TrainerOptions
        Accelerator, devices, nodes, strategy, progress bar.
    resume : bool
        Continue from ``out_dir/checkpoints/last.ckpt`` when it exists.
    spec : ModelSpec, optional
        ``config.model_spec()``, when the caller resolved it already.

    Raises
    ------
    SsaserError
        When ``out_dir`` already holds checkpoints and ``resume`` is False.
    """
    options = options or TrainerOptions()
    out_dir = Path(out_dir)
    ckpt_dir = out_dir / "checkpoints"
    last = ckpt_dir / "last.ckpt"
    if not resume and ckpt_dir.is_dir() and any(ckpt_dir.glob("*.ckpt")):
        raise SsaserError(f"{ckpt_dir} already holds checkpoints: pass --resume to continue, or another --out")
    if resume and last.is_file():
        check_checkpoint(last)  # before the Trainer exists: nothing is set up for a file we refuse
    L.seed_everything(config.seed, workers=True, verbose=False)
    spec = spec or config.model_spec()
    module = module_for_config(config, n_emotions, n_speakers, spec)
    data = SegmentDataModule(train, val, config.batch_size, config.seed, config.batches_per_epoch, config.num_workers)
    monitor = "val_uar" if val is not None else None
    checkpoint = ModelCheckpoint(dirpath=ckpt_dir, filename="best-{epoch}", monitor=monitor, mode="max",
                                 save_top_k=1, save_last=True)
    callbacks: list = [checkpoint, LearningRateMonitor(logging_interval="step")]  # lr-NAdam in the logs
    if config.ema_decay:
        # Before the checkpoint callback sees a state: checkpoints then hold the averaged weights
        # (and the running ones, for resuming).
        callbacks.insert(0, EMAWeightAveraging(decay=config.ema_decay, use_buffers=True))
    if config.patience and val is not None:
        callbacks.append(EarlyStopping(monitor="val_uar", mode="max", patience=config.patience))
    if options.epoch_label and not options.progress:
        callbacks.append(EpochLines(options.epoch_label, options.epoch_every))
    quiet_lightning()
    # A new version folder per invocation: a resumed run keeps the logs written before the interruption.
    loggers = [CSVLogger(out_dir / "logs", name="csv"),
               TensorBoardLogger(out_dir / "logs", name="tensorboard", default_hp_metric=False)]
    trainer = L.Trainer(
        accelerator=options.accelerator,
        devices=options.devices,
        num_nodes=options.num_nodes,
        strategy=options.strategy,
        max_epochs=config.epochs,
        precision=bf16_precision(options.accelerator) if config.bf16 else "32-true",
        callbacks=callbacks,
        logger=loggers,
        plugins=[AtomicCheckpointIO()],
        use_distributed_sampler=False,  # our sampler shards batches by rank itself
        num_sanity_val_steps=0,
        log_every_n_steps=1,
        enable_progress_bar=options.progress,
        enable_model_summary=False,
        **options.extra,
    )
    ckpt_path = str(last) if resume and last.is_file() else None
    with warnings.catch_warnings():
        # Small in-memory sets: Lightning's advice about worker processes does not apply.
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*LeafSpec.*is deprecated.*")  # torch 2.13 vs Lightning 2.6
        trainer.fit(module, datamodule=data, ckpt_path=ckpt_path)
    history = list(module.history)
    if checkpoint.best_model_path and val is not None:
        state = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
        module.load_state_dict(state["state_dict"])
    scored = [h for h in history if h.get("val_uar") is not None]
    best_epoch = max(scored, key=lambda h: h["val_uar"])["epoch"] if scored else trainer.current_epoch - 1
    return FitOutcome(module.cpu().eval(), history, int(best_epoch), int(trainer.current_epoch), trainer.is_global_zero,
                      str(trainer.precision), spec)


def check_checkpoint(path: Path) -> None:
    """Refuse, in one line, a checkpoint that cannot be resumed from (truncated, not a
    checkpoint, or holding objects that only unpickling code could build)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types here (UnpicklingError, RuntimeError, EOFError, ...)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SsaserError(f"{path}: cannot resume from this checkpoint ({type(exc).__name__}: {first[:200]}); "
                          "delete it to start over") from None
    if not isinstance(state, dict) or "state_dict" not in state or "epoch" not in state:
        raise SsaserError(f"{path}: not a Lightning checkpoint of ssaser (no state_dict / epoch); delete it to start over")


@torch.no_grad()
def predict_segments(system: torch.nn.Module, data: SegmentSet, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Posteriors, emotion embeddings and attention weights of every segment, in float32.

    Returns
    -------
    dict
        ``probs (segments, classes)``, ``embeddings (segments, n_em)`` and one
        ``attention/<name> (segments, T)`` entry per attention output of the system.
    """
    system.eval()
    out: dict[str, list[np.ndarray]] = {}
    for features, *_ in eval_loader(data, batch_size):
        output = system(features)
        items = {"probs": torch.softmax(output.emotion_logits.float(), -1), "embeddings": output.emotion_embedding}
        items.update({f"attention/{k}": v for k, v in output.attention.items()})
        for key, value in items.items():
            out.setdefault(key, []).append(value.float().cpu().numpy())
    return {key: np.concatenate(parts) for key, parts in out.items()}


def score_set(system: torch.nn.Module, data: SegmentSet, n_emotions: int) -> tuple[dict, dict[str, np.ndarray]]:
    """Utterance-level metrics of a set and the per-segment outputs they come from.

    Returns
    -------
    (dict, dict)
        :func:`classification_metrics` of the utterance predictions (mean segment posterior),
        and :func:`predict_segments`'s arrays plus ``utterance_probs (utterances, classes)`` and
        ``utterance_embeddings (utterances, n_em)``.
    """
    seg = predict_segments(system, data)
    utt = data.utterance.numpy()
    seg["utterance_probs"] = aggregate_utterances(seg["probs"], utt, data.n_utterances)
    seg["utterance_embeddings"] = aggregate_utterances(seg["embeddings"], utt, data.n_utterances)
    metrics = classification_metrics(data.utterance_emotion, seg["utterance_probs"].argmax(1), n_emotions)
    return metrics, seg
