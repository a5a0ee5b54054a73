"""MIME type of an attachment from its first bytes (the pivot's MimeTypePJ is only a claim).

A handful of signatures cover the formats Chorus Pro accepts as PJ; python-magic
would need the system libmagic, which a Windows desktop does not have.
"""
from __future__ import annotations

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"{\\rtf", "application/rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # doc, xls, ppt
)
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff(debut: bytes, *, declare: str | None = None) -> str:
    """The MIME type the bytes show; the declared one when they say nothing clear."""
    head = debut.lstrip(b"\xef\xbb\xbf")
    for signature, mime in _SIGNATURES:
        if head.startswith(signature):
            if mime == "application/x-ole-storage" and declare and declare.startswith("application/"):
                return declare  # old Office formats share one container
            return mime
    if head.startswith(b"PK\x03\x04"):
        for prefix, mime in _OOXML.items():
            if prefix.encode() in debut[:2048]:
                return mime
        if b"mimetypeapplication/vnd.oasis.opendocument" in debut[:200]:
            return debut[38:120].split(b"PK")[0].decode("ascii", "replace") or "application/zip"
        return "application/zip"
    stripped = head.lstrip()
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        lower = stripped[:512].lower()
        if b"<html" in lower or b"<!doctype html" in lower:
            return "text/html"
        if b"<svg" in lower:
            return "image/svg+xml"
        return "application/xml"
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return declare or "application/octet-stream"
    return declare if declare and declare.startswith("text/") else "text/plain"
