"""Where files live: a content-addressed blob store (SHA-256 names) behind a small interface."""

from .blobs import BlobStore, FileBlobStore, Received, TooLarge

__all__ = ["BlobStore", "FileBlobStore", "Received", "TooLarge"]
