"""``ssaser.runtime``: with its glibc tunables a repeated pattern of big allocations stops page-faulting."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from ssaser.runtime import MALLOC_TUNABLES, is_glibc, memory_retained, retained_memory_env

glibc_only = pytest.mark.skipif(not is_glibc(), reason="GLIBC_TUNABLES are glibc's")

# A training step in miniature: activations of 15-61 MB made and freed, the same every step.
PATTERN = textwrap.dedent("""
    import json, resource, torch
    from ssaser.runtime import memory_retained
    faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    x = torch.ones(40, 64, 150, 20, dtype=torch.bfloat16)
    per_step = []
    for _ in range(8):
        f0 = faults()
        a = torch.nn.functional.leaky_relu(x.repeat(1, 4, 1, 1), 0.01)
        b = a * 2
        c = torch.relu(b) + a
        del a, b, c
        per_step.append(faults() - f0)
    print(json.dumps({"retained": memory_retained(), "faults": per_step}))
""")


def _run(env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", PATTERN], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@glibc_only
def test_retained_memory_ends_the_page_faults_of_a_repeated_step():
    plain = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    retained, system = _run(retained_memory_env(plain)), _run(plain)
    assert retained["retained"] is True and system["retained"] is False
    # System malloc maps and faults in every big block again each step; kept memory is reused,
    # every step (with glibc's per-thread cache on, it was not: faults came back on some steps).
    assert all(f > 0 for f in system["faults"][2:])
    assert sum(retained["faults"][2:]) * 100 < sum(system["faults"][2:]), (retained, system)


def test_the_users_own_tunables_are_kept_and_win():
    env = retained_memory_env({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=7:glibc.pthread.rseq=0", "A": "b"})
    items = env["GLIBC_TUNABLES"].split(":")
    assert env["A"] == "b" and items[:2] == ["glibc.malloc.tcache_count=7", "glibc.pthread.rseq=0"]
    assert {i.split("=")[0] for i in items} == {"glibc.pthread.rseq", *MALLOC_TUNABLES}
    # An oracle independent of ssaser.runtime.is_glibc:
    assert memory_retained(env) is (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")
    assert memory_retained({}) is False
