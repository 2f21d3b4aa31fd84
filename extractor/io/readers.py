"""Paths → ``SourceDoc``. The only module that opens input files."""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from extractor.errors import InputError
from extractor.io.decode import decode_bytes
from extractor.io.html import render_html
from extractor.io.pdf import pdf_text
from extractor.offsets import OffsetMap
from extractor.schema import SourceFormat
from extractor.types import SourceDoc

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
}


# Files that are certainly not reports (results, gold files, archives): refused with a clear error.
NOT_REPORTS = frozenset({".json", ".jsonl", ".csv", ".xlsx", ".xls", ".zip", ".gz", ".tar", ".7z", ".rar", ".exe"})


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_format(path: str, data: bytes) -> SourceFormat:
    if data.startswith(b"%PDF"):
        return "pdf"
    suffix = Path(path).suffix.lower()
    if suffix in SUFFIX_FORMATS:
        return SUFFIX_FORMATS[suffix]
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "html"
    return "txt"


def source_from_bytes(path: str, data: bytes) -> SourceDoc:
    """Decode/render ``data``; raises ``InputError`` when it cannot be a readable report."""
    if len(data) > MAX_BYTES:
        raise InputError(f"input too large: {len(data)} bytes (limit {MAX_BYTES})")
    if Path(path).suffix.lower() in NOT_REPORTS:
        raise InputError(f"{Path(path).suffix} files are not reports (supported: txt, html, pdf)")
    fmt = sniff_format(path, data)
    doc_id = doc_id_of(data)
    if fmt == "pdf":
        raw = pdf_text(data)
        return SourceDoc(path, doc_id, fmt, "pdf-text-layer", raw, raw, OffsetMap.identity(len(raw)))
    if fmt in ("docx", "image"):
        raise InputError(f"{fmt} input is not supported yet")
    raw, encoding = decode_bytes(data)
    if fmt == "html":
        text, offsets, title = render_html(raw)
        if not text.strip():
            raise InputError("HTML page has no text")
        return SourceDoc(path, doc_id, fmt, encoding, raw, text, offsets, title_hint=title)
    return SourceDoc(path, doc_id, fmt, encoding, raw, raw, OffsetMap.identity(len(raw)))


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
