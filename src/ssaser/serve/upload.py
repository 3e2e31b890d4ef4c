"""Reading an upload: a multipart form (field ``file``) or the raw body, never past the size cap."""

from __future__ import annotations

from typing import AsyncIterator

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser


class UploadTooLarge(Exception):
    """The request body passed the size cap."""


class BadRequest(Exception):
    """A request that is not an audio upload (missing field, broken multipart)."""


def one_line(text: object) -> str:
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


async def read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    """The uploaded file's bytes and its name, from a multipart form or the raw body."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await MultiPartParser(request.headers, _capped(request, limit)).parse()
        except MultiPartException as exc:
            raise BadRequest(f"malformed multipart body ({one_line(exc.message)})") from None
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
