"""The HTTP service: a FastAPI app around one :class:`~ssaser.inference.Recognizer`.

- ``POST /predict``: an audio file as a multipart upload (field ``file``) or as the raw request
  body; answers the JSON of one element of ``ssaser predict --json``
  (:meth:`Prediction.to_dict`), plus ``"timeline"`` when ``?hop=S`` is given.
- ``GET /health``: model name, labels, backend, limits.
- ``GET /openapi.json``, ``/docs``: the schema.

Bad input is a 4xx with ``{"error": "<one line>"}`` (the same line the CLI prints); never a 500.
Every bound of :class:`~ssaser.serve.limits.ServiceLimits` is checked before the work starts:
a body past the cap is refused (413) without reading past the cap; the sample rate, duration
and windows a request asks for are read from the header (400 / 413) before any sample is
decoded; long requests run in a lane of their own (see :mod:`ssaser.serve.limits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any, AsyncIterator

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from ssaser import __version__
from ssaser.audio import probe_audio
from ssaser.errors import AudioLimitError, ModelFileError, SsaserError
from ssaser.inference import Recognizer
from ssaser.inference.limits import CallTimeoutError, InferenceLimits, WorkLimitError
from ssaser.serve.limits import ServiceLimits, limits_from_env

DEFAULT_MAX_UPLOAD_MB = ServiceLimits().max_upload_mb


class UploadTooLarge(Exception):
    """The request body passed the size cap."""


class BadRequest(Exception):
    """A request that is not an audio upload (missing field, broken multipart)."""


class Busy(Exception):
    """Too many long requests already wait for their lane."""


#: Seconds a client is told to wait after a 503.
RETRY_AFTER_SECONDS = 5


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message}, headers=headers)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


async def _capped(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body, chunk by chunk, raising :class:`UploadTooLarge` past ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge()  # refuse before reading anything
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge()
        yield chunk


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    """The uploaded file's bytes and its name, from a multipart form or the raw body."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await MultiPartParser(request.headers, _capped(request, limit)).parse()
        except MultiPartException as exc:
            raise BadRequest(f"malformed multipart body ({_one_line(exc.message)})") from None
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("multipart body has no file field named 'file'")
        data = await upload.read()
        await form.close()
        return data, upload.filename or "<upload>"
    # Anything else is the file itself, whatever its declared type (curl --data-binary says
    # application/x-www-form-urlencoded): the decoder decides whether it is audio.
    data = b"".join([chunk async for chunk in _capped(request, limit)])
    return data, "<upload>"


class _Lanes:
    """Two semaphores: light requests on ``slots`` of them, heavy ones one at a time."""

    def __init__(self, limits: ServiceLimits) -> None:
        self.limits = limits
        self.light = asyncio.Semaphore(limits.slots)
        self.heavy = asyncio.Semaphore(1)
        self.heavy_waiting = 0

    @contextlib.asynccontextmanager
    async def hold(self, windows: int) -> AsyncIterator[None]:
        """A slot of the lane that a request of ``windows`` windows runs in (:class:`Busy` if full)."""
        if windows <= self.limits.heavy_windows:
            async with self.light:
                yield
            return
        if self.heavy.locked() and self.heavy_waiting >= self.limits.max_heavy_waiting:
            raise Busy()
        self.heavy_waiting += 1
        try:
            await self.heavy.acquire()
        finally:
            self.heavy_waiting -= 1
        try:
            yield
        finally:
            self.heavy.release()


