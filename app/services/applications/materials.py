"""Materials handed in with an application: streamed into the blob store under a size cap, and
kept only if the bytes are what the file name says (a PDF, a JPEG or a PNG)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from sqlalchemy.orm import Session

from ...models import Application, ApplicationMaterial
from ...storage import BlobStore, TooLarge
from ...storage.blobs import Received
from ..errors import RuleViolation
from .items import MATERIAL_KINDS

TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
"""The kinds of file accepted, by extension: their media type and how their bytes begin."""


@dataclass(frozen=True)
class Upload:
    """A material received and checked, not yet kept."""

    kind: str
    filename: str
    content_type: str
    received: Received


def receive(store: BlobStore, stream: IO[bytes], *, filename: str, kind: str, limit: int) -> Upload:
    """Stream one file aside and check it: ``material_kind`` for an unknown kind,
    ``material_type`` for an extension not accepted, ``material_too_large`` past ``limit`` bytes,
    ``material_mismatch`` when the bytes are not what the extension says. A refused file is
    gone again when this returns."""
    name = PurePath(filename.replace("\\", "/")).name.strip()[:200] or "material"
    if kind not in MATERIAL_KINDS:
        raise RuleViolation("unknown kind of material", code="material_kind", filename=name)
    suffix = PurePath(name).suffix.lower()
    if suffix not in TYPES:
        raise RuleViolation("only PDF, JPEG and PNG files", code="material_type", filename=name)
    try:
        received = store.receive(stream, limit)
    except TooLarge:
        raise RuleViolation(
            "the file is too large", code="material_too_large", filename=name, mb=limit // (1024 * 1024)
        ) from None
    content_type, magics = TYPES[suffix]
    with received.path.open("rb") as head:
        start = head.read(16)
    if received.size == 0 or not start.startswith(magics):
        store.discard(received)
        raise RuleViolation("the file is not what its name says", code="material_mismatch", filename=name)
    return Upload(kind, name, content_type, received)


def attach(
    session: Session,
    store: BlobStore,
    application: Application,
    uploads: list[Upload],
    *,
    at: dt.datetime,
    supplementary: bool,
) -> None:
    """Keep the uploads' files and name them as ``application``'s materials, in the caller's
    transaction (the blob store's order: keep, then commit; a blob whose row never commits is
    found by ``flask graduation cleanup``)."""
    for upload in uploads:
        store.keep(upload.received)
        application.materials.append(
            ApplicationMaterial(
                kind=upload.kind,
                filename=upload.filename,
                content_type=upload.content_type,
                sha256=upload.received.sha256,
                size=upload.received.size,
                received_at=at,
                supplementary=supplementary,
            )
        )
    session.flush()


def discard(store: BlobStore, uploads: list[Upload]) -> None:
    """Drop received files that will not be attached (another file of the same case was refused)."""
    for upload in uploads:
        store.discard(upload.received)
