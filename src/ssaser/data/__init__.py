"""Corpora, manifests, splits and leakage checks.

Kept light on purpose (importing a submodule such as ``ssaser.data.synth`` must not pull
in pandas): the manifest functions below are loaded on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read_manifest", "validate_manifest", "write_manifest"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ssaser.data import manifest

        return getattr(manifest, name)
    raise AttributeError(f"module 'ssaser.data' has no attribute {name!r}")
