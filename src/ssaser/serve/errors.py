"""How the service answers what goes wrong: the status of each error, its one-line JSON body, and
the same bodies declared in the OpenAPI document (so that schemathesis can check them)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ssaser.errors import AudioLimitError, ModelFileError, SsaserError
from ssaser.inference.limits import CallTimeoutError, WorkLimitError
from ssaser.serve.lanes import Busy
from ssaser.serve.limits import ServiceLimits
from ssaser.serve.upload import BadRequest, UploadTooLarge, one_line

#: Seconds a client is told to wait after a 503.
RETRY_AFTER_SECONDS = 5

_ERROR_BODY = {"application/json": {"schema": {"type": "object", "required": ["error"],
                                               "properties": {"error": {"type": "string"}}}}}
_MEANING = {400: "unreadable audio or bad request", 405: "method not allowed",
            413: "upload, audio or work past the service's limits", 422: "invalid query parameter",
            500: "the served model failed", 503: "busy or too slow: retry after the Retry-After header's seconds"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries of these error codes, each with the ``{"error"}`` body."""
    return {code: {"description": _MEANING[code], "content": _ERROR_BODY} for code in codes}


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message}, headers=headers)


def status_of(exc: SsaserError) -> int:
    """400 bad input, 413 past a limit, 503 past the time limit, 500 a failing served model."""
    if isinstance(exc, CallTimeoutError):
        return 503
    if isinstance(exc, (AudioLimitError, WorkLimitError)):
        return 413
    if isinstance(exc, ModelFileError):
        return 500  # the served model, not the request, is at fault
    return 400


def install_error_handlers(app: FastAPI, limits: ServiceLimits) -> None:
    """Every error a request can cause becomes its status and a one-line ``{"error"}`` body."""
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.exception_handler(UploadTooLarge)
    async def _too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return error(413, f"upload larger than the {limits.max_upload_mb:g} MB limit")

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        return error(503, "too many long requests are waiting; retry later", retry)

    @app.exception_handler(SsaserError)
    async def _ssaser_error(request: Request, exc: SsaserError) -> JSONResponse:
        status = status_of(exc)
        return error(status, one_line(exc), retry if status == 503 else None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return error(422, one_line(f"{where}: {first.get('msg', 'invalid request')}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keeps the exception's headers: a 405 must say which methods are allowed (Allow).
        return error(exc.status_code, one_line(exc.detail), dict(exc.headers or {}))
