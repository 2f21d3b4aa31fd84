"""Paths → ``SourceDoc``. The only module that opens input files."""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.config import LIMITS
from extractor.errors import InputError
from extractor.io.decode import decode_bytes
from extractor.io.docx import docx_text
from extractor.io.html import render_html
from extractor.io.ocr import OcrChar, OcrEngine, RapidOcrEngine, ocr_image, open_image
from extractor.io.pdf import read_pdf
from extractor.offsets import OffsetMap
from extractor.schema import SourceFormat, encodable
from extractor.types import Layout, SourceDoc

MAX_BYTES = LIMITS.max_bytes
SUFFIX_FORMATS: dict[str, SourceFormat] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".htm": "html",
    ".html": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".webp": "image",
}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")


# Files that are certainly not reports (results, gold files, archives): refused with a clear error.
NOT_REPORTS = frozenset({".json", ".jsonl", ".csv", ".xlsx", ".xls", ".zip", ".gz", ".tar", ".7z", ".rar", ".exe"})


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_format(path: str, data: bytes) -> SourceFormat:
    """By content first (PDF, images, Word packages), then by suffix, then HTML or text."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if data.startswith(_IMAGE_MAGIC) and not (data.startswith(b"RIFF") and data[8:12] != b"WEBP"):
        return "image"
    suffix = Path(path).suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "html"
    return "txt"


def source_from_bytes(
    path: str, data: bytes, ocr: Callable[[], OcrEngine] | None = None, *, max_bytes: int = MAX_BYTES
) -> SourceDoc:
    """Decode/render ``data``; raises ``InputError`` when it cannot be a readable report.

    ``ocr`` gives the OCR engine (an ``Extractor`` keeps one), called only for an image or a PDF page without a
    text layer; without it an engine is made for this document.
    """
    ocr = ocr or RapidOcrEngine
    if len(data) > max_bytes:
        raise InputError(f"input too large: {len(data)} bytes (limit {max_bytes})")
    suffix = Path(path).suffix.lower()
    if suffix in NOT_REPORTS:
        raise InputError(f"{suffix} files are not reports (supported: txt, html, docx, pdf, images)")
    fmt = sniff_format(path, data)
    doc_id = doc_id_of(data)
    if fmt == "pdf":
        pdf = read_pdf(data, _LazyEngine(ocr))
        return SourceDoc(path, doc_id, fmt, pdf.encoding, pdf.raw_text, pdf.text, pdf.offsets, layout=pdf.layout)
    if fmt == "docx":
        raw = docx_text(data)
        return SourceDoc(path, doc_id, fmt, "docx", raw, raw, OffsetMap.identity(len(raw)))
    if fmt == "image":
        image, scale = open_image(data)
        read = ocr_image(image, ocr(), scale=scale)
        if not read.text.strip():
            raise InputError("OCR found no text in the image")
        layout = Layout(read.boxes, read.confidence, frozenset({1}))
        return SourceDoc(
            path, doc_id, fmt, "ocr", read.text, read.text, OffsetMap.identity(len(read.text)), layout=layout
        )
    if suffix == ".doc" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("legacy Word 97-2003 .doc (or an encrypted Office file) is not supported; save it as .docx")
    raw, encoding = decode_bytes(data)
    if fmt == "html":
        text, offsets, title = render_html(raw)
        if not text.strip():
            raise InputError("HTML page has no text")
        return SourceDoc(path, doc_id, fmt, encoding, raw, text, offsets, title_hint=title)
    return SourceDoc(path, doc_id, fmt, encoding, raw, raw, OffsetMap.identity(len(raw)))


class _LazyEngine:
    """An ``OcrEngine`` made on its first call: a PDF whose pages all have text never loads the OCR models."""

    def __init__(self, make: Callable[[], OcrEngine]) -> None:
        self._make = make

    def __call__(self, image: Any) -> list[list[OcrChar]]:
        return self._make()(image)


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes; ``InputError`` naming the path when it is missing, unreadable, a dangling or looping
    link, not a regular file, or larger than ``max_bytes``."""
    try:
        if not path.is_file():
            raise InputError(f"cannot read {display_path(path)}: {_not_a_file(path)}")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"input too large: {size} bytes (limit {max_bytes})")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {display_path(path)}: {exc.strerror or exc}") from exc


def _not_a_file(path: Path) -> str:
    if path.is_dir():
        return "a link to a folder (links to folders are not followed)" if path.is_symlink() else "a folder"
    if path.is_symlink():
        return "a dangling or looping link"
    return "not a regular file" if path.exists() else "no such file"


def read_source(path: str | Path, ocr: Callable[[], OcrEngine] | None = None) -> SourceDoc:
    p = Path(path)
    return source_from_bytes(str(p), read_bytes(p), ocr)


def display_path(path: str | Path) -> str:
    """A path as text that always encodes (undecodable bytes of a file name as ``\\xff`` escapes)."""
    return encodable(str(path))


def expand_paths(patterns: Iterable[str]) -> Iterator[Path]:
    """Files named by ``patterns`` (files, folders searched recursively, globs), each once, in sorted order.

    Links are listed even when they lead nowhere (dangling, or a loop), so that reading them gives an error
    record instead of a silent skip; folders reached through a link are not entered (no loops)."""
    seen: set[Path] = set()
    for pattern in patterns:
        p = Path(pattern)
        if p.is_dir():
            found = sorted(_walk(p))
        elif p.exists() or p.is_symlink():
            found = [p]
        else:
            found = sorted(Path(f) for f in glob.glob(pattern, recursive=True) if not Path(f).is_dir())
        for f in found:
            if f not in seen:
                seen.add(f)
                yield f


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(root)
        for name in files:
            if not name.startswith("."):
                yield base / name
        for name in dirs:  # a link to a folder: os.walk lists it as a folder and does not enter it
            if (base / name).is_symlink():
                yield base / name
