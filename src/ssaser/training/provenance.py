"""Where and how a training ran, recorded beside its scores.

A cross-validation can be resumed on another machine (``ssaser cv`` continues from the folds
already written), and a machine without bf16 kernels trains in float32 even when the
configuration asks for bf16 (:func:`ssaser.training.fit.bf16_precision`). So each fold's
``result.json`` (and ``train.json``) records its own machine and precision, and the report
says when the folds of a run did not all run alike.
"""

from __future__ import annotations

import os
import platform

import torch


def machine_description() -> str:
    """One line naming this machine, its torch and its thread count (for results files)."""
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the CPU model here; platform.processor() often says only "x86_64"
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"{platform.node()} ({platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} logical CPUs, "
            f"torch {torch.__version__} with {torch.get_num_threads()} threads{gpu})")


def provenance(precision: str) -> dict[str, str]:
    """``{"precision": ..., "machine": ...}``: what a fold's or a model's results record.

    Parameters
    ----------
    precision : str
        Lightning's precision the training ran with (``"bf16-mixed"``, ``"32-true"``).
    """
    return {"precision": precision, "machine": machine_description()}
