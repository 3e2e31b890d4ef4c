"""HTTP service: :func:`create_app` (FastAPI) and :func:`serve` (uvicorn).

Names are imported on first use (PEP 562), so that ``ssaser.serve.limits`` is importable by
the command line without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DEFAULT_MAX_UPLOAD_MB": "ssaser.serve.app", "create_app": "ssaser.serve.app",
    "create_app_from_env": "ssaser.serve.app", "ServiceLimits": "ssaser.serve.limits",
    "serve": "ssaser.serve.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ssaser.serve' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