def create_app(recognizer: Recognizer, limits: ServiceLimits | None = None) -> FastAPI:
    """The FastAPI application.

    Parameters
    ----------
    recognizer : Recognizer
        The model to serve.
    limits : ServiceLimits, optional
        Upload, audio and work bounds and the lanes' sizes (defaults: :class:`ServiceLimits`).
    """
    limits = limits or ServiceLimits()
    inference_limits = limits.inference()
    lanes = _Lanes(limits)
    app = FastAPI(
        title="ssaser", version=__version__,
        description="Speaker-attentive speech emotion recognition. POST an audio file to /predict.",
    )

    @app.exception_handler(UploadTooLarge)
    async def _too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return _error(413, f"upload larger than the {limits.max_upload_mb:g} MB limit")

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        return _error(503, "too many long requests are waiting; retry later",
                      {"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.exception_handler(SsaserError)
    async def _ssaser_error(request: Request, exc: SsaserError) -> JSONResponse:
        if isinstance(exc, CallTimeoutError):
            return _error(503, _one_line(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if isinstance(exc, (AudioLimitError, WorkLimitError)):
            return _error(413, _one_line(exc))
        if isinstance(exc, ModelFileError):
            return _error(500, _one_line(exc))  # the served model, not the request, is at fault
        return _error(400, _one_line(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, _one_line(f"{where}: {first.get('msg', 'invalid request')}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keeps the exception's headers: a 405 must say which methods are allowed (Allow).
        return _error(exc.status_code, _one_line(exc.detail), dict(exc.headers or {}))

    error_body = {"application/json": {"schema": {"type": "object", "required": ["error"],
                                                  "properties": {"error": {"type": "string"}}}}}

    def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
        text = {400: "unreadable audio or bad request", 405: "method not allowed", 413: "upload, audio or work "
                "past the service's limits", 422: "invalid query parameter", 500: "the served model failed",
                503: "busy or too slow: retry after the Retry-After header's seconds"}
        return {code: {"description": text[code], "content": error_body} for code in codes}

    @app.get("/health", summary="Service and model status", responses=errors(405))
    def health() -> dict[str, Any]:
        return {
            "status": "ok", "version": __version__, "labels": recognizer.labels,
            "normalization": recognizer.normalization.to_dict(), **limits.to_dict(), **recognizer.info,
        }

    audio_body = {"schema": {"type": "string", "format": "binary"}}
    request_body = {
        "required": True,
        "description": "An audio file (any format libsndfile reads): multipart field `file`, or the raw body.",
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": {"type": "string", "format": "binary"}}}},
            "application/octet-stream": audio_body, "audio/*": audio_body,
        },
    }

    @app.post("/predict", summary="Classify the emotion of an audio file", openapi_extra={"requestBody": request_body},
              responses=errors(400, 405, 413, 422, 500, 503))
    async def predict(
        request: Request,
        hop: float | None = Query(None, ge=limits.min_hop, le=3600.0, allow_inf_nan=False,
                                  description="Also return a timeline of windows every `hop` s."),
    ) -> dict[str, Any]:
        data, name = await _read_upload(request, limits.upload_bytes)
        # The header says how much work this is, before any sample is decoded.
        info = await run_in_threadpool(probe_audio, data, inference_limits.audio, name)
        windows = recognizer.estimate_windows(info.seconds, hop)
        inference_limits.check_windows(name, windows)
        async with lanes.hold(windows):
            return await run_in_threadpool(_classify, recognizer, data, name, hop, inference_limits)

    return app


def _classify(recognizer: Recognizer, data: bytes, name: str, hop: float | None,
              limits: InferenceLimits) -> dict[str, Any]:
    if hop is None:
        return recognizer.classify_bytes(data, name, limits).to_dict()
    prediction, timeline = recognizer.analyze(data, hop, source=name, limits=limits)
    return {**prediction.to_dict(), "timeline": timeline.to_dict()}


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory ssaser.serve.app:create_app_from_env`` (several workers).

    Reads ``SSASER_MODEL_DIR`` (required), ``SSASER_BACKEND`` (torch), ``SSASER_SPEAKER_STATS``
    and the limits of :data:`ssaser.serve.limits.ENV_VARIABLES` (``SSASER_MAX_UPLOAD_MB``, ...).
    """
    model_dir = os.environ.get("SSASER_MODEL_DIR")
    if not model_dir:
        raise SsaserError("set SSASER_MODEL_DIR to the model directory to serve")
    limits = limits_from_env()
    recognizer = Recognizer.from_pretrained(model_dir, backend=os.environ.get("SSASER_BACKEND", "torch"),
                                            speaker_stats=os.environ.get("SSASER_SPEAKER_STATS") or None)
    return create_app(recognizer, limits)
