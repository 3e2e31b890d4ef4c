"""What a fold records of the machine it ran on."""

from __future__ import annotations

import torch

from ssaser.training.provenance import _cpu_from_cpuinfo, machine_description, provenance

ZEN3 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma

processor\t: 1
model name\t: something else
"""


def test_cpu_names_family_model_and_best_vector_extension():
    assert _cpu_from_cpuinfo(ZEN3, "x86_64") == "AMD EPYC (family 25 model 1, avx2)"
    zen5 = ZEN3.replace("cpu family\t: 25", "cpu family\t: 26").replace("avx2 fma", "avx2 avx512f avx512_bf16")
    assert _cpu_from_cpuinfo(zen5, "x86_64") == "AMD EPYC (family 26 model 1, avx512_bf16)"
    assert _cpu_from_cpuinfo("", "aarch64") == "aarch64"  # no cpuinfo fields: the platform's name


def test_provenance_has_the_precision_and_this_machine():
    record = provenance("32-true")
    assert record["precision"] == "32-true"
    assert record["machine"] == machine_description() and f"torch {torch.__version__}" in record["machine"]
