"""PDF → text with page geometry (pdfplumber for text layers; pages without one go to OCR).

``raw_text`` is the pages' text one after another, separated by a form-feed line; every character keeps its
page and bounding box (``Layout``), so a cell can say where on which page it was read. Lines that repeat at
the top or bottom of most pages (running headers and footers, page numbers) stay in ``raw_text`` but are left
out of the rendered ``text``. A page without a text layer, or with only a few characters of one over an image
(a scan with a stamped page number), is rendered and read by OCR.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from extractor.errors import InputError
from extractor.io.ocr import OcrEngine, ocr_image
from extractor.offsets import OffsetMap, TextBuilder
from extractor.schema import Box
from extractor.types import Layout

PAGE_BREAK = "\n\f\n"
OCR_RESOLUTION = 200  # dpi for rendering a page without a text layer
MAX_PAGES = 500
MIN_LAYER_CHARS = 20  # a page whose text layer is shorter (a stamped page number) but which holds an image is a scan
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class PdfText:
    raw_text: str
    text: str
    offsets: OffsetMap
    layout: Layout
    ocr_pages: tuple[int, ...]  # 1-based numbers of the pages read by OCR
    page_count: int

    @property
    def encoding(self) -> str:
        if not self.ocr_pages:
            return "pdf-text-layer"
        pages = ",".join(map(str, self.ocr_pages))
        return f"pdf-text-layer+ocr(pages {pages})" if len(self.ocr_pages) < self.page_count else "pdf-ocr"


def _char_box(obj: dict[str, float], page: int) -> Box:
    return Box(page=page, x0=obj["x0"], top=obj["top"], x1=obj["x1"], bottom=obj["bottom"])


def read_pdf(data: bytes, ocr: OcrEngine | None = None) -> PdfText:
    """Raises ``InputError`` for a corrupt or encrypted PDF, or one with no text that OCR could read."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise InputError(f"PDF has {len(pdf.pages)} pages (limit {MAX_PAGES})")
            pages = [_page(page, number, ocr) for number, page in enumerate(pdf.pages, start=1)]
    except PDFPasswordIncorrect as exc:
        raise InputError("encrypted PDF (password required)") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"corrupt or truncated PDF: {type(exc).__name__}: {exc}") from exc
    except InputError:
        raise
    except Exception as exc:  # pdfminer raises many private exception types on damaged files
        error = _unreadable(exc, PDFPasswordIncorrect)
        if error is exc:
            raise
        raise error from exc
    if not any(text.strip() for text, _, _ in pages):
        hint = "install the 'ocr' extra to read scanned pages" if ocr is None else "OCR found no text either"
        raise InputError(f"PDF has no text layer ({len(pages)} pages); {hint}")
    ocr_pages = tuple(n for n, (_, _, conf) in enumerate(pages, start=1) if conf is not None)
    return _join(pages, ocr_pages)


Page = tuple[str, list[Box | None], list[float] | None]  # text, a box per character, OCR confidences (or None)


def _page(page: Any, number: int, ocr: OcrEngine | None) -> Page:
    """A page's text layer, or (a scanned page, with an OCR engine) what OCR reads on its image."""
    textmap = page.get_textmap()
    text = textmap.as_string
    if len("".join(text.split())) >= MIN_LAYER_CHARS or (text.strip() and not page.images):
        return text, [None if obj is None else _char_box(obj, number) for _, obj in textmap.tuples], None
    if ocr is None:
        return "", [], None
    image = page.to_image(resolution=OCR_RESOLUTION).original
    read = ocr_image(image, ocr, page=number, scale=72 / OCR_RESOLUTION)
    return read.text, list(read.boxes), list(read.confidence)


def _unreadable(exc: Exception, password_error: type[Exception]) -> Exception:
    """An exception of pdfminer's or pdfplumber's own as an ``InputError``; any other is re-raised as it is."""
    causes = [*exc.args, exc.__context__, exc]  # pdfplumber wraps pdfminer's exception as its argument
    if any(isinstance(c, password_error) for c in causes):
        return InputError("encrypted PDF (password required)")
    if "pdfminer" in type(exc).__module__ or "pdfplumber" in type(exc).__module__:
        detail = next((f"{type(c).__name__}: {c}" for c in causes if isinstance(c, Exception)), "")
        return InputError(f"unreadable PDF: {detail}")
    return exc


def _join(pages: list[Page], ocr_pages: tuple[int, ...]) -> PdfText:
    raw_parts: list[str] = []
    boxes: list[Box | None] = []
    confidence: list[float] = []
    for i, (text, page_boxes, page_conf) in enumerate(pages):
        if i:
            raw_parts.append(PAGE_BREAK)
            boxes.extend([None] * len(PAGE_BREAK))
            confidence.extend([1.0] * len(PAGE_BREAK))
        raw_parts.append(text)
        boxes.extend(page_boxes)
        confidence.extend(page_conf if page_conf is not None else [1.0] * len(text))
    raw = "".join(raw_parts)
    text, offsets = drop_running_lines(raw)
    layout = Layout(tuple(boxes), tuple(confidence) if ocr_pages else None, frozenset(ocr_pages))
    return PdfText(raw, text, offsets, layout, ocr_pages, len(pages))


def drop_running_lines(raw: str) -> tuple[str, OffsetMap]:
    """Leave out the first and last line of a page when (digits aside) it recurs in that place on at least half
    of the pages and on two or more: running headers, footers and page numbers of a multi-page PDF."""
    pages = raw.split(PAGE_BREAK)
    if len(pages) < 3:
        return raw, OffsetMap.identity(len(raw))
    firsts: Counter[str] = Counter()
    lasts: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.split("\n") if ln.strip()]
        if lines:
            firsts[_DIGITS.sub("#", lines[0].strip())] += 1
            lasts[_DIGITS.sub("#", lines[-1].strip())] += 1
    need = max(2, (len(pages) + 1) // 2)
    running_first = {k for k, n in firsts.items() if n >= need}
    running_last = {k for k, n in lasts.items() if n >= need}
    if not running_first and not running_last:
        return raw, OffsetMap.identity(len(raw))
    out = TextBuilder(len(raw))
    pos = 0
    for p, page in enumerate(pages):
        if p:
            out.copy(PAGE_BREAK, pos)
            pos += len(PAGE_BREAK)
        lines = page.split("\n")
        drop = _running(lines, running_first, running_last)
        for i, line in enumerate(lines):
            end = pos + len(line) + (1 if i < len(lines) - 1 else 0)
            if i not in drop:
                out.copy(raw[pos:end], pos)
            pos = end
    return out.build()


def _running(lines: list[str], running_first: set[str], running_last: set[str]) -> set[int]:
    """The indexes of a page's first and last filled lines when they are running headers or footers."""
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    if not filled:
        return set()
    drop = set()
    if _DIGITS.sub("#", lines[filled[0]].strip()) in running_first:
        drop.add(filled[0])
    if _DIGITS.sub("#", lines[filled[-1]].strip()) in running_last:
        drop.add(filled[-1])
    return drop
