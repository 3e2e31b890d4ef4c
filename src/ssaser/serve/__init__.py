"""HTTP service: :func:`create_app` (FastAPI) and :func:`serve` (uvicorn).

Names are imported on first use (PEP 562), so that ``ssaser.serve.limits`` is importable by
the command line without loading torch.
"""

from __future__ import annotations

from ssaser.lazy_imports import lazy_getattr

_EXPORTS = {
    "DEFAULT_MAX_UPLOAD_MB": "app", "create_app": "app",
    "create_app_from_env": "app", "ServiceLimits": "limits",
    "serve": "runner",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
