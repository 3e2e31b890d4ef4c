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

import os
from typing import Any

from fastapi import FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool

from ssaser import __version__
from ssaser.audio import probe_audio
from ssaser.errors import SsaserError
from ssaser.inference import Recognizer
from ssaser.inference.limits import InferenceLimits
from ssaser.serve.errors import error_responses, install_error_handlers
from ssaser.serve.lanes import Lanes
from ssaser.serve.limits import ServiceLimits, limits_from_env
from ssaser.serve.upload import read_upload

DEFAULT_MAX_UPLOAD_MB = ServiceLimits().max_upload_mb


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
    lanes = Lanes(limits)
    app = FastAPI(
        title="ssaser", version=__version__,
        description="Speaker-attentive speech emotion recognition. POST an audio file to /predict.",
    )

    install_error_handlers(app, limits)

    @app.get("/health", summary="Service and model status", responses=error_responses(405))
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
              responses=error_responses(400, 405, 413, 422, 500, 503))
    async def predict(
        request: Request,
        hop: float | None = Query(None, ge=limits.min_hop, le=3600.0, allow_inf_nan=False,
                                  description="Also return a timeline of windows every `hop` s."),
    ) -> dict[str, Any]:
        data, name = await read_upload(request, limits.upload_bytes)
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

    Reads ``SSASER_MODEL_DIR`` (required), ``SSASER_BACKEND`` (torch), ``SSASER_SPEAKER_STATS``,
    ``SSASER_ENSEMBLE`` (further model directories, separated by ``os.pathsep``) and the limits of
    :data:`ssaser.serve.limits.ENV_VARIABLES` (``SSASER_MAX_UPLOAD_MB``, ...).
    """
    model_dir = os.environ.get("SSASER_MODEL_DIR")
    if not model_dir:
        raise SsaserError("set SSASER_MODEL_DIR to the model directory to serve")
    limits = limits_from_env()
    recognizer = Recognizer.from_pretrained(model_dir, backend=os.environ.get("SSASER_BACKEND", "torch"),
                                            speaker_stats=os.environ.get("SSASER_SPEAKER_STATS") or None,
                                            ensemble=[d for d in os.environ.get("SSASER_ENSEMBLE", "").split(os.pathsep)
                                                      if d])
    return create_app(recognizer, limits)
