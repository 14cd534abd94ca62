"""Renderers: QR codes (and later PDFs) from signed objects."""
