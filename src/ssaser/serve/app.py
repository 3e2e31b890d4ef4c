"""The HTTP service: a FastAPI app around one :class:`~ssaser.inference.Recognizer`.

- ``POST /predict``: an audio file as a multipart upload (field ``file``) or as the raw request
  body; answers the JSON of one element of ``ssaser predict --json``
  (:meth:`Prediction.to_dict`), plus ``"timeline"`` when ``?hop=S`` is given.
- ``GET /health``: model, labels, backend, limits.
- ``GET /openapi.json``, ``/docs``: the schema.

Bad input is a 4xx with ``{"error": "<one line>"}`` (the same line the CLI prints); never a 500.
Uploads larger than the cap are refused with 413, without reading past the cap.
"""

from __future__ import annotations

import asyncio
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
from ssaser.errors import SsaserError
from ssaser.inference import Recognizer

DEFAULT_MAX_UPLOAD_MB = 20.0


class UploadTooLarge(Exception):
    """The request body passed the size cap."""


class BadRequest(Exception):
    """A request that is not an audio upload (missing field, broken multipart)."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message})


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


def create_app(recognizer: Recognizer, max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
               max_concurrency: int | None = None) -> FastAPI:
    """The FastAPI application.

    Parameters
    ----------
    recognizer : Recognizer
        The model to serve.
    max_upload_mb : float
        Request body cap in MiB (413 above it).
    max_concurrency : int, optional
        Inferences running at once (the others wait); default the number of CPU cores, so that
        concurrent requests do not oversubscribe the CPU.
    """
    limit = int(max_upload_mb * 1024 * 1024)
    slots = asyncio.Semaphore(max_concurrency or os.cpu_count() or 1)
    app = FastAPI(
        title="ssaser", version=__version__,
        description="Speaker-attentive speech emotion recognition. POST an audio file to /predict.",
    )

    @app.exception_handler(UploadTooLarge)
    async def _too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return _error(413, f"upload larger than the {max_upload_mb:g} MB limit")

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(SsaserError)
    async def _ssaser_error(request: Request, exc: SsaserError) -> JSONResponse:
        return _error(400, _one_line(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, _one_line(f"{where}: {first.get('msg', 'invalid request')}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, _one_line(exc.detail))

    @app.get("/health", summary="Service and model status")
    def health() -> dict[str, Any]:
        return {
            "status": "ok", "version": __version__, "labels": recognizer.labels,
            "normalization": recognizer.normalization.to_dict(), "max_upload_mb": max_upload_mb,
            **recognizer.info,
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
    errors = {code: {"description": text, "content": {"application/json": {"example": {"error": text}}}}
              for code, text in [(400, "unreadable audio or bad request"), (413, "upload too large"),
                                 (422, "invalid query parameter")]}

    @app.post("/predict", summary="Classify the emotion of an audio file", openapi_extra={"requestBody": request_body},
              responses=errors)
    async def predict(
        request: Request,
        hop: float | None = Query(None, gt=0, description="Also return a timeline of windows every `hop` s."),
    ) -> dict[str, Any]:
        data, name = await _read_upload(request, limit)
        async with slots:
            return await run_in_threadpool(_classify, recognizer, data, name, hop)

    return app


def _classify(recognizer: Recognizer, data: bytes, name: str, hop: float | None) -> dict[str, Any]:
    if hop is None:
        return recognizer.classify_bytes(data, name).to_dict()
    prediction, timeline = recognizer.analyze(data, hop, source=name)
    return {**prediction.to_dict(), "timeline": timeline.to_dict()}


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory ssaser.serve.app:create_app_from_env`` (several workers).

    Reads ``SSASER_MODEL_DIR`` (required), ``SSASER_BACKEND`` (torch), ``SSASER_SPEAKER_STATS``
    and ``SSASER_MAX_UPLOAD_MB``.
    """
    model_dir = os.environ.get("SSASER_MODEL_DIR")
    if not model_dir:
        raise SsaserError("set SSASER_MODEL_DIR to the model directory to serve")
    recognizer = Recognizer.from_pretrained(model_dir, backend=os.environ.get("SSASER_BACKEND", "torch"),
                                            speaker_stats=os.environ.get("SSASER_SPEAKER_STATS") or None)
    return create_app(recognizer, float(os.environ.get("SSASER_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)))
