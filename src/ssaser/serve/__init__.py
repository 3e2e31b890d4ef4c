"""HTTP service: :func:`create_app` (FastAPI) and :func:`serve` (uvicorn)."""

from ssaser.serve.app import DEFAULT_MAX_UPLOAD_MB, create_app, create_app_from_env
from ssaser.serve.runner import serve

__all__ = ["DEFAULT_MAX_UPLOAD_MB", "create_app", "create_app_from_env", "serve"]
