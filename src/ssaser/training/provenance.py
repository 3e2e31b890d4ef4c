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


#: The vector extensions that decide training speed, best first (``/proc/cpuinfo`` flag names).
_ISA_FLAGS = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")


def _cpu_from_cpuinfo(text: str, fallback: str) -> str:
    """``"AMD EPYC (family 25 model 1, avx2)"`` from a ``/proc/cpuinfo`` text.

    Cloud CPUs often show one model name for several generations ("AMD EPYC" for Zen 3 and
    Zen 5), so the family, model and best vector extension go with it.
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name", fallback)
    flags = set(fields.get("flags", "").split())
    isa = next((flag for flag in _ISA_FLAGS if flag in flags), None)
    details = []
    if "cpu family" in fields and "model" in fields:
        details.append(f"family {fields['cpu family']} model {fields['model']}")
    if isa:
        details.append(isa)
    return f"{name} ({', '.join(details)})" if details else name


def machine_description() -> str:
    """One line naming this machine, its torch and its thread count (for results files)."""
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the CPU model here; platform.processor() often says only "x86_64"
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = _cpu_from_cpuinfo(handle.read(), cpu)
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
