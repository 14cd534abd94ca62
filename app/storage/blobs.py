"""A content-addressed blob store. A file is received into a temporary place while it is hashed and
counted (never held whole in memory), checked by the caller, then kept under its SHA-256 — or
discarded. The filesystem is the default backend; anything that offers :class:`BlobStore` fits.

Keeping a blob and committing the row that names it cannot be one atomic step, so the order is
fixed: keep the blob, then commit; if the commit fails the caller forgets the blob again. A crash in
between leaves at worst a blob no row names, which ``flask graduation cleanup`` finds and removes.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream went past the size limit; what was received is gone already."""


@dataclass(frozen=True)
class Received:
    """A file received and hashed but not kept yet."""

    path: Path
    sha256: str
    size: int


class BlobStore(Protocol):
    """What the services need from a blob store."""

    def receive(self, stream: IO[bytes], limit: int) -> Received:
        """Copy ``stream`` aside while hashing it; :class:`TooLarge` past ``limit`` bytes."""

    def keep(self, received: Received) -> bool:
        """Store a received file under its hash; True if it was not stored before."""

    def discard(self, received: Received) -> None:
        """Drop a received file that is not wanted."""

    def open(self, sha256: str) -> BinaryIO:
        """Read a stored blob (``FileNotFoundError`` if missing)."""

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored."""

    def delete(self, sha256: str) -> None:
        """Remove a stored blob (no error if it is missing)."""

    def hashes(self, older_than: float = 0) -> Iterator[str]:
        """The hashes of stored blobs not kept (or kept again) in the last ``older_than`` seconds."""

    def leftovers(self, older_than: float) -> Iterator[Path]:
        """Received files never kept nor discarded (a crash), older than ``older_than`` seconds."""


class FileBlobStore:
    """Blobs as files ``<root>/ab/cd/abcd…`` with receiving in ``<root>/incoming`` (same file
    system, so keeping is a rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def receive(self, stream: IO[bytes], limit: int) -> Received:
        """Copy ``stream`` aside in 64 KB chunks while hashing it; :class:`TooLarge` past ``limit``."""
        path = self.incoming / f"{uuid.uuid4().hex}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Received(path, digest.hexdigest(), size)

    def keep(self, received: Received) -> bool:
        """Move the file to its hash's place (or drop it if that content is stored already)."""
        target = self._path(received.sha256)
        if target.exists():
            received.path.unlink(missing_ok=True)
            os.utime(target)  # kept again just now: ``cleanup`` leaves young blobs alone
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.path, target)
        return True

    def discard(self, received: Received) -> None:
        """Delete a received file."""
        received.path.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        """The stored blob, opened for reading."""
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the blob if present."""
        self._path(sha256).unlink(missing_ok=True)

    def hashes(self, older_than: float = 0) -> Iterator[str]:
        """Stored blobs' hashes, leaving out those kept in the last ``older_than`` seconds."""
        cutoff = time.time() - older_than
        for path in self.root.glob("??/??/*"):
            if len(path.name) == 64 and path.is_file() and path.stat().st_mtime <= cutoff:
                yield path.name

    def leftovers(self, older_than: float) -> Iterator[Path]:
        """Incoming files older than ``older_than`` seconds."""
        cutoff = time.time() - older_than
        for path in self.incoming.glob("*.part"):
            if path.stat().st_mtime < cutoff:
                yield path
