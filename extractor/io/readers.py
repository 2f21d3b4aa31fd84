"""Paths → ``SourceDoc``. The only module that opens input files."""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.errors import InputError
from extractor.io.decode import decode_bytes
from extractor.io.docx import docx_text
from extractor.io.html import render_html
from extractor.io.ocr import OcrChar, OcrEngine, default_engine, ocr_image, open_image
from extractor.io.pdf import read_pdf
from extractor.offsets import OffsetMap
from extractor.schema import SourceFormat
from extractor.types import Layout, SourceDoc

MAX_BYTES = 50 * 1024 * 1024
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


def source_from_bytes(path: str, data: bytes, ocr: Callable[[], OcrEngine] = default_engine) -> SourceDoc:
    """Decode/render ``data``; raises ``InputError`` when it cannot be a readable report.

    ``ocr`` makes the OCR engine, called only for an image or a PDF page without a text layer.
    """
    if len(data) > MAX_BYTES:
        raise InputError(f"input too large: {len(data)} bytes (limit {MAX_BYTES})")
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
        read = ocr_image(open_image(data), ocr())
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


def read_source(path: str | Path) -> SourceDoc:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"input too large: {size} bytes (limit {MAX_BYTES})")
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from exc
    return source_from_bytes(str(p), data)


def expand_paths(patterns: Iterable[str]) -> Iterator[Path]:
    """Files named by ``patterns`` (files, folders searched recursively, globs), each once, in sorted order."""
    seen: set[Path] = set()
    for pattern in patterns:
        p = Path(pattern)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif p.exists():
            found = [p]
        else:
            found = sorted(Path(f) for f in glob.glob(pattern, recursive=True) if Path(f).is_file())
        for f in found:
            if f not in seen:
                seen.add(f)
                yield f
