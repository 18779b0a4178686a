"""Uploaded documents: checked before they touch the store, and stored where nothing else can be.

A name with a folder part, `..`, a control character or a leading dot is refused (never cleaned
up and accepted), as is an extension that no `retrieval` reader accepts and content that cannot
be what the extension claims. Accepted files are streamed, with a byte limit, into
`<home>/uploads/<safe enterprise>/<sha256 prefix>/<safe name>`: the folder is derived from ids and
content alone, so no part of a caller's name becomes a path. Each version lives in its own
folder, so a failed re-upload never replaces the file the live index cites.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import UploadFile
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eprof.kernel.errors import InputError
from eprof.kernel.files import safe_name
from eprof.service.schema import ErrorBody
from eprof.retrieval.readers import SUPPORTED_SUFFIXES

COPY_BLOCK = 1 << 20
SNIFF_BYTES = 8192
PDF_HEADER_WITHIN = 1024


class UnsupportedType(InputError):
    """An extension no reader accepts, or content that does not match its extension (HTTP 415)."""


class TooLarge(InputError):
    """An upload over the size limit (HTTP 413)."""


def check_name(filename: str | None) -> str:
    """The file's lower-case suffix if the name is a plain, supported file name."""
    if not filename or not filename.strip():
        raise InputError("every uploaded file needs a file name")
    plain = PurePosixPath(filename).name == filename and PureWindowsPath(filename).name == filename
    if not plain or filename in (".", "..") or filename.startswith(".") or any(unicodedata.category(c) == "Cc" for c in filename):
        raise InputError(f"file name {filename!r} must be a plain name: no folders, '..', leading dot or control characters")
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedType(f"{filename}: unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    return suffix


def _check_content(filename: str, suffix: str, head: bytes) -> None:
    if not head:
        raise InputError(f"{filename}: empty file")
    if suffix == ".pdf":
        if b"%PDF-" not in head[:PDF_HEADER_WITHIN]:
            raise UnsupportedType(f"{filename}: not a PDF (no %PDF- header)")
    elif b"\x00" in head:
        raise UnsupportedType(f"{filename}: binary data in a {suffix} file")


def store_upload(upload: UploadFile, root: Path, enterprise_id: str, max_bytes: int) -> Path:
    """Stream the upload into a temporary file inside `root`, check it, then move it into place."""
    suffix = check_name(upload.filename)
    name = upload.filename or ""
    staging = root / ".incoming"
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=staging, prefix=".upload-", delete=False) as out:
        tmp = Path(out.name)
        try:
            head = upload.file.read(SNIFF_BYTES)
            _check_content(name, suffix, head)
            block = head
            while block:
                size += len(block)
                if size > max_bytes:
                    raise TooLarge(f"{name}: larger than the {max_bytes:,}-byte upload limit")
                digest.update(block)
                out.write(block)
                block = upload.file.read(COPY_BLOCK)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    target = root / safe_name(enterprise_id) / digest.hexdigest()[:16] / (safe_name(PurePosixPath(name).stem) + suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(tmp, target)
    return target


def discard(path: Path, root: Path) -> None:
    """Remove a stored upload that could not be ingested (and its now empty version folder)."""
    if path.resolve().is_relative_to(root.resolve()):
        path.unlink(missing_ok=True)
        if not any(path.parent.iterdir()):
            path.parent.rmdir()


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with a 413 that says so: at once when Content-Length
    admits it, else as soon as the bytes received pass it (before they are parsed or spooled)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self.message = f"request body over the {max_bytes:,}-byte limit"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            body = ErrorBody(error="TooLarge", message=self.message).model_dump(exclude_none=True)
            await JSONResponse(body, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self.message)
            return message

        await self.app(scope, counted, send)
