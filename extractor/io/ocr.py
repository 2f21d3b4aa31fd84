"""Images → text with per-character boxes and confidence, by OCR (``rapidocr``; its Chinese models ship in the
wheel, nothing is downloaded).

Recognised text boxes are grouped into lines by their vertical position (as pdfplumber groups a text layer),
ordered left to right and joined by a space, so a scanned table reads like a PDF's: a row label followed by
its values. Every character keeps its box and the engine's score for it (a cell's confidence is capped by its
least certain character); the repair step offers look-alike digits of OCR'd values to the table's arithmetic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from extractor.errors import InputError
from extractor.schema import Box

MAX_PIXELS = 60_000_000
# rapidocr shrinks larger images to this side before detecting text (its default, 2000, blurs a full page)
MAX_SIDE = 4000
LINE_TOLERANCE = 0.5  # two boxes share a line when their tops differ by less than this share of a box height


@dataclass(frozen=True)
class OcrChar:
    text: str
    confidence: float
    x0: float
    top: float
    x1: float
    bottom: float


class OcrEngine(Protocol):
    """Image (RGB array) → recognised text boxes, each a sequence of characters with boxes and scores."""

    def __call__(self, image: Any) -> list[list[OcrChar]]: ...


@dataclass(frozen=True)
class OcrText:
    text: str
    boxes: tuple[Box | None, ...]
    confidence: tuple[float, ...]


class RapidOcrEngine:
    """``rapidocr`` with single-character boxes."""

    def __init__(self) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise InputError(f"OCR needs the 'ocr' extra (pip install 'xxgk[ocr]'): {exc}") from exc
        self._engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": MAX_SIDE})

    def __call__(self, image: Any) -> list[list[OcrChar]]:
        result: Any = self._engine(  # RapidOCROutput with word boxes (the union rapidocr declares is wider)
            image, return_word_box=True, return_single_char_box=True
        )
        if result.txts is None or not result.word_results:
            return []
        out = []
        for words in result.word_results:
            chars: list[OcrChar] = []
            for text, score, quad in words:
                xs = [p[0] for p in quad]
                ys = [p[1] for p in quad]
                x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
                width = (x1 - x0) / max(len(text), 1)
                for k, ch in enumerate(text):  # a multi-character word: share its box evenly
                    chars.append(OcrChar(ch, float(score), x0 + k * width, top, x0 + (k + 1) * width, bottom))
            if chars:
                out.append(chars)
        return out


def open_image(data: bytes) -> tuple[Any, float]:
    """Bytes of a PNG/JPEG/TIFF/BMP → (an RGB PIL image, the factor from its pixels back to the file's pixels);
    ``InputError`` when it is not a readable image or has more than ``MAX_PIXELS`` pixels.

    An image with a side over ``MAX_SIDE`` is shrunk before OCR (JPEGs already while decoding), so the work per
    document is bounded by ``MAX_SIDE``², not by the file's pixel count."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        width = image.width
        if image.width * image.height > MAX_PIXELS:
            raise InputError(f"image too large: {image.width}×{image.height} pixels (limit {MAX_PIXELS:,})")
        if max(image.size) > MAX_SIDE:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale; a no-op for others
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
        image.load()
    except InputError:
        raise
    except UnidentifiedImageError as exc:
        raise InputError("unreadable image: not a PNG, JPEG, TIFF, BMP or WebP file that can be decoded") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"unreadable image: {type(exc).__name__}: {exc}") from exc
    return image.convert("RGB"), width / image.width


def group_lines(boxes: Sequence[Sequence[OcrChar]]) -> list[list[Sequence[OcrChar]]]:
    """Text boxes → lines (top to bottom), each line's boxes left to right."""
    ordered = sorted((b for b in boxes if b), key=lambda b: (min(c.top for c in b), min(c.x0 for c in b)))
    lines: list[list[Sequence[OcrChar]]] = []
    line_top = line_height = 0.0
    for box in ordered:
        top = min(c.top for c in box)
        height = max(c.bottom for c in box) - top
        if lines and abs(top - line_top) < LINE_TOLERANCE * max(min(height, line_height), 1.0):
            lines[-1].append(box)
        else:
            lines.append([box])
            line_top, line_height = top, height
    return [sorted(line, key=lambda b: min(c.x0 for c in b)) for line in lines]


def ocr_image(image: Any, engine: OcrEngine, page: int = 1, scale: float = 1.0) -> OcrText:
    """OCR one page image; boxes are multiplied by ``scale`` (pixels → PDF points for a rendered PDF page)."""
    import numpy as np

    chars_by_box = engine(np.asarray(image))
    parts: list[str] = []
    boxes: list[Box | None] = []
    confidence: list[float] = []

    def made_up(text: str) -> None:
        parts.append(text)
        boxes.extend([None] * len(text))
        confidence.extend([1.0] * len(text))

    for n, line in enumerate(group_lines(chars_by_box)):
        if n:
            made_up("\n")
        for k, box in enumerate(line):
            if k:
                made_up(" ")
            for c in box:
                parts.append(c.text)
                boxes.append(
                    Box(page=page, x0=c.x0 * scale, top=c.top * scale, x1=c.x1 * scale, bottom=c.bottom * scale)
                )
                confidence.append(round(c.confidence, 4))
    return OcrText("".join(parts), tuple(boxes), tuple(confidence))
